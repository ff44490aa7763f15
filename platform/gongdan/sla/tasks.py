"""SLA jobs: the periodic escalation sweep, and the sweep of one ticket (both idempotent).

They take plain arguments, re-read the database and fire only rungs not yet fired, so a job
run twice, concurrently or after a crash never escalates twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from gongdan.db import db, utcnow
from gongdan.sla.ladder import run_escalation_sweep
from gongdan.sla.models import SlaClock


def run_sweep(now: datetime | None = None) -> dict[str, Any]:
    """The escalation sweep at ``now`` (default: the current time) on the app's session."""
    report = run_escalation_sweep(db.session, now or utcnow())
    return report.summary()


def escalate_ticket(ticket_id: int, now: str | None = None) -> dict[str, Any]:
    """Fire the due rungs of one ticket's clocks (``now``: ISO 8601, default the current time).

    Does nothing when the ticket has no due rung.
    """
    moment = datetime.fromisoformat(now) if now else utcnow()
    session = db.session
    due = session.scalars(
        select(SlaClock.id).where(
            SlaClock.ticket_id == ticket_id,
            SlaClock.stopped_at.is_(None),
            SlaClock.next_fire_at <= moment,
        )
    ).all()
    if not due:
        session.rollback()
        return {"examined": 0, "fired": 0, "skipped": 0, "failed": 0}
    return run_escalation_sweep(session, moment).summary()


#: Registered by :mod:`gongdan.jobs.registry` when it lists this module.
JOBS = {"sla.sweep": run_sweep, "sla.escalate_ticket": escalate_ticket}
