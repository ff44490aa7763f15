"""Scheduled automations and deferred transitions, as jobs.

:func:`sweep_automations` runs every scheduled Automation whose current slot has not run yet.
Candidates are selected in SQL when the condition compiles to SQL
(:func:`gongdan.conditions.compile_condition_sql` over the ticket columns), else by an
indexed pre-filter (tickets not closed); either way in pages by id, at most
``BATCH * MAX_PAGES`` tickets per sweep, and the Python predicate decides. One with no
condition and only slot actions (a report) runs once per slot (:mod:`.slots`), from the first
slot after it was first seen (give or take :data:`FIRST_SLOT_GRACE`). After downtime only the
latest missed slot runs: replaying every missed hour of "close tickets resolved for 7 days"
would do the same work again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.automations.models import AutomationRun, AutomationSchedule
from gongdan.automations.services import (
    apply_actions,
    claim_run,
    schedule_slot,
    slot_key,
    ticket_context,
)
from gongdan.automations.slots import run_slot, runs_per_slot
from gongdan.conditions import compile_condition_sql
from gongdan.customers.models import SERVICE_TIME_ZONE
from gongdan.db import db, utcnow
from gongdan.definitions.compiled import CompiledAutomation
from gongdan.definitions.registry import compiled_active_set
from gongdan.errors import ConditionError, GongdanError
from gongdan.tickets.models import Ticket

log = logging.getLogger(__name__)

#: Candidates read per query, and pages per sweep; what is left waits for the next sweep.
BATCH = 500
MAX_PAGES = 20
#: How long a deferred transition may wait for its job before the sweep enqueues it again.
PENDING_GRACE = timedelta(minutes=1)
#: A once-per-slot automation (a report) seen for the first time runs its latest slot only if
#: that slot passed within this long: on a fresh install or a new automation, last Monday's
#: weekly report would otherwise be mailed at once.
FIRST_SLOT_GRACE = timedelta(hours=1)

#: Condition variables that are plain ticket columns (what SQL candidate selection can use).
TICKET_COLUMNS: dict[str, Any] = {
    "ticket.number": Ticket.number,
    "ticket.type": Ticket.type_key,
    "ticket.state": Ticket.state,
    "ticket.state_category": Ticket.state_category,
    "ticket.priority": Ticket.priority,
    "ticket.channel": Ticket.channel,
    "ticket.department": Ticket.department_key,
    "ticket.assignee": Ticket.assignee_id,
    "ticket.created_at": Ticket.created_at,
    "ticket.updated_at": Ticket.updated_at,
    "ticket.resolved_at": Ticket.resolved_at,
    "ticket.reopen_count": Ticket.reopen_count,
    "ticket.charge_class": Ticket.charge_class,
}


def candidate_ids(
    session: Session,
    automation: CompiledAutomation,
    occurrence: str,
    now: datetime,
    limit: int,
    after_id: int = 0,
) -> list[int]:
    """Ids (ascending, above ``after_id``) of tickets that may match and were not yet handled
    for ``occurrence``; at most ``limit``."""
    handled = (
        sa.select(AutomationRun.id)
        .where(
            AutomationRun.automation_key == automation.key,
            AutomationRun.ticket_id == Ticket.id,
            AutomationRun.occurrence == occurrence,
        )
        .exists()
    )
    query = sa.select(Ticket.id).where(Ticket.id > after_id, ~handled).order_by(Ticket.id)
    condition = None
    if automation.predicate is not None:
        try:
            condition = compile_condition_sql(automation.predicate.node, TICKET_COLUMNS, now=now)
        except ConditionError:
            condition = None
    if condition is not None:
        query = query.where(condition)
    elif automation.predicate is not None:
        query = query.where(Ticket.state_category != "closed")
    return list(session.scalars(query.limit(limit)))


def _failed(session: Session, key: str, ticket_id: int, occurrence: str, message: str) -> None:
    session.rollback()
    claim_run(session, key, ticket_id, occurrence, outcome="failed", detail=message[:2000])
    session.commit()
    log.warning("automation %s on ticket %s failed: %s", key, ticket_id, message)


def run_for_ticket(
    session: Session, automation: CompiledAutomation, ticket_id: int, occurrence: str,
    now: datetime,
) -> str:  # fmt: skip
    """Run ``automation`` on one ticket for ``occurrence`` in one transaction; the outcome."""
    from gongdan.tickets.services import run_transition

    ticket = session.get(Ticket, ticket_id, populate_existing=True)
    if ticket is None:
        return "gone"
    if automation.predicate is not None and not automation.predicate(
        ticket_context(session, ticket, now)
    ):
        session.rollback()
        return "no_match"
    try:
        outcome = apply_actions(session, automation, ticket, occurrence)
    except GongdanError as error:
        _failed(session, automation.key, ticket_id, occurrence, error.message)
        return "failed"
    if outcome is None:
        session.rollback()
        return "already"
    run_id, transition = outcome
    if transition is None:
        session.commit()
        return "done"
    session.execute(
        sa.update(AutomationRun).where(AutomationRun.id == run_id).values(outcome="done")
    )
    session.flush()
    try:  # commits the run row, the notifications and the automation event with it
        run_transition(session, None, ticket_id, transition, expected_version=ticket.version)
    except GongdanError as error:
        _failed(session, automation.key, ticket_id, occurrence, error.message)
        return "failed"
    return "done"


def _remember_slot(session: Session, key: str, slot: datetime) -> None:
    schedule = session.get(AutomationSchedule, key)
    if schedule is None:
        session.add(AutomationSchedule(automation_key=key, last_slot_at=slot, ran_at=utcnow()))
    else:
        schedule.last_slot_at, schedule.ran_at = slot, utcnow()
    try:
        session.commit()
    except sa.exc.IntegrityError:  # a concurrent scheduler remembered it first
        session.rollback()


def run_scheduled_automations(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Run every scheduled automation whose latest slot has not run; tickets acted on, by key."""
    moment = now or utcnow()
    report: dict[str, int] = {}
    automations = compiled_active_set(session).automations
    for automation in automations.values():
        slot = schedule_slot(automation, moment, SERVICE_TIME_ZONE)
        if slot is None:
            continue
        schedule = session.get(AutomationSchedule, automation.key)
        if schedule is not None and schedule.last_slot_at >= slot:
            continue
        occurrence = slot_key(slot)
        if runs_per_slot(automation):  # a report, say: once per slot, on no ticket
            if schedule is None and slot < moment - FIRST_SLOT_GRACE:
                _remember_slot(session, automation.key, slot)  # counting starts here
                continue
            outcome = run_slot(session, automation, occurrence, slot)
            report[automation.key] = int(outcome == "done")
            _remember_slot(session, automation.key, slot)
            continue
        done, after_id, complete = 0, 0, False
        for _ in range(MAX_PAGES):
            ids = candidate_ids(session, automation, occurrence, moment, BATCH, after_id)
            session.rollback()
            for ticket_id in ids:
                if run_for_ticket(session, automation, ticket_id, occurrence, moment) == "done":
                    done += 1
            if len(ids) < BATCH:
                complete = True
                break
            after_id = ids[-1]
        report[automation.key] = done
        if complete:  # every candidate was looked at: the slot is done
            _remember_slot(session, automation.key, slot)
    return report


