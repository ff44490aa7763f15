"""The billing pages: the panel on a ticket (agent, engineer, portal), the service-report
section, the quote and sign-off posts, statements and the revenue report.

Views parse and authorise; :mod:`.quotes` and :mod:`.charges` change the data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from gongdan.accounts.models import User
from gongdan.accounts.policy import is_staff
from gongdan.customers.models import Customer
from gongdan.db import db, utcnow
from gongdan.errors import GongdanError, ValidationFailed
from gongdan.i18n import current_language
from gongdan.tickets.models import Ticket
from gongdan.tickets.reads import get_ticket_by_number
from gongdan_billing import charges, pricing, quotes, reports
from gongdan_billing.errors import BillingError, NotAllowed
from gongdan_billing.pricing import PriceList
from gongdan_billing.services import active_price_lists, part_names, pricing_for, report_items

bp = Blueprint("billing", __name__, url_prefix="/billing", template_folder="templates")

#: Who reads the revenue reports and any customer's statement.
MANAGER_ROLES = frozenset({"admin", "manager", "service_manager"})
PLACES = ("agent", "engineer", "portal")


@bp.app_template_global("billing_part_names")
def billing_part_names(lines: Any) -> dict[str, str]:
    """Part number → name for the part lines of a charge table (see ``_macros.html``)."""
    return part_names(db.session, lines)


@bp.app_template_global("billing_item_titles")
def billing_item_titles() -> dict[str, str]:
    """``"labour:senior"`` / ``"service:installation"`` → its title in the user's language,
    from the active price lists (the first that names it), for the charge tables."""
    language = current_language()
    found: dict[str, str] = {}
    for price_list in active_price_lists(db.session):
        for key, title in price_list.item_titles.items():
            text = title.get(language) or title.get("zh") or title.get("en")
            if text:
                found.setdefault(key, text)
    return found


def _reasons(price_list_key: str | None) -> dict[str, str]:
    """Coverage rule key → its reason in the user's language (the why shown on a line)."""
    language = current_language()
    found: dict[str, str] = {}
    for price_list in active_price_lists(db.session):
        if price_list_key is None or price_list.key == price_list_key:
            for rule in price_list.coverage:
                text = rule.reason.get(language) or rule.reason.get("zh") or rule.key
                found.setdefault(rule.key, text)
    return found


def _chosen(ticket: Ticket) -> PriceList | None:
    try:
        return pricing_for(db.session, ticket).price_list
    except GongdanError:
        return None


def render_panel(place: str, ticket: Ticket, user: User) -> str | None:
    """The billing panel of ``ticket`` (the ``gongdan_ticket_panels`` hook)."""
    if not getattr(user, "is_authenticated", False) or place not in PLACES:
        return None
    if place == "portal" and user.role != "customer":
        return None
    if place != "portal" and not is_staff(user):
        return None
    price_list = _chosen(ticket)
    quote = quotes.latest_quote(db.session, ticket.id)
    lines = charges.ticket_lines(db.session, ticket.id)
    if place == "portal" and quote is None and not lines:
        return None
    if price_list is None and quote is None and not lines:
        return None
    key = lines[0].price_list if lines else quote.price_list if quote else None
    return render_template(
        "billing/_panel.html",
        place=place,
        ticket=ticket,
        user=user,
        price_list=price_list,
        quote=quote,
        quote_lines=quotes.quote_lines(quote) if quote else [],
        lines=lines,
        sums=charges.totals_of(lines) if lines else None,
        signoff=charges.signoff_of(db.session, ticket.id),
        signable=charges.report_handed_in(ticket),
        reasons=_reasons(key or (price_list.key if price_list else None)),
        now=utcnow(),
        quoting=user.role in quotes.QUOTING_ROLES,
    )


