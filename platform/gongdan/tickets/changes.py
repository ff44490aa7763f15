"""Changing a ticket: fields, workflow transitions, transfers and manual dispatch."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.accounts.policy import STAFF_ROLES, actor_roles, is_customer, is_staff
from gongdan.db import utcnow
from gongdan.definitions.extensions import current_field_types
from gongdan.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from gongdan.tickets.context import TicketFacts, context_builder
from gongdan.tickets.events import record_event
from gongdan.tickets.fieldrefs import check_attachment_refs, resolve_address_refs
from gongdan.tickets.models import Ticket, TicketComment
from gongdan.tickets.pinning import Pinned, pinned_definitions
from gongdan.tickets.transaction import attach_actor, load_for_write, ticket_transaction
from gongdan.workflow import engine
from gongdan.workflow.forms import clean_fields

#: Roles that may dispatch (assign) tickets when the pack's Role definitions do not say.
DISPATCH_ROLES = frozenset({"admin", "dispatcher", "manager", "service_manager", "system"})

_CLOSED_CATEGORIES = frozenset({"resolved", "closed"})


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    keys = sorted(set(before) | set(after))
    return {
        key: {"from": before.get(key), "to": after.get(key)}
        for key in keys
        if before.get(key) != after.get(key)
    }


def _apply_fields(
    session: Session,
    ticket: Ticket,
    pinned: Pinned,
    actor: User | None,
    submitted: Mapping[str, Any],
    *,
    state: str,
) -> dict[str, dict[str, Any]]:
    """Clean ``submitted`` against the pinned type, store the result, record the change."""
    facts = TicketFacts.of(ticket)
    facts.load_related(session)
    before = dict(ticket.fields or {})
    submitted, address_id = resolve_address_refs(
        session, pinned.ticket_type, submitted, ticket.customer_id
    )
    values = clean_fields(
        pinned.ticket_type,
        submitted,
        state=state,
        existing=before,
        context_builder=context_builder(facts, actor, before=before),
        roles=actor_roles(actor),
        for_customer=is_customer(actor),
        check_all_required=False,
        registry=current_field_types(),  # plugins add field types
    )
    check_attachment_refs(session, ticket, pinned.ticket_type, values, before)
    changes = _diff(before, values)
    if not changes:
        return changes
    ticket.fields = values
    if address_id is not None:
        ticket.address_id = address_id
    if "charge_class" in changes:
        ticket.charge_class = values.get("charge_class")
    now = utcnow()
    ticket.updated_at = now
    record_event(
        session, ticket, "fields_changed", actor, {"changes": changes}, public=is_customer(actor)
    )
    _note_check_in(session, ticket, pinned, actor, changes, now)
    return changes


def _note_check_in(
    session: Session,
    ticket: Ticket,
    pinned: Pinned,
    actor: User | None,
    changes: Mapping[str, Any],
    now: datetime,
) -> None:
    """A ``geo`` field getting a value is a check-in: record its time and place."""
    for key, change in changes.items():
        field = pinned.ticket_type.field(key)
        if field is not None and field.type == "geo" and change["to"]:
            ticket.checked_in_at = now
            record_event(
                session,
                ticket,
                "checked_in",
                actor,
                {"field": key, "at": now.isoformat(), "location": change["to"]},
            )


def _first_response(ticket: Ticket, actor: User | None, now: datetime) -> None:
    if ticket.first_response_at is None and actor is not None and is_staff(actor):
        ticket.first_response_at = now


def update_fields(
    session: Session,
    actor: User | None,
    ticket_id: int,
    *,
    changes: Mapping[str, Any],
    expected_version: int,
) -> Ticket:
    """Change field values, checked against the pinned TicketType; records ``fields_changed``.

    :raises NotFound: no such ticket or not visible. :raises StaleTicket: version mismatch.
    :raises ValidationFailed: as :func:`gongdan.workflow.forms.clean_fields`.
    """
    hint: dict[str, object] = {}
    with ticket_transaction(session, hint):
        actor = attach_actor(session, actor)
        ticket = load_for_write(session, actor, ticket_id, expected_version, hint)
        if ticket.state_category == "closed" and not is_staff(actor):
            raise PermissionDenied(f"ticket {ticket.number} is closed")
        pinned = pinned_definitions(session, ticket)
        _apply_fields(session, ticket, pinned, actor, changes, state=ticket.state)
        session.flush()
    return ticket


def run_transition(
    session: Session,
    actor: User | None,
    ticket_id: int,
    transition_key: str,
    *,
    expected_version: int,
    fields: Mapping[str, Any] | None = None,
    comment: str | None = None,
) -> Ticket:
    """Take a workflow transition, saving ``fields`` submitted with it in the same transaction.

    :raises TransitionNotAllowed: unknown, wrong state, wrong role or condition false.
    :raises ValidationFailed: invalid fields, or fields the target state or the transition
        requires are missing, or a required comment is missing.
    """
    hint: dict[str, object] = {}
    with ticket_transaction(session, hint):
        actor = attach_actor(session, actor)
        ticket = load_for_write(session, actor, ticket_id, expected_version, hint)
        pinned = pinned_definitions(session, ticket)
        roles = actor_roles(actor)
        facts = TicketFacts.of(ticket)
        facts.load_related(session)
        build = context_builder(facts, actor)
        current = dict(ticket.fields or {})
        try:  # a transition that is not allowed at all is reported before any field problem
            engine.plan_transition(
                pinned.workflow, pinned.ticket_type, ticket.state, transition_key, current,
                roles, build(current), comment=comment,
            )  # fmt: skip
        except ValidationFailed:
            pass
        if fields:
            _apply_fields(session, ticket, pinned, actor, fields, state=ticket.state)
        values = dict(ticket.fields or {})
        plan = engine.plan_transition(
            pinned.workflow, pinned.ticket_type, ticket.state, transition_key, values,
            roles, build(values), comment=comment,
        )  # fmt: skip
        now = utcnow()
        source_category = ticket.state_category
        from_department = ticket.department_key
        ticket.state = plan.target
        ticket.state_category = plan.target_category
        if plan.target_owner:
            ticket.department_key = plan.target_owner
        if plan.target_category == "resolved" and ticket.resolved_at is None:
            ticket.resolved_at = now
        if plan.target_category == "closed" and ticket.closed_at is None:
            ticket.closed_at = now
            ticket.resolved_at = ticket.resolved_at or now
        reopened = (
            source_category in _CLOSED_CATEGORIES and plan.target_category not in _CLOSED_CATEGORIES
        )
        if reopened:
            ticket.reopen_count = (ticket.reopen_count or 0) + 1
            ticket.resolved_at = None
            ticket.closed_at = None
        ticket.updated_at = now
        _first_response(ticket, actor, now)
        comment_id = None
        if comment and comment.strip():
            note = TicketComment(
                ticket_id=ticket.id, author_id=actor.id if actor else None, body=comment,
                internal=False, created_at=now,
            )  # fmt: skip
            session.add(note)
            session.flush()
            comment_id = note.id
        record_event(
            session,
            ticket,
            "transition",
            actor,
            {
                "transition": plan.key,
                "from": plan.source,
                "to": plan.target,
                "from_department": from_department,
                "to_department": ticket.department_key,
                "comment_id": comment_id,
                "reopened": reopened,
                # Executed by the routing/notification services of the next issue.
                "actions": [dict(action) for action in plan.transition.actions],
            },
        )
    return ticket


def transfer_ticket(
    session: Session,
    actor: User | None,
    ticket_id: int,
    *,
    department: str,
    reason: str,
    expected_version: int,
) -> Ticket:
    """Hand the ticket to ``department`` along the pinned workflow's ``transfers``.

    The assignee is kept only when they belong to the new department.

    :raises ValidationFailed: no reason. :raises PermissionDenied: customers.
    :raises TransitionNotAllowed: the workflow has no path from the current department.
    """
    hint: dict[str, object] = {}
    with ticket_transaction(session, hint):
        actor = attach_actor(session, actor)
        ticket = load_for_write(session, actor, ticket_id, expected_version, hint)
        if not is_staff(actor):
            raise PermissionDenied("only staff may transfer tickets")
        if not (reason or "").strip():
            raise ValidationFailed("a reason is required to transfer", {"reason": "required"})
        pinned = pinned_definitions(session, ticket)
        source = ticket.department_key
        if not engine.may_transfer(pinned.workflow, source, department):
            allowed = ", ".join(engine.transfer_targets(pinned.workflow, source)) or "none"
            raise TransitionNotAllowed(
                f"transfer from {source!r} to {department!r} is not allowed by workflow "
                f"{pinned.workflow.key!r} (allowed: {allowed})"
            )
        ticket.department_key = department
        unassigned = None
        if ticket.assignee is not None and _department_key(ticket.assignee) != department:
            unassigned = ticket.assignee_id
            ticket.assignee_id = None
        ticket.updated_at = utcnow()
        data = {"from": source, "to": department, "reason": reason, "unassigned": unassigned}
        record_event(session, ticket, "transferred", actor, data)
    return ticket


def _department_key(user: User) -> str | None:
    return user.department.key if user.department is not None else None


def assign_ticket(
    session: Session,
    actor: User | None,
    ticket_id: int,
    *,
    assignee_id: int | None,
    reason: str,
    expected_version: int,
    department: str | None = None,
    force: bool = False,
) -> Ticket:
    """Assign (or with ``assignee_id=None`` unassign) the ticket: manual dispatch.

    ``department`` moves the ticket too (along the workflow's transfers). An engineer whose
    availability is ``off`` is refused unless ``force``; the availability is recorded.

    :raises PermissionDenied: the actor may not dispatch.
    :raises ValidationFailed: no reason, or the assignee is not an active staff user.
    """
    hint: dict[str, object] = {}
    with ticket_transaction(session, hint):
        actor = attach_actor(session, actor)
        ticket = load_for_write(session, actor, ticket_id, expected_version, hint)
        if not actor_roles(actor) & DISPATCH_ROLES:
            raise PermissionDenied("your role may not dispatch tickets")
        problems: dict[str, str] = {}
        if not (reason or "").strip():
            problems["reason"] = "a reason is required to assign"
        assignee = session.get(User, assignee_id) if assignee_id is not None else None
        if assignee_id is not None:
            if assignee is None or not assignee.active or assignee.role not in STAFF_ROLES:
                problems["assignee_id"] = f"no active staff user with id {assignee_id!r}"
            elif assignee.availability == "off" and not force:
                problems["assignee_id"] = f"{assignee.display_name} is off duty"
        pinned = pinned_definitions(session, ticket)
        source = ticket.department_key
        if department is not None and department != source:
            if session.scalar(select(Department.id).where(Department.key == department)) is None:
                problems["department"] = f"unknown department {department!r}"
            elif not engine.may_transfer(pinned.workflow, source, department):
                raise TransitionNotAllowed(
                    f"transfer from {source!r} to {department!r} is not allowed by workflow "
                    f"{pinned.workflow.key!r}"
                )
        if problems:
            raise ValidationFailed(f"cannot assign: {next(iter(problems.values()))}", problems)
        previous = ticket.assignee_id
        ticket.assignee_id = assignee_id
        if previous != assignee_id:
            ticket.accepted_at = None  # the new assignee has yet to accept
        if department is not None:
            ticket.department_key = department
        ticket.updated_at = utcnow()
        data: dict[str, Any] = {
            "from": previous,
            "to": assignee_id,
            "reason": reason,
            "from_department": source,
            "to_department": ticket.department_key,
        }
        if assignee is not None:
            data["availability"] = assignee.availability
            data["forced"] = bool(force and assignee.availability == "off")
        record_event(session, ticket, "assigned", actor, data)
    return ticket


def accept_assignment(
    session: Session, actor: User | None, ticket_id: int, *, expected_version: int
) -> Ticket:
    """The assignee accepts the job: records ``accepted`` and ``accepted_at`` (once).

    :raises PermissionDenied: the actor is not the assignee.
    """
    hint: dict[str, object] = {}
    with ticket_transaction(session, hint):
        actor = attach_actor(session, actor)
        ticket = load_for_write(session, actor, ticket_id, expected_version, hint)
        if actor is None or ticket.assignee_id != actor.id:
            raise PermissionDenied("only the assignee may accept this ticket")
        if ticket.accepted_at is None:
            now = utcnow()
            ticket.accepted_at = now
            ticket.updated_at = now
            _first_response(ticket, actor, now)
            record_event(session, ticket, "accepted", actor, {"assignee": actor.id})
    return ticket