def requeue_deferred_transitions(session: Session, now: datetime) -> int:
    """Enqueue again the deferred transitions whose job never ran (a lost wake-up)."""
    from gongdan.automations.services import TRANSITION_JOB
    from gongdan.jobs.runner import job_runner

    stale = session.scalars(
        sa.select(AutomationRun.id)
        .where(AutomationRun.outcome == "pending", AutomationRun.created_at < now - PENDING_GRACE)
        .order_by(AutomationRun.id)
        .limit(BATCH)
    ).all()
    session.rollback()
    for run_id in stale:
        job_runner().enqueue(TRANSITION_JOB, run_id, job_id=f"automation-run-{run_id}")
    return len(stale)


def sweep_automations(now: datetime | None = None) -> dict[str, int]:
    """Job: :func:`run_scheduled_automations` on the app's session, and lost transitions."""
    moment = now or utcnow()
    report = run_scheduled_automations(db.session, moment)
    requeued = requeue_deferred_transitions(db.session, moment)
    if requeued:
        report["deferred_transitions_requeued"] = requeued
    return report


def run_deferred_transition(run_id: int) -> str:
    """Job: take the transition an event automation asked for (once; see the claim)."""
    from gongdan.tickets.services import run_transition

    session = db.session
    run = session.get(AutomationRun, run_id)
    if run is None or run.outcome != "pending":
        return "skipped"
    transition = next(
        (a.get("transition") for a in run.actions or () if a.get("do") == "transition"), None
    )
    ticket = session.get(Ticket, run.ticket_id)
    if transition is None or ticket is None:
        return "skipped"
    claimed = session.execute(
        sa.update(AutomationRun)
        .where(AutomationRun.id == run_id, AutomationRun.outcome == "pending")
        .values(outcome="done")
    ).rowcount
    if not claimed:
        session.rollback()
        return "skipped"
    try:
        run_transition(session, None, ticket.id, str(transition), expected_version=ticket.version)
    except GongdanError as error:
        session.rollback()
        session.execute(
            sa.update(AutomationRun)
            .where(AutomationRun.id == run_id, AutomationRun.outcome == "pending")
            .values(outcome="failed", detail=error.message[:2000])
        )
        session.commit()
        return "failed"
    return "done"


JOBS = {
    "automations.sweep": sweep_automations,
    "automations.transition": run_deferred_transition,
}
