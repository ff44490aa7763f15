"""SLA clocks of tickets: attach the policy at creation, follow the ticket, show the status.

Connected to :data:`gongdan.tickets.signals.ticket_event_recorded` (see :func:`on_ticket_event`)
and writing in the transaction of the change that caused it. Decisions:

* **Attach** (on ``created``): the first active SlaPolicy whose condition holds (by order, the
  default last) is pinned on the ticket (``tickets.sla_policy_revision_id``, with the Calendar
  revision on each clock); one clock per metric the policy has a target for at the ticket's
  priority, ``on_site`` only for ticket types with a ``geo`` (check-in) field. The event
  ``sla_attached`` names the policy, why it matched and the deadlines.
* **Pause** while the ticket is in a state of category ``paused`` or in the policy's
  ``pause_states``; **resume** when it leaves. Pausing keeps the business time used, so a
  deadline moves by exactly the paused business time.
* **Stop** ``first_response`` when the ticket services set ``first_response_at`` (the first
  public comment by staff, the first transition by staff, or the assignee accepting);
  ``on_site`` at the check-in (``checked_in_at``); every clock when the ticket is resolved or
  closed. ``met``/``breached`` record the outcome.
* **Reopen** (resolved/closed back to open) restarts the ``resolution`` clock where it stopped:
  the customer's whole wait counts, rungs already fired do not fire again, the outcome is
  cleared until it stops again. ``first_response`` and ``on_site`` keep their outcome.
* **Priority change** (any event after which the ticket's priority differs from the one the
  clock follows) re-targets within the pinned policy, keeping the elapsed business time; a
  priority without a target for a metric keeps the old target. An escalation rung that raises
  the priority does not re-target (:mod:`gongdan.sla.ladder`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, attributes

from gongdan.conditions import EvaluationContext
from gongdan.db import utcnow
from gongdan.definitions.compiled import CompiledSlaPolicy
from gongdan.definitions.registry import compiled_active_set
from gongdan.errors import GongdanError
from gongdan.sla import clock
from gongdan.sla.clock import ClockState, ClockView
from gongdan.sla.models import METRICS, SlaClock
from gongdan.sla.pinned import clocks_of, pinned_for, pinned_policy, state_of, store
from gongdan.tickets.context import TicketFacts, context_values
from gongdan.tickets.events import record_event
from gongdan.tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)

#: Ticket events the SLA records itself; they never move a clock.
OWN_EVENTS = frozenset({"sla_attached", "sla_retargeted", "sla_stopped", "escalated"})

_DONE = frozenset({"resolved", "closed"})


# ------------------------------------------------------------------------------- attach


def ticket_context(session: Session, ticket: Ticket) -> EvaluationContext:
    """The values SlaPolicy conditions read for ``ticket`` (customer tier, channel ...)."""
    facts = TicketFacts.of(ticket)
    facts.load_related(session)
    return EvaluationContext(context_values(facts, dict(ticket.fields or {}), None))


def attach_sla(
    session: Session, ticket: Ticket, *, at: dt.datetime | None = None
) -> list[SlaClock]:
    """Pin the matching SlaPolicy on ``ticket`` and start its clocks at ``at`` (its creation).

    Does nothing (returns the existing clocks) when the ticket already has clocks, and returns
    ``[]`` when no policy matches. Records ``sla_attached``. Does not commit.
    """
    existing = clocks_of(session, ticket.id)
    if existing:
        return existing
    start = at or ticket.created_at or utcnow()
    compiled = compiled_active_set(session)
    policy = compiled.matching_sla_policy(ticket_context(session, ticket))
    if policy is None or policy.revision_id is None:
        return []
    calendar_revision = compiled.revision_ids.get(("Calendar", policy.calendar_key or ""))
    pinned = pinned_policy(session, policy.revision_id, calendar_revision)
    rows = []
    for metric in _metrics(session, ticket, pinned.policy):
        target = pinned.policy.target(ticket.priority, metric)
        assert target is not None
        state = clock.start(pinned.calendar.business_duration(target), start)
        first = clock.rung_after(clock.rungs(pinned.policy, metric), None)
        row = SlaClock(
            ticket_id=ticket.id, metric=metric, policy_key=policy.key,
            policy_revision_id=policy.revision_id, calendar_revision_id=calendar_revision,
            priority=ticket.priority, started_at=start, version=0,
            next_level=first.level if first is not None else None,
        )  # fmt: skip
        store(row, state, pinned)
        session.add(row)
        # One INSERT per clock: flushed together they become one multi-row INSERT ...
        # RETURNING longer than psycopg's statement cache takes (4 KiB), which it then
        # re-parses on every ticket, costing more than the two round trips saved.
        session.flush()
        rows.append(row)
    # The pin is system bookkeeping, not an edit: it must not bump the ticket's version.
    session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id)
        .values(sla_policy_revision_id=policy.revision_id)
        .execution_options(synchronize_session=False)
    )
    attributes.set_committed_value(ticket, "sla_policy_revision_id", policy.revision_id)
    session.flush()
    record_event(
        session, ticket, "sla_attached", None,
        {"policy": policy.key, "revision": policy.revision_id, "why": _why(policy),
         "calendar": policy.calendar_key, "priority": ticket.priority,
         "clocks": {row.metric: _iso(row.due_at) for row in rows}},
        public=False,
    )  # fmt: skip
    return rows


def _metrics(session: Session, ticket: Ticket, policy: CompiledSlaPolicy) -> list[str]:
    targets = policy.targets.get(ticket.priority, {})
    metrics = [m for m in METRICS if targets.get(m) is not None]
    if "on_site" in metrics and not _has_check_in(session, ticket):
        metrics.remove("on_site")
    return metrics


def _has_check_in(session: Session, ticket: Ticket) -> bool:
    from gongdan.tickets.pinning import pinned_definitions

    try:
        ticket_type = pinned_definitions(session, ticket).ticket_type
    except GongdanError:  # revisions that no longer load: measure no visit rather than fail
        log.warning("ticket %s: pinned type not loadable; no on_site clock", ticket.id)
        return False
    return any(field.type == "geo" for field in ticket_type.fields)


def _why(policy: CompiledSlaPolicy) -> str:
    if policy.predicate is None:
        return "default policy" if policy.default else "policy without a condition"
    return f"condition of policy {policy.key!r} holds (order {policy.order})"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# ------------------------------------------------------------------- following the ticket


def is_paused_state(ticket: Ticket, policy: CompiledSlaPolicy) -> bool:
    """Whether the ticket's state pauses the clocks under ``policy``."""
    return ticket.state_category == "paused" or ticket.state in policy.pause_states


