"""Quotes: prepared from the price list and the diagnosis, sent, approved or declined.

Sending and deciding are workflow transitions taken through the core's ticket service
(``send_quote`` sets ``quote_amount`` and the core's ``quote_ready`` notification tells the
customer; ``approve_quote`` / ``decline_quote`` set ``quote_approved``), in the same
transaction as the quote's own change: either both happen or neither does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.accounts.policy import is_staff
from gongdan.db import utcnow
from gongdan.tickets import services as ticket_services
from gongdan.tickets.events import record_event
from gongdan.tickets.models import Ticket
from gongdan.tickets.transaction import ticket_transaction
from gongdan_billing import pricing
from gongdan_billing.charges import add_charge_lines
from gongdan_billing.errors import NotAllowed, QuoteChanged, QuoteExpired, QuoteNotOpen
from gongdan_billing.models import Quote
from gongdan_billing.pricing import PricedLine
from gongdan_billing.services import pricing_for, quote_items

#: The depot repair flow's transitions (definitions/after_sales/workflows/depot_repair_flow.yaml).
TRANSITIONS = {"send": "send_quote", "approve": "approve_quote", "decline": "decline_quote"}
#: The ticket event an expired quote records (titled by the plugin's gongdan_event_titles).
EXPIRED_EVENT = "billing.quote_expired"
#: At most this many quotes are expired per sweep (the next one does the rest).
EXPIRY_BATCH = 500
#: Who prepares and sends quotes.
QUOTING_ROLES = frozenset({"engineer", "service_manager", "manager", "admin"})


def _transition(name: str) -> str:
    configured = current_app.config.get("BILLING_QUOTE_TRANSITIONS") or {}
    return str(configured.get(name, TRANSITIONS[name]))


def open_quote(session: Session, ticket_id: int) -> Quote | None:
    """The ticket's draft or sent quote, if any."""
    return session.scalar(
        sa.select(Quote).where(Quote.ticket_id == ticket_id, Quote.status.in_(("draft", "sent")))
    )


def latest_quote(session: Session, ticket_id: int) -> Quote | None:
    """The ticket's most recent quote, whatever its status."""
    return session.scalar(
        sa.select(Quote).where(Quote.ticket_id == ticket_id).order_by(Quote.revision.desc())
    )


def quote_lines(quote: Quote) -> list[PricedLine]:
    """The quote's stored lines (without the cost kept beside each)."""
    return _stored_lines(quote)


def prepare_quote(
    session: Session,
    actor: User,
    ticket: Ticket,
    *,
    labour_hours: object = None,
    parts: dict[str, object] | None = None,
    services: list[str] | None = None,
) -> Quote:
    """A new draft quote for ``ticket`` (replacing a draft or sent one), priced now (commits).

    :raises NotAllowed: not a quoting role, or the ticket has an approved quote.
    :raises InvalidAmount: bad hours or quantities, unknown parts or services.
    :raises NoPriceList: no price list applies.
    """
    if actor.role not in QUOTING_ROLES:
        raise NotAllowed(f"a {actor.role} may not prepare quotes")
    approved = session.scalar(
        sa.select(Quote.id).where(Quote.ticket_id == ticket.id, Quote.status == "approved")
    )
    if approved is not None:
        raise NotAllowed(f"ticket {ticket.number} has an approved quote; it is final")
    chosen = pricing_for(session, ticket)
    items = quote_items(
        session, ticket, chosen.price_list, labour_hours=labour_hours, parts=parts,
        services=services,
    )  # fmt: skip
    lines = chosen.price(i.item for i in items)
    sums = pricing.totals(lines, chosen.price_list.tax_rate)
    previous = latest_quote(session, ticket.id)
    session.execute(
        sa.update(Quote)
        .where(Quote.ticket_id == ticket.id, Quote.status.in_(("draft", "sent")))
        .values(status="superseded")
    )
    quote = Quote(
        ticket_id=ticket.id,
        revision=(previous.revision + 1) if previous else 1,
        status="draft",
        price_list=chosen.price_list.key,
        currency=chosen.price_list.currency,
        tax_rate=chosen.price_list.tax_rate,
        lines=[
            {**line.as_json(), "cost": str(item.cost)}
            for line, item in zip(lines, items, strict=True)
        ],
        subtotal=sums.subtotal,
        tax=sums.tax,
        total=sums.total,
        content_hash=pricing.content_hash(lines, sums, chosen.price_list.currency),
        created_by_id=actor.id,
    )
    session.add(quote)
    session.commit()
    return quote


