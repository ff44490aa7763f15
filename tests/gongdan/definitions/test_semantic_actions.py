"""Actions, recipients and events name things that exist."""

from __future__ import annotations

import pytest
from tests.gongdan.definitions.fixtures.minimal_set import validate_edited, where

WF = "workflows/repair_flow.yaml"
SLA = "sla/standard.yaml"
AUTO = "automations/auto_close.yaml"
ROUTING = "routing/rules.yaml"

CASES = [
    pytest.param(
        WF,
        "{do: route, rule: workshop_pool}",
        "{do: route, rule: workshop_poll}",
        "workshop_poll",
        "ref.unknown_routing_rule",
        "unknown routing rule 'workshop_poll'",
        "did you mean 'workshop_pool'?",
        id="route-rule",
    ),
    pytest.param(
        WF,
        "{do: route, rule: workshop_pool}",
        "{do: transfer, department: quality}",
        "quality",
        "ref.unknown_department",
        "unknown department 'quality'",
        None,
        id="transfer-department",
    ),
    pytest.param(
        WF,
        "{do: route, rule: workshop_pool}",
        "{do: send_survey, template: callback}",
        "callback",
        "ref.unknown_survey",
        "unknown survey template 'callback'",
        "did you mean 'repair_callback'?",
        id="send-survey",
    ),
    pytest.param(
        AUTO,
        "{do: transition, transition: close}",
        "{do: transition, transition: clse}",
        "clse",
        "ref.unknown_transition",
        "unknown transition 'clse'",
        "did you mean 'close'?",
        id="transition",
    ),
    pytest.param(
        AUTO,
        "{do: transition, transition: close}",
        "{do: escalate, level: 2}",
        "escalate",
        "action.unknown",
        "unknown action 'escalate'",
        None,
        id="unknown-action",
    ),
    pytest.param(
        AUTO,
        "{do: transition, transition: close}",
        "{do: pm.reschedule, days: 2}",
        "pm.reschedule",
        "action.unknown",
        "unknown action 'pm.reschedule'",
        None,
        id="plugin-action-without-plugin",
    ),
    pytest.param(
        SLA,
        "{do: set, field: ticket.priority, value: urgent}",
        "{do: set, field: ticket.priorty, value: urgent}",
        "ticket.priorty",
        "ref.unknown_field",
        "unknown ticket field 'priorty'",
        "did you mean 'priority'?",
        id="set-field",
    ),
    pytest.param(
        SLA,
        "department:workshop]",
        "department:workshp]",
        "department:workshp",
        "ref.unknown_department",
        "unknown department 'workshp'",
        "did you mean 'workshop'?",
        id="recipient-department",
    ),
    pytest.param(
        ROUTING,
        "on: [created, transferred]",
        'on: [created, "transition:triag"]',
        '"transition:triag"',
        "ref.unknown_transition",
        "event 'transition:triag' names unknown transition 'triag'",
        "did you mean 'triage'?",
        id="transition-event",
    ),
    pytest.param(
        ROUTING,
        "on: [created, transferred]",
        'on: [created, "field_changed:symptm"]',
        '"field_changed:symptm"',
        "ref.unknown_field",
        "event 'field_changed:symptm' names unknown field 'symptm'",
        "did you mean 'symptom'?",
        id="field-changed-event",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "needle", "code", "message", "hint"), CASES)
def test_action_vocabulary(
    file: str, old: str, new: str, needle: str, code: str, message: str, hint: str | None
) -> None:
    problems, texts = validate_edited({file: [(old, new)]})
    assert [(p.code, p.message, p.hint) for p in problems] == [(code, message, hint)]
    assert (problems[0].file, problems[0].line, problems[0].column) == where(texts, file, needle)


def test_plugin_action_is_known_when_its_plugin_is() -> None:
    from tests.gongdan.definitions.fixtures.minimal_set import load_set

    from gongdan.definitions.extensions import Extensions
    from gongdan.definitions.validate import validate_definitions

    edits = {AUTO: [("{do: transition, transition: close}", "{do: pm.reschedule, days: 2}")]}
    extensions = Extensions(actions=frozenset({"pm.reschedule"}))
    assert validate_definitions(load_set(edits), extensions=extensions) == []


def test_core_attribute_events_are_known() -> None:
    problems, _ = validate_edited(
        {ROUTING: [("on: [created, transferred]", 'on: [created, "field_changed:priority"]')]}
    )
    assert problems == []
