"""The workflow engine: which transitions a ticket may take, and planning one. No IO.

Given a compiled Workflow and TicketType, a ticket's state and field values, the actor's roles
and an :class:`~gongdan.conditions.EvaluationContext`, the engine answers which transitions are
available and checks one named transition, returning a :class:`PlannedTransition` the services
then apply. It reads nothing from the database and imports no Flask.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

from gongdan.conditions import EvaluationContext
from gongdan.definitions.compiled import (
    CompiledTicketType,
    CompiledTransition,
    CompiledWorkflow,
)
from gongdan.errors import TransitionNotAllowed, ValidationFailed


@dataclass(frozen=True, slots=True)
class PlannedTransition:
    """A checked transition: where it goes and what it will do."""

    transition: CompiledTransition
    source: str
    target: str
    target_category: str
    target_owner: str | None
    target_final: bool

    @property
    def key(self) -> str:
        return self.transition.key


def is_empty(value: Any) -> bool:
    """Whether a field value counts as missing (``None``, blank text, empty list or mapping)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict | Mapping):
        return len(value) == 0
    return False


def _role_allowed(transition: CompiledTransition, roles: Set[str]) -> bool:
    # Admins may take any transition a human may take; "system"-only ones stay the system's.
    return transition.allowed_for(roles) or (
        "admin" in roles and bool(transition.roles - {"system"})
    )


def available_transitions(
    workflow: CompiledWorkflow,
    state: str,
    roles: Set[str],
    context: EvaluationContext,
) -> list[CompiledTransition]:
    """Transitions leaving ``state`` that ``roles`` may take and whose ``when`` holds now."""
    return [
        transition
        for transition in workflow.transitions_from(state)
        if _role_allowed(transition, roles)
        and (transition.predicate is None or transition.predicate(context))
    ]


def missing_fields(
    ticket_type: CompiledTicketType,
    target: str,
    values: Mapping[str, Any],
    context: EvaluationContext,
    extra: tuple[str, ...] = (),
) -> dict[str, str]:
    """Fields that are required in ``target`` (or listed in ``extra``) and have no value.

    A field hidden by ``visible_if`` is never required.
    """
    missing: dict[str, str] = {}
    for field in ticket_type.fields:
        if not field.is_visible(context):
            continue
        needed = field.key in extra or field.is_required(target, context)
        if needed and is_empty(values.get(field.key)):
            if field.key in extra:
                missing[field.key] = "required for this transition"
            else:
                missing[field.key] = f"required in state {target!r}"
    for key in extra:
        if ticket_type.field(key) is None and key not in missing and is_empty(values.get(key)):
            missing[key] = "required for this transition"
    return missing


def plan_transition(
    workflow: CompiledWorkflow,
    ticket_type: CompiledTicketType,
    state: str,
    transition_key: str,
    values: Mapping[str, Any],
    roles: Set[str],
    context: EvaluationContext,
    *,
    comment: str | None = None,
) -> PlannedTransition:
    """Check ``transition_key`` for a ticket in ``state`` and say where it leads.

    ``values`` are the field values after the fields submitted with the transition are applied;
    ``context`` is built from them.

    :raises TransitionNotAllowed: unknown transition, wrong source state, a role that may not
        take it, or a ``when`` condition that does not hold.
    :raises ValidationFailed: fields required in the target state or by ``require_fields`` are
        missing, or a required comment is missing; ``fields`` lists every one.
    """
    transition = workflow.transition(transition_key)
    if transition is None:
        known = ", ".join(t.key for t in workflow.transitions)
        raise TransitionNotAllowed(
            f"workflow {workflow.key!r} has no transition {transition_key!r} (known: {known})"
        )
    if state not in transition.sources:
        raise TransitionNotAllowed(
            f"transition {transition_key!r} is not allowed from state {state!r}"
        )
    if not _role_allowed(transition, roles):
        role = ", ".join(sorted(roles)) or "(none)"
        raise TransitionNotAllowed(f"role {role!r} may not {transition_key!r}")
    if transition.predicate is not None and not transition.predicate(context):
        raise TransitionNotAllowed(
            f"transition {transition_key!r} does not apply to this ticket now "
            "(its condition does not hold)"
        )
    target = workflow.state(transition.target)
    problems = missing_fields(ticket_type, target.key, values, context, transition.require_fields)
    if transition.comment == "required" and is_empty(comment):
        problems["comment"] = f"a comment is required to {transition_key!r}"
    if problems:
        names = ", ".join(sorted(problems))
        raise ValidationFailed(f"cannot {transition_key!r}: missing {names}", problems)
    return PlannedTransition(
        transition=transition,
        source=state,
        target=target.key,
        target_category=target.category,
        target_owner=target.owner,
        target_final=target.final,
    )


def may_transfer(
    workflow: CompiledWorkflow, from_department: str | None, to_department: str
) -> bool:
    """Whether a ticket owned by ``from_department`` may be handed to ``to_department``."""
    if from_department is None or from_department == to_department:
        return False
    return workflow.may_transfer(from_department, to_department)


def transfer_targets(workflow: CompiledWorkflow, from_department: str | None) -> list[str]:
    """The departments ``from_department`` may hand a ticket to, sorted."""
    if from_department is None:
        return []
    return sorted(workflow.transfers.get(from_department, frozenset()))