def _costs(quote: Quote) -> list[Decimal]:
    return [Decimal(str(line.get("cost", "0"))) for line in quote.lines or ()]


def _stored_lines(quote: Quote) -> list[PricedLine]:
    return [
        PricedLine.from_json({k: v for k, v in line.items() if k != "cost"})
        for line in quote.lines or ()
    ]


def verify(quote: Quote) -> None:
    """The stored lines and totals still hash to what was quoted.

    :raises QuoteChanged: they do not.
    """
    lines = _stored_lines(quote)
    sums = pricing.totals(lines, Decimal(quote.tax_rate))
    if sums.total != quote.total or pricing.content_hash(lines, sums, quote.currency) != (
        quote.content_hash
    ):
        raise QuoteChanged(f"quote {quote.id} does not add up to what was quoted any more")


def send_quote(
    session: Session, actor: User, quote_id: int, *, now: datetime | None = None
) -> Quote:
    """Send the draft quote: valid for the list's ``quote_valid_days``; the ticket takes
    ``send_quote`` with ``quote_amount`` = the total (commits; the core notifies the customer).

    :raises QuoteNotOpen: the quote is not a draft. :raises TransitionNotAllowed: as the core.
    """
    quote = session.get(Quote, quote_id, populate_existing=True)
    if quote is None or quote.status != "draft":
        raise QuoteNotOpen(f"quote {quote_id} is not a draft that can be sent")
    if actor.role not in QUOTING_ROLES:
        raise NotAllowed(f"a {actor.role} may not send quotes")
    verify(quote)
    ticket = session.get(Ticket, quote.ticket_id)
    assert ticket is not None
    days = pricing_for(session, ticket).price_list.quote_valid_days
    sent = now or utcnow()
    quote.status, quote.sent_at = "sent", sent
    quote.valid_until = sent + timedelta(days=days)
    ticket_services.run_transition(
        session, actor, ticket.id, _transition("send"), expected_version=ticket.version,
        fields={"quote_amount": str(quote.total)},
    )  # fmt: skip
    return quote


def decide_quote(
    session: Session,
    actor: User,
    quote_id: int,
    *,
    approve: bool,
    seen_hash: str,
    comment: str | None = None,
    now: datetime | None = None,
) -> Quote:
    """The customer (or an agent for them) approves or declines the sent quote.

    Approving makes the quote's lines the ticket's charge lines; declining charges the list's
    diagnosis fee, if it has one. Either way the ticket takes its transition (commits).

    :raises QuoteNotOpen: decided already (approving twice) or replaced.
    :raises QuoteExpired: past ``valid_until``.
    :raises QuoteChanged: ``seen_hash`` is not the quote's, or the ticket's ``quote_amount`` is
        not its total (the quote changed since it was sent or shown).
    """
    quote = session.get(Quote, quote_id, populate_existing=True)
    if quote is None:
        raise QuoteNotOpen(f"there is no quote {quote_id}")
    ticket = session.get(Ticket, quote.ticket_id)
    assert ticket is not None
    if actor.role == "customer" and actor.customer_id != ticket.customer_id:
        raise NotAllowed("this quote is for another customer")
    if actor.role != "customer" and not is_staff(actor):
        raise NotAllowed(f"a {actor.role} may not decide quotes")
    if quote.status == "expired":
        raise QuoteExpired(
            f"quote {quote.revision} of {ticket.number} expired unanswered; ask for a new quote"
        )
    if quote.status != "sent":
        raise QuoteNotOpen(
            f"quote {quote.revision} of {ticket.number} was {quote.status} already; nothing changed"
        )
    moment = now or utcnow()
    if quote.valid_until is not None and moment > quote.valid_until:
        raise QuoteExpired(
            f"quote {quote.revision} of {ticket.number} expired on"
            f" {quote.valid_until:%Y-%m-%d %H:%M} UTC; ask for a new quote"
        )
    if seen_hash != quote.content_hash:
        raise QuoteChanged(f"quote {quote.revision} of {ticket.number} changed since you saw it")
    verify(quote)
    if _amount(ticket) != quote.total:
        raise QuoteChanged(
            f"the amount sent for {ticket.number} ({_amount(ticket)}) is not this quote's"
            f" total ({quote.total}); nothing changed"
        )
    with ticket_transaction(session):  # the quote, its charges and the ticket: all or nothing
        _decide(session, actor, quote, ticket, approve=approve, moment=moment)
        ticket_services.update_fields(
            session, actor, ticket.id, changes={"quote_approved": approve},
            expected_version=ticket.version,
        )  # fmt: skip
        ticket_services.run_transition(
            session, actor, ticket.id, _transition("approve" if approve else "decline"),
            expected_version=ticket.version, comment=comment,
        )  # fmt: skip
    session.refresh(quote)
    return quote


