"""Move one ticket's state and field values from old revisions to new ones, without IO.

An admin's :class:`RevisionMapping` says where each removed state goes and where each removed
or changed field's value goes (another field, or an explicit drop). :func:`remap_ticket` applies
it to one ticket's state and values and either returns what the ticket becomes
(:class:`Remapped`) or why it must stay on its old revisions (:class:`Unmappable`). Nothing is
guessed: a state or field the mapping does not cover leaves the ticket where it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gongdan.definitions.compiled import CompiledTicketType, CompiledWorkflow
from gongdan.definitions.frozen import thaw
from gongdan.workflow.engine import is_empty
from gongdan.workflow.forms import check_field_value, coerce_value

#: The value a field mapping has when the admin chose to drop the old values.
DROP = None


@dataclass(frozen=True, slots=True)
class RevisionMapping:
    """Old state → new state, and old field → new field (``None``: drop its values)."""

    states: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, str | None] = field(default_factory=dict)

    def as_data(self) -> dict[str, dict[str, Any]]:
        """The mapping as plain JSON data (stored on the migration and on each event)."""
        return {"states": dict(self.states), "fields": dict(self.fields)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> RevisionMapping:
        """The mapping stored by :meth:`as_data` (missing parts are empty)."""
        data = data or {}
        states = data.get("states") or {}
        fields = data.get("fields") or {}
        return cls(
            states={str(k): str(v) for k, v in states.items() if v},
            fields={str(k): (str(v) if v else DROP) for k, v in fields.items()},
        )


@dataclass(frozen=True, slots=True)
class Remapped:
    """What a ticket becomes on the new revisions; ``applied`` explains every change made."""

    state: str
    state_category: str
    fields: dict[str, Any]
    applied: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Unmappable:
    """Why a ticket stays on its old revisions."""

    reason: str


@dataclass(frozen=True, slots=True)
class Revisions:
    """The ticket type and workflow a ticket runs on (before or after a migration)."""

    ticket_type: CompiledTicketType
    workflow: CompiledWorkflow


def remap_ticket(
    state: str,
    values: Mapping[str, Any],
    old: Revisions,
    new: Revisions,
    mapping: RevisionMapping,
) -> Remapped | Unmappable:
    """Apply ``mapping`` to a ticket in ``state`` with field ``values``.

    A state still present in the new workflow stays (unless the mapping moves it explicitly);
    a removed one needs a mapping. A field still present keeps its value; a removed one needs a
    mapping to another field or to a drop (dropped values are kept in ``applied["dropped"]``).
    Values moved to a field of another type must fit it, and a field required in the new
    revision that was not required before must have a value (or a default).
    """
    target_state = mapping.states.get(state, state)
    if target_state not in new.workflow.states:
        if state == target_state:
            return Unmappable(f"state {state!r} is not in the new workflow and is not mapped")
        return Unmappable(f"state {state!r} is mapped to {target_state!r}, which does not exist")
    moved = _remap_values(values, old.ticket_type, new.ticket_type, mapping)
    if isinstance(moved, Unmappable):
        return moved
    result, applied = moved
    filled = _fill_required(result, state, target_state, old.ticket_type, new.ticket_type)
    if isinstance(filled, Unmappable):
        return filled
    if filled:
        applied["defaults"] = filled
    if target_state != state:
        applied["state"] = {"from": state, "to": target_state}
    return Remapped(
        state=target_state,
        state_category=new.workflow.states[target_state].category,
        fields=result,
        applied=applied,
    )


def _remap_values(
    values: Mapping[str, Any],
    old: CompiledTicketType,
    new: CompiledTicketType,
    mapping: RevisionMapping,
) -> tuple[dict[str, Any], dict[str, Any]] | Unmappable:
    result: dict[str, Any] = {}
    moved: dict[str, str] = {}
    dropped: dict[str, Any] = {}
    for key, value in values.items():
        if key in mapping.fields:
            target = mapping.fields[key]
            if target is DROP:
                if not is_empty(value):
                    dropped[key] = value
                continue
            if new.field(target) is None:
                return Unmappable(f"field {key!r} is mapped to {target!r}, which does not exist")
            if target != key:
                moved[key] = target
            key = target
        elif new.field(key) is None and old.field(key) is not None:
            return Unmappable(f"field {key!r} was removed and is not mapped (to a field or a drop)")
        if key in result and not is_empty(result[key]) and not is_empty(value):
            return Unmappable(f"two values would go to field {key!r}")
        if key not in result or not is_empty(value):
            result[key] = value
    for key, value in list(result.items()):
        target_field = new.field(key)
        old_field = old.field(next((k for k, t in moved.items() if t == key), key))
        changed = old_field is None or old_field.type != (target_field and target_field.type)
        if target_field is None or not changed or is_empty(value):
            continue
        coerced = coerce_value(target_field, value)
        error = check_field_value(target_field, coerced)
        if error is not None:
            return Unmappable(f"the value of field {key!r} does not fit its new type: {error}")
        result[key] = coerced
    applied: dict[str, Any] = {}
    if moved:
        applied["fields"] = moved
    if dropped:
        applied["dropped"] = dropped
    return result, applied


def _fill_required(
    result: dict[str, Any],
    old_state: str,
    new_state: str,
    old: CompiledTicketType,
    new: CompiledTicketType,
) -> dict[str, Any] | Unmappable:
    """Fill newly required fields from their defaults; those without one make it unmappable.

    A field the old revision already required in the ticket's state is not checked again: the
    ticket got there under those rules.
    """
    filled: dict[str, Any] = {}
    for new_field in new.fields:
        if not new_field.is_required(new_state) or not is_empty(result.get(new_field.key)):
            continue
        old_field = old.field(new_field.key)
        if old_field is not None and old_field.is_required(old_state):
            continue
        if new_field.has_default:
            filled[new_field.key] = result[new_field.key] = thaw(new_field.default)
            continue
        return Unmappable(f"required field {new_field.key!r} has no value")
    return filled
