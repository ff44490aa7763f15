"""A ladder that escalates to a missing role or template does not validate; the pack's does."""

from __future__ import annotations

import copy
import dataclasses

from tests.gongdan.sla.conftest import after_sales_pack

from gongdan.definitions.validate import validate_definitions


def _with_ladder(actions: list[dict[str, object]]) -> list[str]:
    definitions = []
    for definition in after_sales_pack().definitions:
        if (definition.kind, definition.key) == ("SlaPolicy", "standard"):
            document = copy.deepcopy(dict(definition.document))
            document["spec"]["escalations"] = [
                {"at": "100%", "metric": "resolution", "actions": actions}
            ]
            definition = dataclasses.replace(definition, document=document, source=None)
        definitions.append(definition)
    return [
        f"{p.code}: {p.message}" for p in validate_definitions(definitions) if p.severity == "error"
    ]


def test_the_default_pack_ladders_validate() -> None:
    assert _with_ladder([{"do": "notify", "template": "sla_breached", "to": ["assignee"]}]) == []


def test_a_missing_role_or_template_is_an_error() -> None:
    problems = _with_ladder([{"do": "notify", "template": "sla_braeched", "to": ["role:overlord"]}])
    assert any(p.startswith("ref.unknown_template") and "sla_braeched" in p for p in problems)
    assert any(p.startswith("ref.unknown_role") and "overlord" in p for p in problems)
