"""What installing a pack would do to the active set, shown before anyone confirms it.

A pure comparison of content hashes: each definition of the pack is created (no active
revision), changes its active revision (another hash) or is left unchanged (the same hash), as
:func:`gongdan.definitions.registry.install_pack` decides. Active definitions the pack does not
hold stay as they are: installing never removes anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from gongdan.definitions.documents import Definition

__all__ = ["ActiveRevision", "InstallPlan", "PlannedDefinition", "plan_install"]

PlannedAction = Literal["create", "change", "unchanged"]


class ActiveRevision(Protocol):
    """What the plan reads of an active revision (a :class:`DefinitionRevision` has it)."""

    kind: str
    key: str
    revision: int
    content_hash: str
    pack_key: str | None


@dataclass(frozen=True, slots=True)
class PlannedDefinition:
    """One definition of the pack and what installing it would do."""

    kind: str
    key: str
    action: PlannedAction
    active_revision: int | None = None
    active_pack: str | None = None


@dataclass(frozen=True, slots=True)
class InstallPlan:
    """The pack's definitions by action, and how many active ones it leaves alone."""

    items: tuple[PlannedDefinition, ...]
    kept: int

    def with_action(self, action: PlannedAction) -> list[PlannedDefinition]:
        """The definitions that would get ``action``, in kind and key order."""
        return [item for item in self.items if item.action == action]

    @property
    def changes(self) -> int:
        """How many revisions installing would write."""
        return sum(1 for item in self.items if item.action != "unchanged")


def plan_install(
    definitions: Iterable[Definition], active: Iterable[ActiveRevision]
) -> InstallPlan:
    """Compare ``definitions`` (a pack's) with the ``active`` revisions by content hash."""
    current = {(revision.kind, revision.key): revision for revision in active}
    items: list[PlannedDefinition] = []
    for definition in sorted(definitions, key=lambda d: (d.kind, d.key)):
        revision = current.get((definition.kind, definition.key))
        if revision is None:
            items.append(PlannedDefinition(definition.kind, definition.key, "create"))
            continue
        action: PlannedAction = (
            "unchanged" if revision.content_hash == definition.content_hash else "change"
        )
        items.append(
            PlannedDefinition(
                definition.kind, definition.key, action, revision.revision, revision.pack_key
            )
        )
    incoming = {(item.kind, item.key) for item in items}
    kept = sum(1 for ref in current if ref not in incoming)
    return InstallPlan(items=tuple(items), kept=kept)