def sync_clocks(
    session: Session, ticket: Ticket, at: dt.datetime, *, reopened: bool = False
) -> list[str]:
    """Bring the ticket's clocks in line with the ticket at ``at``; returns what changed.

    Idempotent: calling it twice changes nothing the second time. Does not commit.
    """
    changes: list[str] = []
    retargeted: list[dict[str, Any]] = []
    stopped: dict[str, dict[str, Any]] = {}
    for row in clocks_of(session, ticket.id):
        pinned = pinned_for(session, row)
        before = state_of(row)
        state = before
        if reopened and row.metric == "resolution" and ticket.state_category not in _DONE:
            state = clock.restart(state, at)
        stop_at = _stop_instant(ticket, row.metric, at)
        if stop_at is not None:
            state = clock.stop(state, pinned.calendar, max(stop_at, row.started_at))
        elif is_paused_state(ticket, pinned.policy):
            state = clock.pause(state, pinned.calendar, at)
        else:
            state = clock.resume(state, at)
        if row.priority != ticket.priority:
            target = pinned.policy.target(ticket.priority, row.metric)
            if target is not None and state.stopped_at is None:
                new = clock.retarget(state, pinned.calendar.business_duration(target))
                retargeted.append(
                    {"metric": row.metric, "from": row.priority, "to": ticket.priority,
                     "target_from": state.target_seconds, "target_to": new.target_seconds}
                )  # fmt: skip
                state = new
            row.priority = ticket.priority
        if state != before:
            store(row, state, pinned)
            changes.append(f"{row.metric}:{_label(before, state)}")
            if state.stopped_at is not None and before.stopped_at is None:
                stopped[row.metric] = {
                    "met": row.met,
                    "used_seconds": round(state.used_seconds),
                    "target_seconds": state.target_seconds,
                }
    if retargeted:
        session.flush()
        dues = {row.metric: _iso(row.due_at) for row in clocks_of(session, ticket.id)}
        for item in retargeted:
            item["due_at"] = dues.get(item["metric"])
        record_event(
            session, ticket, "sla_retargeted", None,
            {"priority": ticket.priority, "clocks": retargeted,
             "why": "the priority changed; elapsed business time is kept"},
            public=False,
        )  # fmt: skip
    if stopped:
        record_event(
            session, ticket, "sla_stopped", None,
            {"clocks": stopped, "why": _stop_reason(ticket)},
            public=False,
        )  # fmt: skip
    return changes


