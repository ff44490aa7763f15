"""The definition kinds the admin edits: core kinds, then the kinds the loaded plugins add.

Each kind gets a page of its own (its URL and endpoint are derived from the kind's name) and a
JSON Schema for the structured editor: the envelope with the kind's ``spec`` schema inside,
self-contained (no ``$ref`` to another file) so the browser needs nothing but the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext

from gongdan.definitions.extensions import Extensions
from gongdan.definitions.schema import schema_document, standalone_spec_schema

#: The core kinds in the order an admin meets them, with their plural names for the menu.
CORE_KINDS: Mapping[str, Any] = {
    "TicketType": lazy_gettext("Ticket types"),
    "Workflow": lazy_gettext("Workflows"),
    "RoutingRule": lazy_gettext("Routing rules"),
    "SlaPolicy": lazy_gettext("SLA policies"),
    "Calendar": lazy_gettext("Calendars"),
    "SurveyTemplate": lazy_gettext("Survey templates"),
    "NotificationTemplate": lazy_gettext("Notification templates"),
    "Automation": lazy_gettext("Automations"),
    "OptionList": lazy_gettext("Option lists"),
    "Department": lazy_gettext("Departments"),
    "Role": lazy_gettext("Roles"),
    "InboundChannel": lazy_gettext("Inbound channels"),
}

_COMMON_REF = "common.json#/$defs/"


@dataclass(frozen=True, slots=True)
class KindPage:
    """Where one kind's admin pages live (``/admin/definitions/<kind>/``), endpoint and name."""

    kind: str
    name: Any

    @property
    def endpoint(self) -> str:
        """``TicketType`` → ``definitions_ticket_type``; ``pm.MaintenancePlan`` → ``..._pm_...``."""
        snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", self.kind).lower()
        return "definitions_" + snake.replace(".", "_")

    @property
    def url(self) -> str:
        """Relative, so Flask-Admin puts it under the admin's own URL."""
        return f"definitions/{self.kind}"


def kind_pages(extensions: Extensions) -> list[KindPage]:
    """One page per core kind, then one per plugin kind (sorted), named for the menu."""
    pages = [KindPage(kind, name) for kind, name in CORE_KINDS.items()]
    pages.extend(KindPage(kind, kind) for kind in sorted(extensions.kinds))
    return pages


def _inline_common(node: Any) -> Any:
    """``common.json#/$defs/x`` → ``#/$defs/common.x`` everywhere in a plugin kind's schema."""
    if isinstance(node, dict):
        out = {name: _inline_common(value) for name, value in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(_COMMON_REF):
            out["$ref"] = "#/$defs/common." + ref.removeprefix(_COMMON_REF)
        return out
    if isinstance(node, list):
        return [_inline_common(item) for item in node]
    return node


def _spec_schema(kind: str, extensions: Extensions) -> dict[str, Any]:
    if kind not in extensions.kinds:
        return standalone_spec_schema(kind)
    spec = _inline_common(dict(extensions.kinds[kind]))
    spec.pop("$id", None)
    # The core kinds' standalone schemas carry the shared definitions; borrow them.
    shared = standalone_spec_schema("OptionList")["$defs"]
    defs = spec.setdefault("$defs", {})
    defs.update({name: value for name, value in shared.items() if name.startswith("common.")})
    return spec


def editor_schema(kind: str, extensions: Extensions) -> dict[str, Any]:
    """The whole definition's JSON Schema (envelope + spec) for the structured editor.

    Shared definitions sit in the root's ``$defs`` (local ``$ref`` in json-editor resolve from
    the root). The envelope's ``kind`` is read-only: a page edits one kind.
    """
    spec = _spec_schema(kind, extensions)
    defs = spec.pop("$defs", {})
    local_text = defs.get("common.localText", {}).get("properties", {})
    for language in local_text.values():
        # Titles, help and template bodies: a one-line input would drop their line breaks.
        language.setdefault("format", "textarea")
    envelope = schema_document("envelope")
    return {
        "type": "object",
        "title": kind,
        "properties": {
            "kind": {"type": "string", "default": kind, "readOnly": True},
            "key": {"$ref": "#/$defs/common.key"},
            "title": {"$ref": "#/$defs/common.localText"},
            "description": {"$ref": "#/$defs/common.localText"},
            "spec": spec,
        },
        "required": list(envelope["required"]),
        "$defs": defs,
    }
