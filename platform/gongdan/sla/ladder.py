"""The escalation sweep: fire each due rung of the ladder once, in order, and record why.

:func:`run_escalation_sweep` reads only due clocks — ``next_fire_at <= now`` on running clocks,
through the partial index ``ix_sla_clocks_due`` — in batches, and gives each clock its own
transaction per rung:

1. on PostgreSQL the row is locked with ``FOR UPDATE SKIP LOCKED`` (a second sweep skips it);
2. the rung is **claimed** with ``UPDATE sla_clocks SET next_level = <following> WHERE id = :id
   AND next_level = :level AND next_fire_at <= :now`` — only one transaction can move the
   level on, also on SQLite where row locks do not exist;
3. the firing is inserted into ``sla_escalations``, UNIQUE (clock, level): the last guard;
4. the actions run and the ticket event ``escalated`` records level, metric, threshold, elapsed
   time and what each action did; then the transaction commits.

A sweep that runs late catches up: while the next rung is due it fires it, lowest first, each in
its own transaction and event. A failure rolls back that rung only; the next sweep retries it.

Actions: ``notify`` (outbox), ``set`` (``ticket.priority`` or a form field), ``route`` (a
routing rule), ``assign`` (``department_lead`` or a username), ``transfer`` (a department). They
write in the rung's transaction as the system, recording ``assigned``/``transferred`` events like
the routing service does, so a rung and its effects commit together or not at all. Raising the
priority does not re-target the clock: a shorter target would fire the remaining rungs at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from gongdan.definitions.compiled import CompiledEscalation
from gongdan.sla import clock
from gongdan.sla.actions import run_action
from gongdan.sla.models import SlaClock, SlaEscalation
from gongdan.sla.pinned import pinned_for, state_of, store
from gongdan.tickets.events import record_event
from gongdan.tickets.models import Ticket

log = logging.getLogger(__name__)

#: Clocks read per query of the sweep.
BATCH_SIZE = 200


@dataclass
class SweepReport:
    """What one sweep did: clocks read, rungs fired (in order), clocks left to another sweep."""

    now: dt.datetime
    examined: int = 0
    fired: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    failed: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "examined": self.examined,
            "fired": len(self.fired),
            "skipped": self.skipped,
            "failed": len(self.failed),
        }


def due_clocks(now: dt.datetime, limit: int = BATCH_SIZE) -> Any:
    """The indexed query of due clocks: ``(id, next_level)``, earliest first."""
    return (
        select(SlaClock.id, SlaClock.next_level)
        .where(
            SlaClock.stopped_at.is_(None),
            SlaClock.next_fire_at <= now,
            SlaClock.paused_at.is_(None),
        )
        .order_by(SlaClock.next_fire_at, SlaClock.id)
        .limit(limit)
    )


def run_escalation_sweep(
    session: Session, now: dt.datetime, *, batch_size: int = BATCH_SIZE
) -> SweepReport:
    """Fire every rung due at ``now``, in order, once each; commits per rung."""
    report = SweepReport(now)
    seen: set[int] = set()
    session.commit()  # start from a clean transaction: each rung commits on its own
    while True:
        query = due_clocks(now, batch_size)
        if seen:
            query = query.where(SlaClock.id.not_in(seen))
        batch = [(int(row.id), row.next_level) for row in session.execute(query)]
        session.commit()  # SQLite: hold no read transaction while claiming
        report.examined += len(batch)
        for clock_id, level in batch:
            seen.add(clock_id)
            _climb(session, clock_id, level, now, report)
        if len(batch) < batch_size:
            return report


def _climb(
    session: Session, clock_id: int, level: int | None, now: dt.datetime, report: SweepReport
) -> None:
    """Fire the clock's due rungs from ``level`` on, one transaction each."""
    while level is not None:
        try:
            outcome = _fire(session, clock_id, level, now)
            session.commit()
        except IntegrityError:  # the rung is already recorded: someone fired it
            session.rollback()
            report.skipped += 1
            return
        except OperationalError as error:
            session.rollback()
            if "locked" not in str(error.orig).lower():
                raise
            report.skipped += 1  # SQLite: another sweep is writing; it or the next one fires
            return
        except Exception as error:
            session.rollback()
            log.exception("escalation of SLA clock %s level %s failed", clock_id, level)
            report.failed.append(f"clock {clock_id} level {level}: {error}")
            return
        if outcome is None:
            report.skipped += 1
            return
        report.fired.append(outcome)
        level = outcome["next_level"] if outcome["next_due"] else None