def _stop_reason(ticket: Ticket) -> str:
    if ticket.state_category in _DONE:
        return f"the ticket is {ticket.state_category}"
    return "first response given or engineer checked in"


def _stop_instant(ticket: Ticket, metric: str, at: dt.datetime) -> dt.datetime | None:
    if ticket.state_category in _DONE:
        if metric == "first_response" and ticket.first_response_at is not None:
            return min(ticket.first_response_at, at)
        if metric == "on_site" and ticket.checked_in_at is not None:
            return min(ticket.checked_in_at, at)
        return ticket.resolved_at or ticket.closed_at or at
    if metric == "first_response" and ticket.first_response_at is not None:
        return ticket.first_response_at
    if metric == "on_site" and ticket.checked_in_at is not None:
        return ticket.checked_in_at
    return None


def _label(before: ClockState, after: ClockState) -> str:
    if after.stopped_at is not None and before.stopped_at is None:
        return "stopped"
    if before.stopped_at is not None and after.stopped_at is None:
        return "restarted"
    if after.paused_at is not None and before.paused_at is None:
        return "paused"
    if before.paused_at is not None and after.paused_at is None:
        return "resumed"
    return "retargeted"


def on_ticket_event(sender: Ticket, *, session: Session, event: TicketEvent, **_: Any) -> None:
    """Receiver of ``ticket_event_recorded``: attach at creation, then follow the ticket."""
    if event.kind in OWN_EVENTS or not sla_enabled():
        return
    at = event.created_at or utcnow()
    if event.kind == "created":
        attach_sla(session, sender, at=sender.created_at or at)
        sync_clocks(session, sender, at)  # an initial state may already pause the clocks
        return
    data = event.data or {}
    reopened = event.kind == "transition" and bool(data.get("reopened"))
    sync_clocks(session, sender, at, reopened=reopened)


EXTENSION_KEY = "gongdan.sla"


def sla_enabled() -> bool:
    """Whether the current application runs SLA clocks (``sla.init_app`` was called)."""
    from flask import current_app, has_app_context

    return has_app_context() and bool(current_app.extensions.get(EXTENSION_KEY))


# ------------------------------------------------------------------------------- reading


def sla_status(session: Session, ticket: Ticket, now: dt.datetime | None = None) -> list[ClockView]:
    """The ticket's clocks as agents see them (metric order); ``[]`` without a policy."""
    moment = now or utcnow()
    views = []
    for row in clocks_of(session, ticket.id):
        pinned = pinned_for(session, row)
        ladder = clock.rungs(pinned.policy, row.metric)
        views.append(
            clock.view(row.metric, row.policy_key, state_of(row), pinned.calendar, moment, ladder)
        )
    return views


def sla_status_many(
    session: Session, ticket_ids: list[int], now: dt.datetime | None = None
) -> dict[int, list[ClockView]]:
    """:func:`sla_status` of many tickets in one query (for ticket lists)."""
    moment = now or utcnow()
    found: dict[int, list[ClockView]] = {ticket_id: [] for ticket_id in ticket_ids}
    rows = session.scalars(select(SlaClock).where(SlaClock.ticket_id.in_(ticket_ids)))
    for row in sorted(rows, key=lambda r: (r.ticket_id, METRICS.index(r.metric))):
        pinned = pinned_for(session, row)
        ladder = clock.rungs(pinned.policy, row.metric)
        found[row.ticket_id].append(
            clock.view(row.metric, row.policy_key, state_of(row), pinned.calendar, moment, ladder)
        )
    return found


def advance_clocks(
    session: Session, ticket_id: int, by: dt.timedelta, *, now: dt.datetime | None = None
) -> list[SlaClock]:
    """Time travel for demos and tests: the ticket's open clocks have used ``by`` more business
    time, as if it had been waiting that much longer. Due rungs fire at the next sweep.

    Does not commit.
    """
    moment = now or utcnow()
    rows = []
    for row in clocks_of(session, ticket_id):
        if row.stopped_at is not None:
            continue
        pinned = pinned_for(session, row)
        state = state_of(row)
        extra = pinned.calendar.business_duration(by).total_seconds()
        spent = clock.used(state, pinned.calendar, moment) + extra
        running = moment if state.running else None
        store(row, ClockState(state.target_seconds, spent, running, state.paused_at), pinned)
        rows.append(row)
    session.flush()
    return rows
