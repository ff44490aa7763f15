"""Charge lines, the customer's sign-off of the service report, and statements.

A ticket's charge lines come from its approved quote (the agreed price) or, without one, from
its service report (labour hours, the call-out, consumed parts) when the report is handed in
(the ticket enters one of ``BILLING_REPORT_STATES``). Each line keeps the coverage decision and
the rule behind it. Signing freezes them: the sign-off stores the total the customer saw and
the fingerprint of the lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.customers.models import Contact
from gongdan.plugins import plugin_keys
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan_billing import PLUGIN_KEY, pricing
from gongdan_billing.errors import AlreadySigned, InvalidAmount, NotAllowed, QuoteChanged
from gongdan_billing.models import ChargeLine, Quote, ReportSignoff
from gongdan_billing.pricing import PricedLine, PriceList, Totals

#: States entered when the service report is handed in: charge lines are made then.
REPORT_STATES = ("pending_review", "testing", "resolved")


def add_charge_lines(
    session: Session,
    ticket: Ticket,
    lines: Iterable[tuple[PricedLine, Decimal]],
    price_list: PriceList,
    *,
    quote_id: int | None = None,
) -> list[ChargeLine]:
    """Add (or re-price, until signed) the ticket's lines for these sources, in the caller's
    transaction. ``source`` is unique per ticket: a line is never charged twice."""
    existing = {
        row.source: row
        for row in session.scalars(sa.select(ChargeLine).where(ChargeLine.ticket_id == ticket.id))
    }
    made = []
    for line, cost in lines:
        source = f"quote:{quote_id}:{line.ref}" if quote_id is not None else line.ref
        row = existing.get(source) or ChargeLine(ticket_id=ticket.id, source=source)
        row.customer_id = ticket.customer_id
        row.engineer_id = ticket.assignee_id
        row.quote_id = quote_id
        row.kind, row.description = line.kind, line.description[:200]
        row.quantity, row.unit_price, row.list_amount = (
            line.quantity,
            line.unit_price,
            line.list_amount,
        )
        row.decision, row.rule, row.discount_percent = (
            line.decision,
            line.rule,
            line.discount_percent,
        )
        row.amount, row.cost = line.amount, cost
        row.tax_rate, row.currency, row.price_list = (
            price_list.tax_rate,
            price_list.currency,
            price_list.key,
        )
        if row.id is None:
            session.add(row)
        made.append(row)
    session.flush()
    return made


def ticket_lines(session: Session, ticket_id: int) -> list[ChargeLine]:
    """The ticket's charge lines, oldest first."""
    return list(
        session.scalars(
            sa.select(ChargeLine).where(ChargeLine.ticket_id == ticket_id).order_by(ChargeLine.id)
        )
    )


def as_priced(row: ChargeLine) -> PricedLine:
    """A stored line as the pricing engine's value (to total and fingerprint it)."""
    return PricedLine(
        kind=row.kind, ref=row.source, description=row.description,
        quantity=Decimal(row.quantity), unit_price=Decimal(row.unit_price),
        list_amount=Decimal(row.list_amount), decision=row.decision, rule=row.rule,
        discount_percent=Decimal(row.discount_percent), amount=Decimal(row.amount),
    )  # fmt: skip


def totals_of(rows: Sequence[ChargeLine]) -> Totals:
    """The totals of a ticket's stored lines (one tax rate per ticket: its price list's)."""
    rate = Decimal(rows[0].tax_rate) if rows else Decimal("0")
    return pricing.totals([as_priced(r) for r in rows], rate)


def signoff_of(session: Session, ticket_id: int) -> ReportSignoff | None:
    """The ticket's sign-off, if signed."""
    return session.scalar(sa.select(ReportSignoff).where(ReportSignoff.ticket_id == ticket_id))


def refresh_report_charges(session: Session, ticket: Ticket) -> list[ChargeLine]:
    """Make (or re-price) the charge lines of the service report, in the caller's transaction.

    Nothing happens once signed (the lines are final) or when an approved quote set the price.
    """
    from gongdan_billing.services import pricing_for, report_items

    if signoff_of(session, ticket.id) is not None:
        return []
    if session.scalar(
        sa.select(Quote.id).where(Quote.ticket_id == ticket.id, Quote.status == "approved")
    ):
        return []
    chosen = pricing_for(session, ticket)
    items = report_items(session, ticket, chosen.price_list)
    if not items:
        return []
    lines = chosen.price(i.item for i in items)
    return add_charge_lines(
        session, ticket, zip(lines, (i.cost for i in items), strict=True), chosen.price_list
    )


