"""The routing service: pick the rule, load the people, decide, assign (caller's transaction).

:func:`route_ticket` is called by the ticket-event receiver in :mod:`.subscriptions` (a ticket
created, transferred, entering a state, a field changed, a transition with a ``route`` action)
and by the SLA escalation ladder (``reassign through a routing rule``). It never commits: the
assignment and its ``assigned`` event belong to the transaction of the change that caused them.

The assignment is written here, not through ``tickets.services.assign_ticket``: that is the
manual-dispatch service (one committing transaction, a dispatcher's permission, a reason typed by
a person). Routing sets ``assignee_id``/``department_key`` and records the ``assigned`` event
with :func:`gongdan.tickets.events.record_event`, the ticket services' own event path, as the
system (actor ``None``) with ``from``/``to``/``reason``/``from_department``/``to_department`` like
a manual dispatch plus ``rule``, ``strategy``, ``why``, ``why_details``, ``skipped``, ``queue``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gongdan.conditions import EvaluationContext
from gongdan.db import utcnow
from gongdan.definitions.compiled import CompiledRoutingRule
from gongdan.definitions.registry import compiled_active_set
from gongdan.errors import DefinitionNotFound, NotFound
from gongdan.routing.candidates import load_candidates
from gongdan.routing.models import EngineerLastAssignment, RoutingCursor
from gongdan.routing.strategies import RoutingDecision, Turn, decide, target_department
from gongdan.tickets.context import TicketFacts, context_values
from gongdan.tickets.events import record_event
from gongdan.tickets.models import Ticket

logger = logging.getLogger(__name__)


def ticket_context(session: Session, ticket: Ticket) -> EvaluationContext:
    """The values routing conditions read for ``ticket`` (customer, address, asset ...)."""
    facts = TicketFacts.of(ticket)
    facts.load_related(session)
    return EvaluationContext(context_values(facts, dict(ticket.fields or {}), None))


def find_rule(
    session: Session, event: str, context: EvaluationContext, rule_key: str | None = None
) -> CompiledRoutingRule | None:
    """The active rule ``rule_key``, or the first active rule that applies to ``event``.

    :raises DefinitionNotFound: ``rule_key`` is not an active routing rule.
    """
    compiled = compiled_active_set(session)
    if rule_key is None:
        return compiled.matching_routing_rule(event, context)
    rule = compiled.routing_rule(rule_key)
    if rule is None:
        raise DefinitionNotFound(f"no active routing rule {rule_key!r}")
    return rule


def route_ticket(
    session: Session, ticket_id: int, *, rule_key: str | None = None, event: str
) -> RoutingDecision | None:
    """Route the ticket by the first rule matching ``event`` (or by ``rule_key``) and assign.

    Returns the decision, or ``None`` when no rule applies (the ticket is left as it is).
    Writes in the caller's transaction and does not commit.

    :raises NotFound: no ticket ``ticket_id``.
    :raises DefinitionNotFound: ``rule_key`` is not an active routing rule.
    """
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"no ticket with id {ticket_id!r}")
    context = ticket_context(session, ticket)
    rule = find_rule(session, event, context, rule_key)
    if rule is None:
        return None
    decision = decide_for(session, ticket, rule, context)
    apply_decision(session, ticket, decision, event=event)
    return decision


def preview_routing(
    session: Session, ticket_id: int, *, event: str, rule_key: str | None = None
) -> RoutingDecision | None:
    """What :func:`route_ticket` would decide now, without assigning or taking a turn.

    For "why would this go to X?" screens and pack tests; writes nothing.
    """
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"no ticket with id {ticket_id!r}")
    context = ticket_context(session, ticket)
    rule = find_rule(session, event, context, rule_key)
    if rule is None:
        return None
    return decide_for(session, ticket, rule, context, dry_run=True)


def decide_for(
    session: Session,
    ticket: Ticket,
    rule: CompiledRoutingRule,
    context: EvaluationContext,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> RoutingDecision:
    """Load the candidates of the rule's department and decide; advances a round robin.

    ``dry_run`` reads the round robin's position without locking or advancing it.
    """
    department = target_department(rule, context)
    cursor = None
    if rule.strategy == "round_robin" and department is not None:
        if dry_run:
            cursor = session.get(RoutingCursor, (rule.key, department))
        else:
            cursor = lock_cursor(session, rule.key, department)
    candidates = (
        load_candidates(session, department, exclude_ticket_id=ticket.id)
        if department is not None
        else []
    )
    turn = Turn(cursor.last_user_id, cursor.position) if cursor is not None else None
    decision = decide(rule, context, candidates, turn=turn, now=now or utcnow())
    if cursor is not None and decision.turn is not None and not dry_run:
        cursor.last_user_id = decision.turn.last_user_id
        cursor.position = decision.turn.position
        cursor.updated_at = utcnow()
        session.flush()
    return decision


def lock_cursor(session: Session, rule_key: str, department: str) -> RoutingCursor:
    """The round-robin cursor of ``(rule_key, department)``, created if new, locked for update.

    PostgreSQL: ``INSERT ... ON CONFLICT DO NOTHING`` then ``SELECT ... FOR UPDATE``, so a
    second process waits for the first one's commit and then sees its turn. SQLite ignores
    ``FOR UPDATE``, but the INSERT takes the database's write lock for the transaction, which
    serialises routing the same way.
    """
    dialect = session.get_bind().dialect.name
    values = {"rule_key": rule_key, "department": department, "position": 0}
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(RoutingCursor).values(**values, updated_at=utcnow())
        session.execute(statement.on_conflict_do_nothing())
    elif session.get(RoutingCursor, (rule_key, department)) is None:
        session.add(RoutingCursor(**values))
        session.flush()
    query = (
        select(RoutingCursor)
        .where(RoutingCursor.rule_key == rule_key, RoutingCursor.department == department)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).one()


def apply_decision(
    session: Session, ticket: Ticket, decision: RoutingDecision, *, event: str
) -> None:
    """Assign the ticket as decided and record the ``assigned`` event (actor: the system)."""
    previous, source = ticket.assignee_id, ticket.department_key
    target = decision.department or source
    ticket.assignee_id = decision.assignee_id
    ticket.department_key = target
    ticket.updated_at = utcnow()
    data: dict[str, Any] = {
        "from": previous,
        "to": decision.assignee_id,
        "reason": decision.why,
        "from_department": source,
        "to_department": target,
        "event": event,
        **decision.event_data(),
    }
    record_event(session, ticket, "assigned", None, data)


def note_assignment(session: Session, user_id: int, at: datetime) -> None:
    """Remember that ``user_id`` was given a ticket at ``at`` (least-loaded tie-breaks)."""
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(EngineerLastAssignment).values(user_id=user_id, assigned_at=at)
        statement = statement.on_conflict_do_update(
            index_elements=[EngineerLastAssignment.user_id],
            set_={"assigned_at": statement.excluded.assigned_at},
        )
        session.execute(statement)
        return
    row = session.get(EngineerLastAssignment, user_id)
    if row is None:
        session.add(EngineerLastAssignment(user_id=user_id, assigned_at=at))
    else:
        row.assigned_at = at
