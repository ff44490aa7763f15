"""Generating PM visits and their tickets: idempotent, catching up, safe with two schedulers.

One visit is one transaction (:func:`gongdan.tickets.transaction.ticket_transaction`, which the
ticket service joins): it claims the visit by moving its schedule on with a conditional
``UPDATE … WHERE sequence = n`` (a second scheduler finds the sequence moved and does nothing;
on PostgreSQL it waits for the first one's row lock, then re-checks), inserts the visit row —
whose UNIQUE ``(schedule_id, due_date)`` key backs the claim up — and creates its ticket through
:func:`gongdan.tickets.services.create_ticket`, so routing, SLA and notifications apply as for
any ticket. If anything fails, the visit, its ticket and the schedule's move roll back together
and the next run tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager as ContextManager
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.customers.models import Asset, Contact
from gongdan.db import utcnow
from gongdan.errors import GongdanError
from gongdan.routing.services import route_ticket
from gongdan.routing.subscriptions import automatic_routing_off
from gongdan.tickets.events import record_event
from gongdan.tickets.models import Ticket
from gongdan.tickets.pinning import active_type_revisions, compile_pinned
from gongdan.tickets.services import create_ticket
from gongdan.tickets.transaction import ticket_transaction
from gongdan_pm.models import PmSchedule, PmVisit
from gongdan_pm.plans import Plan, active_plans
from gongdan_pm.schedule import PlannedVisit, catch_up, nth_due
from gongdan_pm.schedules import SyncResult, sync_schedules

log = logging.getLogger(__name__)

#: The ticket event a visit left open past its due date records (the pack's notification and
#: any automation listen for it).
OVERDUE_EVENT = "pm.visit_overdue"
#: At most this many visits are flagged overdue per run.
OVERDUE_BATCH = 500

#: The channel PM tickets are recorded as arriving through (created by the system).
CHANNEL = "api"


@dataclass
class GenerationResult:
    """What one generation run did."""

    as_of: date
    schedules: SyncResult = field(default_factory=SyncResult)
    tickets: list[str] = field(default_factory=list)
    missed: int = 0
    overdue: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the CLI and the logs."""
        return (
            f"PM {self.as_of}: {len(self.tickets)} visit tickets, {self.missed} missed,"
            f" {self.schedules.created} new schedules, {self.overdue} newly overdue,"
            f" {len(self.errors)} errors"
        )


def due_schedule_ids(session: Session, plan: Plan, as_of: date) -> list[int]:
    """Active schedules of ``plan`` with a visit whose ticket is due by ``as_of``."""
    horizon = as_of + timedelta(days=plan.lead_days)
    return list(
        session.scalars(
            sa.select(PmSchedule.id)
            .where(
                PmSchedule.plan_key == plan.key,
                PmSchedule.active.is_(True),
                PmSchedule.next_due.is_not(None),
                PmSchedule.next_due <= horizon,
            )
            .order_by(PmSchedule.id)
        )
    )


def due_work(session: Session, as_of: date) -> list[tuple[Plan, int]]:
    """``(plan, schedule id)`` of every active schedule with a visit due by ``as_of``."""
    return [
        (plan, schedule_id)
        for plan in active_plans(session)
        for schedule_id in due_schedule_ids(session, plan, as_of)
    ]


def generate(
    session: Session,
    as_of: date,
    *,
    today: date | None = None,
    progress: Callable[[Iterable[tuple[Plan, int]]], ContextManager[Iterable[tuple[Plan, int]]]]
    | None = None,
) -> GenerationResult:
    """Sync the schedules, then record every visit due by ``as_of`` (commits per visit).

    ``today`` (``as_of`` unless given) is the service day that decides which visits were
    missed and which are overdue; an ``as_of`` after it generates the coming visits ahead of
    time without judging them. ``progress`` wraps the list of schedules with work
    (``click.progressbar`` does).
    """
    today = today or as_of
    result = GenerationResult(as_of=as_of, schedules=sync_schedules(session, today))
    work = due_work(session, as_of)
    with progress(work) if progress is not None else nullcontext(work) as steps:
        for plan, schedule_id in steps:
            generate_for_schedule(session, plan, schedule_id, as_of, result, today=today)
    result.overdue = flag_overdue(session, today)
    return result


def generate_for_schedule(
    session: Session,
    plan: Plan,
    schedule_id: int,
    as_of: date,
    result: GenerationResult,
    *,
    today: date | None = None,
) -> None:
    """Record the visits one schedule has due by ``as_of``, oldest first (missed and overdue
    judged on ``today``, which is ``as_of`` unless given)."""
    today = today or as_of
    schedule = session.get(PmSchedule, schedule_id, populate_existing=True)
    if schedule is None or not schedule.active or schedule.next_due is None:
        return
    if schedule.plan_revision_id != plan.revision_id:
        return  # planned under another revision: the next sync re-plans it first
    planned = catch_up(
        plan.recurrence,
        schedule.anchor_date,
        schedule.sequence,
        as_of,
        plan.lead_days,
        follows_completion=plan.follows_completion,
        today=today,
    )
    session.rollback()  # end the read: each visit is its own transaction
    for visit in planned:
        if not record_visit(session, plan, schedule_id, visit, today, result):
            return