def sign_report(
    session: Session,
    actor: User | None,
    ticket: Ticket,
    *,
    signer_name: str,
    seen_total: object = None,
    signature_attachment_id: int | None = None,
    commit: bool = True,
) -> ReportSignoff:
    """The customer signs the service report's charges (a total of 0 included).

    :raises AlreadySigned: signed before. :raises QuoteChanged: the total is not ``seen_total``
        any more. :raises NotAllowed: another customer's ticket, or no charges to sign.
    """
    if actor is not None and actor.role == "customer" and actor.customer_id != ticket.customer_id:
        raise NotAllowed("this report is another customer's")
    name = (signer_name or "").strip()
    if not name:
        raise InvalidAmount("write the name of the person signing")
    if signoff_of(session, ticket.id) is not None:
        raise AlreadySigned(f"the service report of {ticket.number} is signed already")
    rows = ticket_lines(session, ticket.id)
    if not rows or not report_handed_in(ticket):
        raise NotAllowed(f"the work on {ticket.number} is not reported yet: nothing to sign")
    sums = totals_of(rows)
    if seen_total not in (None, "") and pricing.to_amount(seen_total, "total") != sums.total:
        raise QuoteChanged(
            f"the charges of {ticket.number} changed since they were shown (total now"
            f" {sums.total}); look again before signing"
        )
    signoff = ReportSignoff(
        ticket_id=ticket.id, signer_name=name[:120], signed_by_id=actor.id if actor else None,
        signature_attachment_id=signature_attachment_id, subtotal=sums.subtotal, tax=sums.tax,
        total=sums.total, currency=rows[0].currency,
        content_hash=pricing.content_hash([as_priced(r) for r in rows], sums, rows[0].currency),
    )  # fmt: skip
    session.add(signoff)
    if commit:
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise AlreadySigned(
                f"the service report of {ticket.number} is signed already"
            ) from None
    return signoff


def _report_states() -> tuple[str, ...]:
    return tuple(current_app.config.get("BILLING_REPORT_STATES", REPORT_STATES))


def report_handed_in(ticket: Ticket) -> bool:
    """Whether the work is reported: the ticket is in a report state, or resolved or closed
    (a declined quote's ticket ships back with only the diagnosis fee to sign for)."""
    if ticket.state_category in ("resolved", "closed"):
        return True
    return ticket.state in _report_states() or (ticket.fields or {}).get("quote_approved") is False


def _billing_loaded() -> bool:
    if not has_app_context():
        return False
    manager = current_app.extensions.get("gongdan.plugins")
    return manager is not None and PLUGIN_KEY in plugin_keys(manager)


def on_ticket_event(
    ticket: Ticket, *, session: Session, event: TicketEvent, actor: User | None, **_: Any
) -> None:
    """Make the report's charge lines when the report is handed in; a customer signature
    collected on it signs them (``ticket_event_recorded`` receiver, same transaction)."""
    if event.kind != "transition" or not _billing_loaded():
        return
    if (event.data or {}).get("to") not in _report_states():
        return
    from gongdan_billing.errors import NoPriceList

    try:
        rows = refresh_report_charges(session, ticket)
    except NoPriceList:
        return  # billing is not set up for this kind of ticket
    if not rows:
        return
    signature = _signature_attachment(ticket)
    if signature is not None and signoff_of(session, ticket.id) is None:
        contact = session.get(Contact, ticket.contact_id) if ticket.contact_id else None
        signer = contact.name if contact is not None else "customer"
        sign_report(
            session, actor, ticket, signer_name=signer, signature_attachment_id=signature,
            commit=False,
        )  # fmt: skip


def _signature_attachment(ticket: Ticket) -> int | None:
    value = (ticket.fields or {}).get("customer_signature")
    return (
        int(value)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit())
        else None
    )


@dataclass(frozen=True)
class StatementRow:
    """One ticket on a customer's statement."""

    ticket_id: int
    number: str
    subject: str
    first_charged: datetime
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    currency: str


def customer_statement(
    session: Session, customer_id: int, start: datetime, end: datetime
) -> tuple[list[StatementRow], Decimal]:
    """The customer's tickets charged in ``[start, end)`` with their totals, and the sum.

    One grouped query; tax per ticket on its subtotal (as on the ticket's own statement).
    """
    rows = session.execute(
        sa.select(
            Ticket.id, Ticket.number, Ticket.subject, ChargeLine.currency, ChargeLine.tax_rate,
            sa.func.min(ChargeLine.charged_on).label("first"),
            sa.func.sum(ChargeLine.amount).label("subtotal"),
        )
        .join(Ticket, Ticket.id == ChargeLine.ticket_id)
        .where(
            ChargeLine.customer_id == customer_id,
            ChargeLine.charged_on >= start, ChargeLine.charged_on < end,
        )
        .group_by(
            Ticket.id, Ticket.number, Ticket.subject, ChargeLine.currency, ChargeLine.tax_rate
        )
        .order_by(sa.func.min(ChargeLine.charged_on), Ticket.id)
    ).all()  # fmt: skip
    result = []
    for r in rows:
        subtotal = pricing.round_money(Decimal(r.subtotal))
        tax = pricing.round_money(subtotal * Decimal(r.tax_rate))
        result.append(
            StatementRow(
                r.id, r.number, r.subject, r.first, subtotal, tax, subtotal + tax, r.currency
            )
        )
    return result, sum((row.total for row in result), Decimal("0.00"))
