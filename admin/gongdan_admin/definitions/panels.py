"""Extra panels of the definition editor, beside the YAML and the form views.

A panel is a tab on the editor page rendered from its own template, which gets the editor's
context (``kind``, ``key``, ``text``, ``schema``, ``problems`` ...). Kind-specific helpers — a
ticket type's field rows, a workflow's diagram — register here instead of editing the editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Panels every kind's editor shows, by kind; ``"*"`` applies to every kind.
_PANELS: dict[str, list[Panel]] = {}


@dataclass(frozen=True, slots=True)
class Panel:
    """One editor tab: an id for the DOM, its title and the template rendering its body."""

    id: str
    title: Any
    template: str


def add_panel(kind: str, panel: Panel) -> None:
    """Show ``panel`` on the editor of ``kind`` (``"*"``: every kind); idempotent by id."""
    panels = _PANELS.setdefault(kind, [])
    if all(existing.id != panel.id for existing in panels):
        panels.append(panel)


def panels_for(kind: str) -> list[Panel]:
    """The extra panels of ``kind``'s editor, in the order they were added."""
    return [*_PANELS.get("*", []), *_PANELS.get(kind, [])]
