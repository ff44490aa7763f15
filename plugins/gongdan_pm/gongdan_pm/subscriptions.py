"""What the plugin does when tickets change and when the installed base is saved.

* A visit's ticket reaching a resolved state marks the visit done (on the service day of that
  change); closed without being resolved (cancelled) marks it cancelled. A plan that follows
  completion then counts its next visit from that day. Runs inside the ticket service's
  transaction: it commits or rolls back with the change.
* An asset or service contract saved through the customer services gets its schedules at once
  (the sweep would create them anyway: it is the safety net).

Both receivers are process-wide (blinker) and act only in an application that loaded the
plugin.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from gongdan.customers.models import SERVICE_TIME_ZONE, service_today
from gongdan.customers.signals import installed_base_saved
from gongdan.errors import GongdanError
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.signals import ticket_event_recorded
from gongdan_pm import PLUGIN_KEY
from gongdan_pm.models import PmSchedule, PmVisit
from gongdan_pm.plans import active_plan
from gongdan_pm.schedule import nth_due
from gongdan_pm.schedules import asset_ids_of, sync_schedules

log = logging.getLogger(__name__)


def _loaded() -> bool:
    return has_app_context() and bool(current_app.extensions.get(PLUGIN_KEY))


def on_ticket_event(ticket: Ticket, *, session: Session, event: TicketEvent, **_: Any) -> None:
    """Receiver of ``ticket_event_recorded``: a visit's ticket done or cancelled."""
    if not _loaded() or event.kind != "transition":
        return
    if ticket.state_category not in ("resolved", "closed"):
        return
    visit = session.scalar(
        sa.select(PmVisit).where(PmVisit.ticket_id == ticket.id, PmVisit.status == "open")
    )
    if visit is None:
        return
    done = ticket.state_category == "resolved" or ticket.resolved_at is not None
    day = event.created_at.astimezone(SERVICE_TIME_ZONE).date()
    visit.status = "done" if done else "cancelled"
    visit.completed_on = day if done else None
    schedule = session.get(PmSchedule, visit.schedule_id)
    if schedule is None or not schedule.follows_completion or schedule.next_due is not None:
        return
    plan = active_plan(session, schedule.plan_key)
    if plan is None:
        return
    # Counted from the day it was done (or, cancelled, from the day it was due).
    schedule.anchor_date = day if done else visit.due_date
    schedule.sequence = 1
    schedule.next_due = nth_due(plan.recurrence, schedule.anchor_date, 1)


def on_installed_base_saved(row: Any, *, session: Session, **_: Any) -> None:
    """Receiver of ``installed_base_saved``: schedule the saved asset(s) now."""
    if not _loaded():
        return
    asset_ids = asset_ids_of([row])
    if not asset_ids:
        return
    try:
        sync_schedules(session, service_today(), asset_ids=asset_ids)
    except (SQLAlchemyError, GongdanError):
        # The asset is saved already; the next sweep schedules it.
        session.rollback()
        log.exception("pm: could not schedule assets %s now; the sweep will", asset_ids)


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per receiver)."""
    ticket_event_recorded.connect(on_ticket_event)
    installed_base_saved.connect(on_installed_base_saved)
