"""The plugin's pages: the PM calendar, the compliance report and the asset page's PM panel.

Staff only (customers get 403). Views parse and authorise; they only read.
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from gongdan.accounts.models import Department, User
from gongdan.accounts.policy import is_staff
from gongdan.customers.models import Asset, Customer, service_today
from gongdan.db import db
from gongdan.tickets.models import Ticket
from gongdan_pm.models import PmSchedule, PmVisit
from gongdan_pm.plans import active_plans
from gongdan_pm.reports import compliance
from gongdan_pm.schedule import upcoming

bp = Blueprint("pm", __name__, url_prefix="/pm", template_folder="templates")

#: Planned (not yet generated) visits shown on one month of the calendar, at most.
PLANNED_LIMIT = 2000
#: Visits listed on the asset page.
ASSET_HISTORY = 12


def _staff() -> User:
    if not is_staff(current_user):
        abort(403)
    user: User = current_user._get_current_object()
    return user


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        abort(400, f"{name} must be a number, not {value!r}")
    return int(value)


def _date_arg(name: str, default: date) -> date:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400, f"{name} must be a date like 2026-12-01, not {value!r}")


@dataclass(frozen=True)
class CalendarEntry:
    """One visit on the calendar: generated (with its ticket) or only planned."""

    day: date
    kind: str  # open | overdue | done | missed | cancelled | planned
    plan: str
    serial: str
    customer: str
    ticket: str | None = None
    engineer: str | None = None


@bp.get("/calendar")
@login_required
def calendar_page() -> str:
    """A month of planned and generated visits, filterable by engineer, department, customer."""
    _staff()
    today = service_today()
    month = _date_arg("month", today.replace(day=1)).replace(day=1)
    engineer, customer = _int_arg("engineer"), _int_arg("customer")
    department = request.args.get("department", "").strip() or None
    last = month.replace(day=month_calendar.monthrange(month.year, month.month)[1])
    entries = _visits(month, last, engineer, department, customer)
    if engineer is None and department is None:
        entries += _planned(month, last, customer, today)
    by_day: dict[date, list[CalendarEntry]] = {}
    for entry in sorted(entries, key=lambda e: (e.day, e.plan, e.serial)):
        by_day.setdefault(entry.day, []).append(entry)
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    return render_template(
        "pm/calendar.html",
        month=month,
        previous=(month - timedelta(days=1)).replace(day=1),
        following=last + timedelta(days=1),
        weeks=weeks,
        by_day=by_day,
        today=today,
        engineers=db.session.scalars(
            sa.select(User)
            .where(User.role == "engineer", User.active.is_(True))
            .order_by(User.username)
        ).all(),
        departments=db.session.scalars(sa.select(Department).order_by(Department.key)).all(),
        customers=db.session.scalars(sa.select(Customer).order_by(Customer.name).limit(200)).all(),
        selected={"engineer": engineer, "department": department, "customer": customer},
    )


def _visits(
    first: date, last: date, engineer: int | None, department: str | None, customer: int | None
) -> list[CalendarEntry]:
    query = (
        sa.select(
            PmVisit.due_date, PmVisit.status, PmVisit.overdue, PmVisit.plan_key,
            Asset.serial_number, Customer.name, Ticket.number, User.display_name,
        )
        .join(Asset, Asset.id == PmVisit.asset_id)
        .join(Customer, Customer.id == PmVisit.customer_id)
        .outerjoin(Ticket, Ticket.id == PmVisit.ticket_id)
        .outerjoin(User, User.id == Ticket.assignee_id)
        .where(PmVisit.due_date >= first, PmVisit.due_date <= last)
    )  # fmt: skip
    if engineer is not None:
        query = query.where(Ticket.assignee_id == engineer)
    if department is not None:
        query = query.where(Ticket.department_key == department)
    if customer is not None:
        query = query.where(PmVisit.customer_id == customer)
    entries = []
    for row in db.session.execute(query):
        kind = "overdue" if row.status == "open" and row.overdue else row.status
        entries.append(
            CalendarEntry(
                day=row.due_date, kind=kind, plan=row.plan_key, serial=row.serial_number,
                customer=row.name, ticket=row.number, engineer=row.display_name,
            )
        )  # fmt: skip
    return entries


def _planned(first: date, last: date, customer: int | None, today: date) -> list[CalendarEntry]:
    """Visits not generated yet, projected from the active schedules (no engineer yet)."""
    plans = {plan.key: plan for plan in active_plans(db.session)}
    query = (
        sa.select(PmSchedule, Asset.serial_number, Customer.name)
        .join(Asset, Asset.id == PmSchedule.asset_id)
        .join(Customer, Customer.id == PmSchedule.customer_id)
        .where(PmSchedule.active.is_(True), PmSchedule.next_due <= last)
        .order_by(PmSchedule.next_due)
        .limit(PLANNED_LIMIT)
    )
    if customer is not None:
        query = query.where(PmSchedule.customer_id == customer)
    entries = []
    for schedule, serial, name in db.session.execute(query):
        plan = plans.get(schedule.plan_key)
        if plan is None:
            continue
        dates = upcoming(plan.recurrence, schedule.anchor_date, schedule.sequence, last)
        if plan.follows_completion:
            dates = dates[:1]
        for day in dates:
            if day >= first:
                entries.append(CalendarEntry(day, "planned", plan.key, serial, name))
    return entries


@bp.get("/compliance")
@login_required
def compliance_page() -> str:
    """Done on time / late / missed / open, per plan, for the visits due in a period."""
    _staff()
    today = service_today()
    start = _date_arg("start", today - timedelta(days=90))
    end = _date_arg("end", today)
    if end < start:
        abort(400, f"the period ends ({end}) before it starts ({start})")
    rows = compliance(db.session, start, end, today, customer_id=_int_arg("customer"))
    return render_template("pm/compliance.html", rows=rows, start=start, end=end, today=today)


def render_asset_panel(asset: Any, user: Any) -> str | None:
    """The asset page's PM panel (the ``gongdan_asset_panels`` hook): schedules, next visit,
    the last visits with their tickets."""
    if not is_staff(user):
        return None
    schedules = db.session.scalars(
        sa.select(PmSchedule).where(PmSchedule.asset_id == asset.id).order_by(PmSchedule.plan_key)
    ).all()
    visits = db.session.execute(
        sa.select(PmVisit, Ticket.number, Ticket.state)
        .outerjoin(Ticket, Ticket.id == PmVisit.ticket_id)
        .where(PmVisit.asset_id == asset.id)
        .order_by(PmVisit.due_date.desc())
        .limit(ASSET_HISTORY)
    ).all()
    if not schedules and not visits:
        return None
    plans = {plan.key: plan for plan in active_plans(db.session)}
    return render_template("pm/_asset_panel.html", schedules=schedules, visits=visits, plans=plans)