def expire_quotes(
    session: Session, now: datetime | None = None, *, batch: int = EXPIRY_BATCH
) -> list[str]:
    """Mark sent quotes past their validity ``expired`` and tell staff on each ticket's timeline
    (commits per quote); the ticket numbers, oldest expiry first.

    The ticket stays waiting for approval: someone calls the customer or sends a new quote. A
    conditional update makes a concurrent approval or a second sweep find the quote decided.
    """
    moment = now or utcnow()
    due = session.execute(
        sa.select(Quote.id, Quote.ticket_id)
        .where(Quote.status == "sent", Quote.valid_until < moment)
        .order_by(Quote.valid_until)
        .limit(batch)
    ).all()
    session.rollback()
    numbers = []
    for quote_id, ticket_id in due:
        with ticket_transaction(session):
            done = session.execute(
                sa.update(Quote)
                .where(Quote.id == quote_id, Quote.status == "sent")
                .values(status="expired")
            ).rowcount
            if not done:
                continue
            ticket = session.get(Ticket, ticket_id)
            assert ticket is not None
            quote = session.get(Quote, quote_id, populate_existing=True)
            assert quote is not None
            record_event(
                session, ticket, EXPIRED_EVENT, None,
                {"quote": quote.revision, "total": str(quote.total),
                 "reason": f"valid until {quote.valid_until:%Y-%m-%d %H:%M} UTC"},
                public=False,
            )  # fmt: skip
            numbers.append(ticket.number)
    return numbers


def _decide(
    session: Session, actor: User, quote: Quote, ticket: Ticket, *, approve: bool, moment: datetime
) -> None:
    """Mark the quote decided and make its charge lines, in the caller's transaction."""
    # A conditional UPDATE: of two concurrent approvals exactly one finds the quote still sent.
    status = "approved" if approve else "declined"
    done = session.execute(
        sa.update(Quote)
        .where(Quote.id == quote.id, Quote.status == "sent")
        .values(status=status, decided_at=moment, decided_by_id=actor.id)
    )
    if done.rowcount != 1:
        raise QuoteNotOpen(f"quote {quote.revision} of {ticket.number} was decided already")
    chosen = pricing_for(session, ticket)
    if approve:
        items = [
            (line, cost) for line, cost in zip(_stored_lines(quote), _costs(quote), strict=True)
        ]
        add_charge_lines(session, ticket, items, chosen.price_list, quote_id=quote.id)
    else:
        fee = pricing.diagnosis_fee_item(chosen.price_list)
        if fee is not None:
            add_charge_lines(
                session, ticket, [(line, Decimal("0")) for line in chosen.price([fee])],
                chosen.price_list, quote_id=quote.id,
            )  # fmt: skip


def _amount(ticket: Ticket) -> Decimal | None:
    value = (ticket.fields or {}).get("quote_amount")
    try:
        return pricing.round_money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None
