"""The plugin's pages: the parts panel on a ticket (agent and engineer), its form posts, and the
engineer's van stock page. Views parse and authorise; the services change the data."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from gongdan.accounts.models import User
from gongdan.db import db, utcnow
from gongdan.errors import GongdanError, ValidationFailed
from gongdan.tickets.models import Ticket
from gongdan.tickets.reads import get_ticket_by_number
from gongdan_spare_parts import reports, requests
from gongdan_spare_parts.errors import StockError
from gongdan_spare_parts.models import FaultyReturn, Part, PartLine, StockBalance, Warehouse

bp = Blueprint("spare_parts", __name__, url_prefix="/spare-parts", template_folder="templates")

#: Roles that see the parts panel (customers never do).
STAFF_ROLES = frozenset(
    {"admin", "agent", "dispatcher", "engineer", "manager", "service_manager", "quality_inspector"}
)
#: The steps a form may post for a line, and the service that takes each.
STEPS = ("approve", "reject", "consume", "release", "return_faulty")


def van_stock(engineer: User, limit: int = 50) -> list[dict[str, Any]]:
    """What the engineer's van holds (available > 0 first), one indexed query."""
    balance = StockBalance.__table__
    rows = db.session.execute(
        sa.select(Part.number, Part.name, Part.unit, balance.c.on_hand, balance.c.reserved)
        .join(balance, balance.c.part_id == Part.id)
        .join(Warehouse, Warehouse.id == balance.c.warehouse_id)
        .where(Warehouse.kind == "van", Warehouse.owner_id == engineer.id, balance.c.on_hand > 0)
        .order_by(Part.number)
        .limit(limit)
    )
    return [
        {"number": r.number, "name": r.name, "unit": r.unit,
         "on_hand": r.on_hand, "available": r.on_hand - r.reserved}
        for r in rows
    ]  # fmt: skip


def render_panel(place: str, ticket: Ticket, user: User) -> str | None:
    """The parts panel of ``ticket`` (the ``gongdan_ticket_panels`` hook)."""
    if not getattr(user, "is_authenticated", False) or user.role not in STAFF_ROLES:
        return None
    lines = list(
        db.session.scalars(
            sa.select(PartLine).where(PartLine.ticket_id == ticket.id).order_by(PartLine.id)
        )
    )
    returned = {
        row.part_line_id
        for row in db.session.scalars(
            sa.select(FaultyReturn).where(FaultyReturn.ticket_id == ticket.id)
        )
    }
    model = (ticket.fields or {}).get("product_model")
    parts = db.session.scalars(
        sa.select(Part).where(Part.active.is_(True)).order_by(Part.number).limit(200)
    ).all()
    suggested = [p for p in parts if model and model in (p.compatible_models or [])] or parts
    return render_template(
        "spare_parts/_panel.html",
        place=place,
        ticket=ticket,
        lines=lines,
        returned=returned,
        parts=suggested,
        van=van_stock(user) if user.role == "engineer" else [],
        user=user,
    )


def _back(place: str, number: str) -> Response:
    if place == "engineer":
        return redirect(url_for("fieldwork.ticket_page", number=number) + "#spare-parts")
    return redirect(url_for("tickets.show", number=number) + "#spare-parts")


def _place() -> str:
    return "engineer" if request.form.get("place") == "engineer" else "agent"


@bp.post("/tickets/<number>/request")
@login_required
def request_part(number: str) -> Response:
    """An engineer asks for a part for the ticket (van first, else a warehouse)."""
    ticket = get_ticket_by_number(db.session, current_user, number)
    place = _place()
    part_number = (request.form.get("part") or "").strip()
    part = db.session.scalar(sa.select(Part).where(Part.number == part_number))
    try:
        if current_user.role != "engineer":
            raise StockError(gettext("Only an engineer requests parts."))
        if part is None:
            raise StockError(gettext("There is no part %(number)s.", number=repr(part_number)))
        line = requests.request_part(
            db.session, ticket=ticket, part=part, quantity=request.form.get("quantity", ""),
            engineer=current_user._get_current_object(),
        )  # fmt: skip
    except GongdanError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _back(place, number)
    flash(
        gettext(
            "%(part)s requested from %(warehouse)s.",
            part=part.number,
            warehouse=line.warehouse.code,
        ),
        "success",
    )
    return _back(place, number)


@bp.post("/lines/<int:line_id>/<step>")
@login_required
def line_step(line_id: int, step: str) -> Response:
    """Approve, reject, consume, release a part line or return its faulty part."""
    if step not in STEPS:
        abort(404)
    line = db.session.get(PartLine, line_id)
    if line is None:
        abort(404)
    ticket = db.session.get(Ticket, line.ticket_id)
    assert ticket is not None
    get_ticket_by_number(db.session, current_user, ticket.number)  # may the user see it?
    place, actor = _place(), current_user._get_current_object()
    serial = (request.form.get("serial") or "").strip() or None
    reason = (request.form.get("reason") or "").strip()
    try:
        if step == "approve":
            requests.approve(db.session, line, approver=actor)
        elif step == "reject":
            requests.reject(db.session, line, approver=actor, reason=reason or "-")
        elif step == "consume":
            requests.consume(db.session, line, engineer=actor, serial=serial)
        elif step == "release":
            requests.release(db.session, line, actor=actor, reason=reason or "-")
        else:
            requests.return_faulty(db.session, line, serial=serial or "", engineer=actor)
    except GongdanError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _back(place, ticket.number)
    flash(gettext("Part line %(id)s: done.", id=line_id), "success")
    return _back(place, ticket.number)


@bp.get("/van")
@login_required
def my_van() -> str:
    """The engineer's van stock, phone-sized."""
    if current_user.role != "engineer":
        abort(403)
    stock = van_stock(current_user, limit=500)
    total = sum((row["available"] for row in stock), Decimal(0))
    return render_template("spare_parts/van.html", stock=stock, total=total)


#: Who reads the parts reports.
REPORT_ROLES = frozenset({"admin", "manager", "service_manager"})


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            gettext("%(value)s is not a date (YYYY-MM-DD).", value=repr(text))
        ) from None


@bp.get("/reports")
@login_required
def reports_page() -> tuple[str, int]:
    """Consumption by part / product / engineer / month, and failure rate by part."""
    if current_user.role not in REPORT_ROLES:
        abort(403)
    today = utcnow().date()
    by = request.args.get("by", "part")
    error, rows, failures = None, [], []
    try:
        start = _day(request.args.get("start"), today - timedelta(days=90))
        end = _day(request.args.get("end"), today)
        window = (
            datetime.combine(start, time(), UTC),
            datetime.combine(end + timedelta(days=1), time(), UTC),
        )
        rows = reports.consumption(db.session, start=window[0], end=window[1], by=by)
        failures = reports.failure_rate(db.session, start=window[0], end=window[1])
    except ValidationFailed as problem:
        error, start, end = problem.message, today - timedelta(days=90), today
    html = render_template(
        "spare_parts/reports.html", rows=rows, failures=failures, by=by, start=start, end=end,
        error=error, groupings=reports.GROUPINGS,
    )  # fmt: skip
    return html, 400 if error else 200