def _fire(session: Session, clock_id: int, level: int, now: dt.datetime) -> dict[str, Any] | None:
    """Claim and fire rung ``level`` of one clock; ``None`` when it is not ours to fire."""
    locked = session.execute(
        select(SlaClock.id)
        .where(SlaClock.id == clock_id, SlaClock.next_level == level)
        .with_for_update(skip_locked=True)
    ).first()
    if locked is None:
        session.rollback()
        return None
    row = session.get(SlaClock, clock_id, populate_existing=True)
    assert row is not None
    pinned = pinned_for(session, row)
    ladder = clock.rungs(pinned.policy, row.metric)
    rung = clock.rung_of(ladder, level)
    following = clock.rung_after(ladder, level)
    claim = session.execute(
        update(SlaClock)
        .where(
            SlaClock.id == clock_id,
            SlaClock.next_level == level,
            SlaClock.next_fire_at <= now,
            SlaClock.stopped_at.is_(None),
            SlaClock.paused_at.is_(None),
        )
        .values(next_level=following.level if following else None)
        .execution_options(synchronize_session=False)
    )
    if claim.rowcount != 1 or rung is None:
        session.rollback()
        return None
    row = session.get(SlaClock, clock_id, populate_existing=True)
    ticket = session.get(Ticket, row.ticket_id, populate_existing=True)
    assert row is not None and ticket is not None
    state = state_of(row)
    threshold_at = clock.fire_at(state, pinned.calendar, rung) or now
    elapsed = clock.used(state, pinned.calendar, now)
    store(row, state, pinned)  # the deadline stays; next_fire_at moves to the following rung
    firing = SlaEscalation(
        clock_id=row.id, ticket_id=ticket.id, level=level, metric=row.metric,
        at_percent=rung.at_percent, due_at=threshold_at, fired_at=now,
        elapsed_seconds=elapsed, target_seconds=row.target_seconds, actions=[],
    )  # fmt: skip
    session.add(firing)
    session.flush()  # the UNIQUE (clock, level) guard, before any action runs
    sla = _sla_variables(row, rung, elapsed, pinned.calendar.zone)
    done = [
        run_action(session, ticket, action, sla=sla, event=f"sla:{row.metric}:level{level}")
        for action in rung.actions
    ]
    firing.actions = done
    data = {
        "level": level,
        "metric": row.metric,
        "policy": row.policy_key,
        "threshold": f"{rung.at_percent:g}%",
        "threshold_at": threshold_at.isoformat(),
        "elapsed_seconds": round(elapsed),
        "target_seconds": row.target_seconds,
        "elapsed_percent": sla["elapsed_percent"],
        "due_at": row.due_at.isoformat() if row.due_at else None,
        "sla_event": "sla_breached" if rung.at_percent >= 100 else "sla_warning",
        "late_by_seconds": round((now - threshold_at).total_seconds()),
        "actions": done,
        "why": f"{row.metric} reached {rung.at_percent:g}% of its target "
        f"({sla['elapsed_percent']}% used)",
    }
    record_event(session, ticket, "escalated", None, data, public=False)
    next_due = row.next_fire_at is not None and row.next_fire_at <= now
    return {
        "ticket_id": ticket.id,
        "clock_id": row.id,
        "metric": row.metric,
        "level": level,
        "at_percent": rung.at_percent,
        "next_level": row.next_level,
        "next_due": next_due,
    }


def _sla_variables(
    row: SlaClock, rung: CompiledEscalation, elapsed: float, zone: dt.tzinfo
) -> dict[str, Any]:
    """The ``sla`` variables a notification template reads."""
    due = row.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if row.due_at else ""
    percent = round(100.0 * elapsed / row.target_seconds) if row.target_seconds else 100
    return {
        "metric": row.metric,
        "policy": row.policy_key,
        "level": rung.level,
        "threshold": f"{rung.at_percent:g}%",
        "due_at": due,
        "elapsed_percent": percent,
        "target_minutes": row.target_seconds // 60,
    }
