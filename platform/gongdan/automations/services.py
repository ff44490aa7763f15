"""Running Automation definitions: on ticket events, and on their schedules.

Each run is one :class:`~gongdan.automations.models.AutomationRun` row, unique per
(automation, ticket, occurrence) — the event id, or the schedule slot — inserted in the same
transaction as the actions, so a repeated event, a second sweep or a concurrent scheduler
cannot run the actions twice. Every run records an ``automation`` event on the ticket saying
what it did.

Actions: ``notify`` (outbox), ``set`` (``ticket.priority`` or a form field) and ``transition``
(the ticket service, with the system as actor). On an event, ``transition`` cannot run inside
the transaction that is recording the event, so it is deferred to a job after the commit.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, attributes

from gongdan.accounts.models import User
from gongdan.automations.models import AutomationRun
from gongdan.conditions import EvaluationContext
from gongdan.db import utcnow
from gongdan.definitions.compiled import CompiledAutomation
from gongdan.definitions.registry import compiled_active_set
from gongdan.jobs.runner import enqueue_after_commit
from gongdan.notifications.outbox import enqueue_notification
from gongdan.notifications.services import event_names
from gongdan.tickets.context import TicketFacts, context_values
from gongdan.tickets.events import record_event
from gongdan.tickets.models import PRIORITIES, Ticket, TicketEvent
from gongdan.tickets.signals import ticket_event_recorded

log = logging.getLogger(__name__)

TRANSITION_JOB = "automations.transition"


def ticket_context(
    session: Session, ticket: Ticket, now: datetime | None = None
) -> EvaluationContext:
    """The condition context of a saved ticket (acting as the system) at ``now``."""
    facts = TicketFacts.of(ticket)
    facts.load_related(session)
    return EvaluationContext(context_values(facts, dict(ticket.fields or {}), None), now=now)


def claim_run(
    session: Session, automation_key: str, ticket_id: int, occurrence: str, *,
    outcome: str = "done", detail: str | None = None, actions: list[Any] | None = None,
) -> int | None:  # fmt: skip
    """Insert the run row; its id, or ``None`` when this occurrence already ran."""
    table = AutomationRun.__table__
    row = {
        "automation_key": automation_key,
        "ticket_id": ticket_id,
        "occurrence": occurrence[:64],
        "outcome": outcome,
        "detail": detail,
        "actions": actions or [],
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(table)
        .values(row)
        .on_conflict_do_nothing(index_elements=["automation_key", "ticket_id", "occurrence"])
        .returning(table.c.id)
    )
    return session.execute(statement).scalar_one_or_none()


def _set(ticket: Ticket, field: str, value: Any) -> dict[str, Any]:
    name = field.removeprefix("ticket.")
    if name == "priority":
        if value not in PRIORITIES:
            return {"do": "set", "field": field, "skipped": f"unknown priority {value!r}"}
        before, ticket.priority = ticket.priority, str(value)
    else:
        fields = dict(ticket.fields or {})
        before = fields.get(name)
        fields[name] = value
        ticket.fields = fields
        attributes.flag_modified(ticket, "fields")
    ticket.updated_at = utcnow()
    return {"do": "set", "field": field, "from": before, "to": value}


def apply_actions(
    session: Session, automation: CompiledAutomation, ticket: Ticket, occurrence: str
) -> tuple[int, str | None] | None:
    """Claim the run and apply ``notify`` and ``set``; returns (run id, transition to take).

    ``None``: this occurrence already ran (nothing was done). Does not commit.
    """
    run_id = claim_run(session, automation.key, ticket.id, occurrence)
    if run_id is None:
        return None
    templates = compiled_active_set(session).notification_templates
    done: list[dict[str, Any]] = []
    transition: str | None = None
    for action in automation.actions:
        kind = action.get("do")
        if kind == "notify":
            template = str(action.get("template"))
            default_to = templates[template].to if template in templates else ()
            ids = enqueue_notification(
                session, template=template, ticket_id=ticket.id,
                recipients=list(action.get("to") or default_to),
                event=f"automation:{automation.key}:{occurrence}", context={},
            )  # fmt: skip
            done.append({"do": "notify", "template": template, "messages": len(ids)})
        elif kind == "set":
            done.append(_set(ticket, str(action.get("field")), action.get("value")))
        elif kind == "transition":
            transition = str(action.get("transition"))
            done.append({"do": "transition", "transition": transition})
        elif kind == "send_survey":
            from gongdan.surveys.services import send_survey_action

            done.append(send_survey_action(session, ticket, str(action.get("template"))))
        elif kind == "create_ticket":
            from gongdan.surveys.followups import create_linked_ticket

            done.append(
                create_linked_ticket(
                    session,
                    ticket,
                    action,
                    channel="api",
                    summary=f"{automation.key}: {ticket.number}",
                    origin={"automation": automation.key, "why": f"automation {automation.key}"},
                )
            )
        else:
            done.append({"do": kind, "skipped": "automations do not run this action"})
    session.execute(
        sa.update(AutomationRun)
        .where(AutomationRun.id == run_id)
        .values(actions=done, outcome="pending" if transition else "done")
    )
    record_event(
        session, ticket, "automation", None,
        {"automation": automation.key, "occurrence": occurrence, "actions": done,
         "why": "scheduled" if occurrence.startswith("slot:") else f"on {occurrence}"},
        public=False,
    )  # fmt: skip
    return run_id, transition


def run_on_event(session: Session, ticket: Ticket, event: TicketEvent) -> list[str]:
    """Run the event automations ``event`` triggers, in its transaction; their keys."""
    if event.kind == "automation":
        return []  # an automation's own record never triggers automations
    names = set(event_names(event))
    ran: list[str] = []
    context: EvaluationContext | None = None
    for automation in compiled_active_set(session).automations.values():
        if not automation.on & names:
            continue
        if automation.predicate is not None:
            context = context or ticket_context(session, ticket)
            if not automation.predicate(context):
                continue
        outcome = apply_actions(session, automation, ticket, f"event:{event.id}")
        if outcome is None:
            continue
        run_id, transition = outcome
        if transition:
            enqueue_after_commit(session, TRANSITION_JOB, run_id, job_id=f"automation-run-{run_id}")
        ran.append(automation.key)
    return ran


def _on_ticket_event(
    sender: Ticket, *, session: Session, event: TicketEvent, actor: User | None, **_: Any
) -> None:
    run_on_event(session, sender, event)


def connect() -> None:
    """Subscribe to ticket events (idempotent)."""
    ticket_event_recorded.connect(_on_ticket_event, weak=False)


def duration_seconds(value: Any, now: datetime) -> float:
    """Seconds in a definition duration (``isodate`` months and years counted from ``now``)."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value.totimedelta(start=now).total_seconds())


def schedule_slot(automation: CompiledAutomation, now: datetime, zone: Any) -> datetime | None:
    """The latest slot of ``automation``'s schedule at or before ``now`` (``None``: no schedule).

    ``every`` slots are multiples of the period since the Unix epoch; ``cron`` slots are read
    in ``zone`` (the service time zone).
    """
    if automation.every is not None:
        period = max(60.0, duration_seconds(automation.every, now))
        start = (now.timestamp() // period) * period
        return datetime.fromtimestamp(start, UTC)
    if automation.cron:
        from croniter import croniter

        previous = croniter(automation.cron, now.astimezone(zone)).get_prev(datetime)
        return previous.astimezone(UTC)
    return None


def slot_key(slot: datetime) -> str:
    """The occurrence key of a schedule slot."""
    return "slot:" + slot.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