def record_visit(
    session: Session,
    plan: Plan,
    schedule_id: int,
    visit: PlannedVisit,
    today: date,
    result: GenerationResult,
) -> bool:
    """Claim, record and (unless missed) ticket one visit, overdue if due before ``today``;
    ``False`` when it was not done (another scheduler had it, or it failed: the reason is in
    ``result.errors``)."""
    waiting = plan.follows_completion and visit.fate == "generate"
    following = (
        None
        if waiting
        else nth_due(plan.recurrence, _anchor(session, schedule_id), visit.sequence + 1)
    )
    number: str | None = None
    try:
        with ticket_transaction(session):
            claimed = session.execute(
                sa.update(PmSchedule)
                .where(
                    PmSchedule.id == schedule_id,
                    PmSchedule.sequence == visit.sequence,
                    PmSchedule.active.is_(True),
                )
                .values(sequence=visit.sequence + 1, next_due=following, updated_at=utcnow())
            ).rowcount
            if not claimed:
                return False
            schedule = session.get(PmSchedule, schedule_id, populate_existing=True)
            assert schedule is not None
            row = PmVisit(
                schedule_id=schedule_id, plan_key=plan.key, plan_revision_id=plan.revision_id,
                asset_id=schedule.asset_id, customer_id=schedule.customer_id,
                sequence=visit.sequence, due_date=visit.due,
                status="missed" if visit.fate == "missed" else "open",
                generated_at=utcnow(),  # overdue: flagged (and told) by flag_overdue
            )  # fmt: skip
            session.add(row)
            session.flush()  # the UNIQUE key: a duplicate fails here, before any ticket
            if visit.fate == "generate":
                ticket = _create_ticket(session, plan, schedule, visit)
                row.ticket_id = ticket.id
                number = ticket.number
    except GongdanError as error:
        message = f"{plan.key} schedule {schedule_id} visit due {visit.due}: {error}"
        log.warning("pm generation: %s", message)
        result.errors.append(message)
        return False
    if number is not None:
        result.tickets.append(number)
    else:
        result.missed += 1
    return True


def _anchor(session: Session, schedule_id: int) -> date:
    anchor = session.scalar(sa.select(PmSchedule.anchor_date).where(PmSchedule.id == schedule_id))
    assert anchor is not None
    return anchor


def _routed_by_plan(session: Session, plan: Plan) -> ContextManager[None]:
    """Keep the automatic routing off while a plan that routes its own visits creates one."""
    if plan.route_rule is None and plan.route_department is None:
        return nullcontext()
    return automatic_routing_off(session)


def _create_ticket(session: Session, plan: Plan, schedule: PmSchedule, visit: PlannedVisit) -> Any:
    """The visit's ticket, created by the system through the ticket service."""
    asset = session.get(Asset, schedule.asset_id)
    assert asset is not None
    ticket_type = compile_pinned(
        session, *active_type_revisions(session, plan.ticket_type)
    ).ticket_type
    contact_id = session.scalar(
        sa.select(Contact.id)
        .where(Contact.customer_id == asset.customer_id)
        .order_by(Contact.is_primary.desc(), Contact.id)
        .limit(1)
    )
    fields: dict[str, Any] = {}
    for spec in ticket_type.fields:
        if spec.type == "customer":
            fields[spec.key] = asset.customer_id
        elif spec.type == "asset":
            fields[spec.key] = asset.id
        elif spec.type == "contact" and contact_id is not None:
            fields[spec.key] = contact_id
        elif spec.key == "pm_plan":
            fields[spec.key] = plan.key
        elif spec.key == "pm_due_date":
            fields[spec.key] = visit.due.isoformat()
        elif spec.key == "product_model" and asset.product_model:
            fields[spec.key] = asset.product_model
    title = plan.title.get("zh") or plan.title.get("en") or plan.key
    with _routed_by_plan(session, plan):
        ticket = create_ticket(
            session, None, type_key=plan.ticket_type, channel=CHANNEL, fields=fields,
            priority=plan.priority, subject=f"{title} · {asset.serial_number} · {visit.due}",
            customer_id=asset.customer_id, contact_id=contact_id,
            address_id=asset.address_id, asset_id=asset.id,
            department=plan.route_department,
        )  # fmt: skip
    if plan.route_rule is not None:
        route_ticket(session, ticket.id, rule_key=plan.route_rule, event="created")
    return ticket


def flag_overdue(session: Session, today: date, *, batch: int = OVERDUE_BATCH) -> int:
    """Flag the open visits due before ``today`` and record ``pm.visit_overdue`` on each one's
    ticket (notifications and automations listen for it); how many were newly flagged.

    One transaction per visit, claimed by a conditional update: a second scheduler flags and
    tells nothing twice. At most ``batch`` per run (the next run does the rest).
    """
    due = session.execute(
        sa.select(PmVisit.id, PmVisit.ticket_id)
        .where(PmVisit.status == "open", PmVisit.overdue.is_(False), PmVisit.due_date < today)
        .order_by(PmVisit.due_date, PmVisit.id)
        .limit(batch)
    ).all()
    session.rollback()
    flagged = 0
    for visit_id, ticket_id in due:
        with ticket_transaction(session):
            claimed = session.execute(
                sa.update(PmVisit)
                .where(PmVisit.id == visit_id, PmVisit.overdue.is_(False))
                .values(overdue=True)
            ).rowcount
            if not claimed:
                continue
            flagged += 1
            ticket = session.get(Ticket, ticket_id) if ticket_id is not None else None
            if ticket is None:
                continue
            visit = session.get(PmVisit, visit_id)
            assert visit is not None
            data = {"plan": visit.plan_key, "due": visit.due_date.isoformat()}
            record_event(session, ticket, OVERDUE_EVENT, None, data, public=False)
    return flagged