def render_report_section(ticket: Ticket, user: User) -> str | None:
    """The charges the customer signs for on the engineer's service report (a preview until
    the report is handed in: nothing is saved)."""
    if not getattr(user, "is_authenticated", False) or not is_staff(user):
        return None
    stored = charges.ticket_lines(db.session, ticket.id)
    try:
        chosen = pricing_for(db.session, ticket)
        if stored:
            lines = [charges.as_priced(row) for row in stored]
        else:
            lines = chosen.price(
                i.item for i in report_items(db.session, ticket, chosen.price_list)
            )
    except GongdanError:
        return None
    if not lines:
        return None
    sums = pricing.totals(lines, chosen.price_list.tax_rate)
    return render_template(
        "billing/_report.html", lines=lines, sums=sums, price_list=chosen.price_list,
        reasons=_reasons(chosen.price_list.key), saved=bool(stored),
    )  # fmt: skip


def _back(number: str) -> Response:
    place = request.form.get("place")
    if place == "portal":
        target = url_for("portal.request_page", number=number)
    elif place == "engineer":
        target = url_for("fieldwork.ticket_page", number=number)
    else:
        target = url_for("tickets.show", number=number)
    return redirect(target + "#billing")


def _fail(error: GongdanError, number: str) -> Response:
    db.session.rollback()
    flash(error.message, "danger")
    return _back(number)


def _parts(text: str) -> dict[str, object]:
    """``"P-A:2, P-B"`` → ``{"P-A": "2", "P-B": "1"}``."""
    parts: dict[str, object] = {}
    for chunk in text.replace("，", ",").split(","):
        if chunk.strip():
            number, _, quantity = chunk.strip().partition(":")
            parts[number.strip()] = quantity.strip() or "1"
    return parts


@bp.post("/tickets/<number>/quote")
@login_required
def prepare(number: str) -> Response:
    """Prepare a quote from the price list and the diagnosis (fields override the usual repair)."""
    ticket = get_ticket_by_number(db.session, current_user, number)
    form = request.form
    parts_text = (form.get("parts") or "").strip()
    services_text = (form.get("services") or "").strip()
    try:
        quotes.prepare_quote(
            db.session, current_user._get_current_object(), ticket,
            labour_hours=(form.get("labour_hours") or "").strip() or None,
            parts=_parts(parts_text) if parts_text else None,
            services=[s.strip() for s in services_text.split(",") if s.strip()] or None,
        )  # fmt: skip
    except GongdanError as error:
        return _fail(error, number)
    flash(gettext("Quote prepared. Check it, then send it to the customer."), "success")
    return _back(number)


@bp.post("/quotes/<int:quote_id>/send")
@login_required
def send(quote_id: int) -> Response:
    """Send the draft quote to the customer (the ticket takes ``send_quote``)."""
    quote = _quote(quote_id)
    try:
        quotes.send_quote(db.session, current_user._get_current_object(), quote_id)
    except GongdanError as error:
        return _fail(error, quote["number"])
    flash(gettext("The quote was sent to the customer."), "success")
    return _back(quote["number"])


@bp.post("/quotes/<int:quote_id>/decide")
@login_required
def decide(quote_id: int) -> Response:
    """The customer (portal) or an agent for them approves or declines the quote."""
    quote = _quote(quote_id)
    decision = request.form.get("decision")
    if decision not in ("approve", "decline"):
        abort(400)
    try:
        quotes.decide_quote(
            db.session, current_user._get_current_object(), quote_id,
            approve=decision == "approve", seen_hash=request.form.get("hash", ""),
            comment=(request.form.get("comment") or "").strip() or None,
        )  # fmt: skip
    except GongdanError as error:
        return _fail(error, quote["number"])
    flash(
        gettext("Thank you: the quote is approved and the repair goes ahead.")
        if decision == "approve"
        else gettext("The quote is declined: the machine comes back unrepaired."),
        "success",
    )
    return _back(quote["number"])


def _quote(quote_id: int) -> dict[str, Any]:
    from gongdan_billing.models import Quote

    quote = db.session.get(Quote, quote_id)
    if quote is None:
        abort(404)
    ticket = db.session.get(Ticket, quote.ticket_id)
    assert ticket is not None
    get_ticket_by_number(db.session, current_user, ticket.number)  # may the user see it?
    return {"number": ticket.number}


