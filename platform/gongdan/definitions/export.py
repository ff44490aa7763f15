"""Write definitions back to YAML files: ``gongdan pack export`` and admin downloads.

One file per definition, grouped by kind the way packs are laid out (``ticket_types/``,
``workflows/`` ...), written by :func:`gongdan.definitions.loader.dump_yaml` so that loading
the files again gives the same content hashes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gongdan.definitions.documents import Definition
from gongdan.definitions.loader import dump_yaml

__all__ = ["KIND_FOLDERS", "definition_file", "export_definitions"]

PACK_FILE = "pack.yaml"

#: Where each core kind lives inside a pack folder (plugin kinds: ``<namespace>/<kind>``).
KIND_FOLDERS: Mapping[str, str] = {
    "TicketType": "ticket_types",
    "Workflow": "workflows",
    "RoutingRule": "routing",
    "SlaPolicy": "sla",
    "Calendar": "calendars",
    "SurveyTemplate": "surveys",
    "NotificationTemplate": "notifications",
    "Automation": "automations",
    "OptionList": "options",
    "Department": "departments",
    "Role": "roles",
    "InboundChannel": "channels",
}


def definition_file(kind: str, key: str) -> Path:
    """Where :func:`export_definitions` writes a definition: ``ticket_types/repair.yaml``."""
    folder = KIND_FOLDERS.get(kind)
    if folder is None:
        namespace, _, name = kind.rpartition(".")
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        folder = f"{namespace or 'other'}/{snake}"
    return Path(folder) / f"{key}.yaml"


def export_definitions(
    definitions: Iterable[Definition], target: Path, *, meta: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write definitions as a pack folder under ``target``, one YAML file per definition.

    ``meta`` (the content of ``pack.yaml``) is written when given. Files are plain data that
    re-load to the same content hashes. Returns the files written.
    """
    written: list[Path] = []
    if meta is not None:
        target.mkdir(parents=True, exist_ok=True)
        (target / PACK_FILE).write_text(_dump_meta(meta), encoding="utf-8")
        written.append(target / PACK_FILE)
    for definition in sorted(definitions, key=lambda d: (d.kind, d.key)):
        path = target / definition_file(definition.kind, definition.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"kind": definition.kind, "key": definition.key}
        document.update({k: v for k, v in definition.document.items() if k not in document})
        path.write_text(dump_yaml([document]), encoding="utf-8")
        written.append(path)
    return written


def _dump_meta(meta: Mapping[str, Any]) -> str:
    return dump_yaml([meta], first=("key", "version", "title", "description", "requires"))
