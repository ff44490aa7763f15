"""Breaking changes between two revisions of a TicketType or a Workflow, without IO.

A change is *breaking* when tickets pinned to the old revision cannot simply run on the new one:
a state they may be in is gone (removed or renamed), a field's type changed (its stored values
may not fit), a field became required (open tickets may lack it) or a field was removed (its
values need a new home or an explicit drop). Such a publish needs a mapping before open tickets
move (:mod:`gongdan.workflow.remap`); additions (a new optional field, a new state or
transition) are never breaking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from gongdan.definitions.compiled import (
    CompiledField,
    CompiledTicketType,
    CompiledWorkflow,
    LocalText,
)

BreakingCode = Literal[
    "state_removed",
    "field_removed",
    "field_type_changed",
    "field_newly_required",
    "workflow_changed",
]

#: What a mapping must say something about, per code: a state, a field, or nothing it can fix.
MAPS_STATE = frozenset({"state_removed"})
MAPS_FIELD = frozenset({"field_removed", "field_type_changed", "field_newly_required"})


@dataclass(frozen=True, slots=True)
class BreakingChange:
    """One breaking difference; ``subject`` is the state or field key it concerns.

    ``suggestion`` names the new state or field that most likely replaces a removed one (same
    title, or same category/type), for the mapping form to preselect.
    """

    code: BreakingCode
    subject: str
    message: str
    old: str | None = None
    new: str | None = None
    suggestion: str | None = None

    @property
    def maps_state(self) -> bool:
        """Whether the mapping must name a new state for ``subject``."""
        return self.code in MAPS_STATE

    @property
    def maps_field(self) -> bool:
        """Whether the mapping must name a new field (or a drop) for ``subject``."""
        return self.code in MAPS_FIELD


Compiled = CompiledTicketType | CompiledWorkflow


def breaking_changes(old: Compiled, new: Compiled) -> list[BreakingChange]:
    """Every breaking change from ``old`` to ``new`` (both of one kind), in definition order.

    :raises TypeError: ``old`` and ``new`` are not both ticket types or both workflows.
    """
    if isinstance(old, CompiledWorkflow) and isinstance(new, CompiledWorkflow):
        return _workflow_changes(old, new)
    if isinstance(old, CompiledTicketType) and isinstance(new, CompiledTicketType):
        return _ticket_type_changes(old, new)
    raise TypeError(
        f"breaking_changes compares two ticket types or two workflows, got "
        f"{type(old).__name__} and {type(new).__name__}"
    )


def _workflow_changes(old: CompiledWorkflow, new: CompiledWorkflow) -> list[BreakingChange]:
    found: list[BreakingChange] = []
    added = [key for key in new.states if key not in old.states]
    for key, state in old.states.items():
        if key in new.states:
            continue
        suggestion = _same_title(state.title, {k: new.states[k].title for k in added})
        if suggestion is None:
            same_category = [k for k in added if new.states[k].category == state.category]
            suggestion = same_category[0] if len(same_category) == 1 else None
        found.append(
            BreakingChange(
                code="state_removed",
                subject=key,
                message=f"state {key!r} ({state.category}) is not in the new workflow",
                old=state.category,
                suggestion=suggestion,
            )
        )
    return found


def _ticket_type_changes(old: CompiledTicketType, new: CompiledTicketType) -> list[BreakingChange]:
    found: list[BreakingChange] = []
    if old.workflow_key != new.workflow_key:
        found.append(
            BreakingChange(
                code="workflow_changed",
                subject=new.workflow_key,
                message=(
                    f"the ticket type now runs on workflow {new.workflow_key!r} instead of "
                    f"{old.workflow_key!r}"
                ),
                old=old.workflow_key,
                new=new.workflow_key,
            )
        )
    old_keys = {f.key for f in old.fields}
    added = {f.key: f for f in new.fields if f.key not in old_keys}
    for field in old.fields:
        replacement = new.field(field.key)
        if replacement is None:
            found.append(_removed(field, added))
        elif replacement.type != field.type:
            found.append(
                BreakingChange(
                    code="field_type_changed",
                    subject=field.key,
                    message=(
                        f"field {field.key!r} changed type from {field.type!r} to "
                        f"{replacement.type!r}"
                    ),
                    old=field.type,
                    new=replacement.type,
                )
            )
        elif replacement.required and not field.required:
            found.append(_newly_required(replacement))
    for field in added.values():
        if field.required and not field.has_default:
            found.append(_newly_required(field))
    return found


def _removed(field: CompiledField, added: dict[str, CompiledField]) -> BreakingChange:
    suggestion = _same_title(field.title, {k: f.title for k, f in added.items()})
    if suggestion is None:
        same_type = [k for k, f in added.items() if f.type == field.type]
        suggestion = same_type[0] if len(same_type) == 1 else None
    return BreakingChange(
        code="field_removed",
        subject=field.key,
        message=f"field {field.key!r} ({field.type}) is not in the new ticket type",
        old=field.type,
        suggestion=suggestion,
    )


def _newly_required(field: CompiledField) -> BreakingChange:
    return BreakingChange(
        code="field_newly_required",
        subject=field.key,
        message=f"field {field.key!r} is now required",
        new=field.type,
    )


def _same_title(title: LocalText, candidates: Mapping[str, LocalText]) -> str | None:
    """The one candidate whose title equals ``title`` in any language, if exactly one does."""
    texts = set(title.values())
    matching = [key for key, other in candidates.items() if texts & set(other.values())]
    return matching[0] if len(matching) == 1 else None