@bp.post("/tickets/<number>/sign")
@login_required
def sign(number: str) -> Response:
    """The customer signs the service report's charges (the total they were shown)."""
    ticket = get_ticket_by_number(db.session, current_user, number)
    try:
        if current_user.role != "customer" and not is_staff(current_user):
            raise NotAllowed(gettext("You may not sign this report."))
        charges.sign_report(
            db.session, current_user._get_current_object(), ticket,
            signer_name=request.form.get("signer_name", ""),
            seen_total=request.form.get("total"),
        )  # fmt: skip
    except GongdanError as error:
        return _fail(error, number)
    flash(gettext("The service report is signed."), "success")
    return _back(number)


@bp.get("/tickets/<number>/statement")
@login_required
def ticket_statement(number: str) -> str:
    """The ticket's statement as printable HTML."""
    ticket = get_ticket_by_number(db.session, current_user, number)
    lines = charges.ticket_lines(db.session, ticket.id)
    key = lines[0].price_list if lines else None
    return render_template(
        "billing/statement.html", ticket=ticket, lines=lines,
        sums=charges.totals_of(lines) if lines else None,
        signoff=charges.signoff_of(db.session, ticket.id), reasons=_reasons(key),
        customer=ticket.customer, currency=lines[0].currency if lines else "CNY",
    )  # fmt: skip


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            gettext("%(value)s is not a date (YYYY-MM-DD).", value=repr(text))
        ) from None


def _window(default_days: int) -> tuple[date, date, datetime, datetime]:
    today = utcnow().date()
    start = _day(request.args.get("start"), today - timedelta(days=default_days))
    end = _day(request.args.get("end"), today)
    if end < start:
        raise ValidationFailed(gettext("The end date is before the start date."))
    return (
        start,
        end,
        datetime.combine(start, time(), UTC),
        datetime.combine(end + timedelta(days=1), time(), UTC),
    )


@bp.get("/customers/<int:customer_id>/statement")
@login_required
def customer_statement(customer_id: int) -> tuple[str, int]:
    """A customer's statement for a period (the customer themself, or managers)."""
    own = current_user.role == "customer" and current_user.customer_id == customer_id
    if not own and current_user.role not in MANAGER_ROLES | {"agent"}:
        abort(403)
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    try:
        start, end, since, until = _window(31)
    except BillingError as error:
        abort(400, error.message)
    except ValidationFailed as error:
        html = render_template("billing/error.html", message=error.message)
        return html, 400
    rows, total = charges.customer_statement(db.session, customer_id, since, until)
    html = render_template(
        "billing/customer_statement.html", customer=customer, rows=rows, total=total,
        start=start, end=end, currency=rows[0].currency if rows else "CNY",
    )  # fmt: skip
    return html, 200


@bp.get("/reports")
@login_required
def reports_page() -> tuple[str, int]:
    """Revenue, list value and cost by month, region, customer, engineer or product."""
    if current_user.role not in MANAGER_ROLES:
        abort(403)
    by = request.args.get("by", "month")
    error, rows = None, []
    today = utcnow().date()
    start, end = today - timedelta(days=365), today
    try:
        start, end, since, until = _window(365)
        if by not in reports.GROUPINGS:
            raise ValidationFailed(gettext("Unknown grouping %(by)s.", by=repr(by)))
        rows = reports.revenue(db.session, start=since, end=until, by=by)
    except ValidationFailed as problem:
        error = problem.message
    totals = {
        name: sum((getattr(r, name) for r in rows), Decimal("0.00"))
        for name in ("list_value", "revenue", "cost")
    }
    html = render_template(
        "billing/reports.html", rows=rows, by=by, start=start, end=end, error=error,
        groupings=reports.GROUPINGS, totals=totals,
    )  # fmt: skip
    return html, 400 if error else 200
