"""Quotes on the depot repair flow: built from the price list and the diagnosis, sent (the
ticket's quote_amount, the customer notified), approved or declined once — on the portal or by
an agent — and refused when expired or changed. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from gongdan_billing.charges import ticket_lines
from gongdan_billing.errors import InvalidAmount, QuoteChanged, QuoteExpired, QuoteNotOpen
from gongdan_billing.models import ChargeLine, Quote
from gongdan_billing.tasks import quote_sweep
from sqlalchemy.exc import IntegrityError
from tests.plugins.billing.factories import Shop, ticket

from gongdan.db import db, utcnow
from gongdan.notifications.models import NotificationOutbox
from gongdan_billing import quotes

D = Decimal


def _sent_quote(shop: Shop, asset: str = "out", fault: str = "e06_grinder_jam") -> tuple[str, int]:
    number = shop.depot_repair(asset, fault)
    shop.step(number, "engineer2", "quote")
    with shop.app.app_context():
        engineer = shop.site.user("engineer2")
        quote = quotes.prepare_quote(db.session, engineer, ticket(number))
        quotes.send_quote(db.session, engineer, quote.id)
        return number, quote.id


def _snapshot() -> tuple[list[tuple[object, ...]], int]:
    quotes_ = db.session.execute(sa.select(Quote.id, Quote.status).order_by(Quote.id)).all()
    lines = db.session.scalar(sa.select(sa.func.count()).select_from(ChargeLine)) or 0
    return [tuple(q) for q in quotes_], lines


def test_a_quote_is_priced_from_the_diagnosis_and_sent_to_the_customer(shop: Shop) -> None:
    number, quote_id = _sent_quote(shop)
    with shop.app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        # 1.5 h × 180 + (320 + 10 %) + (60 + 10 %) = 688.00; VAT 13 % = 89.44
        assert (quote.status, quote.subtotal, quote.tax, quote.total) == (
            "sent", D("688.00"), D("89.44"), D("777.44"),
        )  # fmt: skip
        assert [line["description"] for line in quote.lines] == [
            "senior", "P-BURR-64", "P-MOTOR-BRG",
        ]  # fmt: skip
        assert quote.valid_until == quote.sent_at + timedelta(days=14)
        current = ticket(number)
        assert current.state == "waiting_approval"
        assert D(str(current.fields["quote_amount"])) == D("777.44")
        sent = db.session.scalars(
            sa.select(NotificationOutbox.body).where(
                NotificationOutbox.ticket_id == current.id,
                NotificationOutbox.template_key == "quote_ready",
            )
        ).all()
        assert sent and all("777.44" in body for body in sent)


def test_the_engineer_can_quote_other_hours_and_parts(shop: Shop) -> None:
    number = shop.depot_repair("out")
    shop.step(number, "engineer2", "quote")
    with shop.app.app_context():
        quote = quotes.prepare_quote(
            db.session, shop.site.user("engineer2"), ticket(number), labour_hours="0.5",
            parts={"P-TUBE-SIL": "2.5"},
        )  # fmt: skip
        # 0.5 × 180 = 90.00; 2.5 m × 19.80 = 49.50; 139.50 × 13 % = 18.135 → 18.14
        assert (quote.subtotal, quote.tax, quote.total) == (D("139.50"), D("18.14"), D("157.64"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"labour_hours": "-1"}, "labour hours may not be negative"),
        ({"parts": {"P-BURR-64": "-2"}}, "quantity of P-BURR-64 may not be negative"),
        ({"parts": {"P-NOPE": "1"}}, "unknown part number"),
        ({"services": ["repaint"]}, "no fixed-price service 'repaint'"),
    ],
)
def test_bad_quote_input_is_refused_and_nothing_is_quoted(
    shop: Shop, kwargs: dict[str, object], message: str
) -> None:
    number = shop.depot_repair("out")
    with shop.app.app_context():
        with pytest.raises(InvalidAmount, match=message):
            quotes.prepare_quote(db.session, shop.site.user("engineer2"), ticket(number), **kwargs)
        db.session.rollback()
        assert _snapshot() == ([], 0)


def test_the_customer_approves_on_the_portal_and_the_quote_becomes_the_charges(
    shop: Shop,
) -> None:
    number, quote_id = _sent_quote(shop)
    client = shop.site.client("acme_user")
    page = client.get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert 'data-testid="approve-quote"' in page and "777.44" in page
    with shop.app.app_context():
        seen = db.session.get(Quote, quote_id).content_hash  # type: ignore[union-attr]
    response = client.post(
        f"/billing/quotes/{quote_id}/decide",
        data={"decision": "approve", "hash": seen, "place": "portal"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/portal/tickets/{number}#billing")
    with shop.app.app_context():
        current = ticket(number)
        assert current.state == "repairing"
        assert current.fields["quote_approved"] is True
        lines = ticket_lines(db.session, current.id)
        assert [(x.kind, x.amount, x.decision) for x in lines] == [
            ("labour", D("270.00"), "charged"),
            ("part", D("352.00"), "charged"),
            ("part", D("66.00"), "charged"),
        ]
        # Costs for the margin report: parts at unit cost, labour none.
        assert [x.cost for x in lines] == [D("0.00"), D("180.00"), D("25.00")]
    statement = client.get(f"/billing/tickets/{number}/statement").get_data(as_text=True)
    assert 'data-testid="statement-total"' in statement and "¥777.44" in statement

    # Approving twice: refused, nothing charged twice.
    again = client.post(
        f"/billing/quotes/{quote_id}/decide",
        data={"decision": "approve", "hash": seen, "place": "portal"},
        follow_redirects=True,
    )
    assert "was approved already" in again.get_data(as_text=True)
    with shop.app.app_context():
        assert len(ticket_lines(db.session, ticket(number).id)) == 3


def test_an_expired_quote_cannot_be_approved(shop: Shop) -> None:
    number, quote_id = _sent_quote(shop)
    with shop.app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None and quote.valid_until is not None
        later = quote.valid_until + timedelta(minutes=1)
        with pytest.raises(QuoteExpired, match="expired on"):
            quotes.decide_quote(
                db.session, shop.site.user("acme_user"), quote_id, approve=True,
                seen_hash=quote.content_hash, now=later,
            )  # fmt: skip
        db.session.rollback()
        assert ticket(number).state == "waiting_approval"
        assert _snapshot() == ([(quote_id, "sent")], 0)


def test_a_quote_changed_since_it_was_sent_or_seen_cannot_be_approved(shop: Shop) -> None:
    number, quote_id = _sent_quote(shop)
    with shop.app.app_context():
        customer = shop.site.user("acme_user")
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        with pytest.raises(QuoteChanged, match="changed since you saw it"):
            quotes.decide_quote(db.session, customer, quote_id, approve=True, seen_hash="0" * 64)
        db.session.rollback()
        # Someone lowers a line in the database after sending: the fingerprint no longer fits.
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        tampered = [dict(line) for line in quote.lines]
        tampered[0]["amount"] = "1.00"
        quote.lines = tampered
        db.session.commit()
        with pytest.raises(QuoteChanged, match="does not add up"):
            quotes.decide_quote(
                db.session, customer, quote_id, approve=True, seen_hash=quote.content_hash
            )
        db.session.rollback()
        assert ticket(number).state == "waiting_approval"
        assert _snapshot()[1] == 0


def test_a_new_quote_replaces_the_sent_one_which_can_no_longer_be_approved(shop: Shop) -> None:
    number, first_id = _sent_quote(shop)
    with shop.app.app_context():
        first = db.session.get(Quote, first_id)
        assert first is not None
        seen = first.content_hash
        second = quotes.prepare_quote(
            db.session, shop.site.user("engineer2"), ticket(number), labour_hours="1"
        )
        assert second.revision == 2
        with pytest.raises(QuoteNotOpen, match="was superseded already"):
            quotes.decide_quote(
                db.session, shop.site.user("acme_user"), first_id, approve=True, seen_hash=seen
            )


def test_declining_returns_the_machine_and_charges_the_diagnosis_fee(shop: Shop) -> None:
    number, quote_id = _sent_quote(shop)
    agent = shop.site.client("agent")
    with shop.app.app_context():
        seen = db.session.get(Quote, quote_id).content_hash  # type: ignore[union-attr]
    response = agent.post(
        f"/billing/quotes/{quote_id}/decide",
        data={"decision": "decline", "hash": seen, "comment": "太贵了"},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.get_data(as_text=True)[-3000:]
    assert "The quote is declined" in response.get_data(as_text=True)
    with shop.app.app_context():
        current = ticket(number)
        assert current.state == "shipping"  # decline_quote: return unrepaired
        assert current.fields["quote_approved"] is False
        [fee] = ticket_lines(db.session, current.id)
        assert (fee.kind, fee.amount, fee.decision) == ("diagnosis_fee", D("80.00"), "charged")
    statement = agent.get(f"/billing/tickets/{number}/statement").get_data(as_text=True)
    assert "¥90.40" in statement  # 80.00 + 13 % VAT


def test_another_customer_cannot_see_or_decide_the_quote(shop: Shop) -> None:
    number, quote_id = _sent_quote(shop)
    beta = shop.site.client("beta_user")
    assert beta.get(f"/portal/tickets/{number}").status_code == 404
    assert (
        beta.post(
            f"/billing/quotes/{quote_id}/decide", data={"decision": "approve", "hash": "x"}
        ).status_code
        == 404
    )
    with shop.app.app_context():
        assert ticket(number).state == "waiting_approval"


def test_the_database_refuses_a_second_line_for_the_same_source(shop: Shop) -> None:
    number, quote_id = _sent_quote(shop)
    with shop.app.app_context():
        row = {"ticket_id": ticket(number).id, "source": "labour", "kind": "labour",
               "description": "x", "quantity": D("1"), "unit_price": D("1"),
               "list_amount": D("1"), "decision": "charged", "rule": "list_price",
               "discount_percent": D("0"), "amount": D("1"), "cost": D("0"),
               "tax_rate": D("0"), "currency": "CNY", "price_list": "standard",
               "charged_on": utcnow()}  # fmt: skip
        db.session.execute(sa.insert(ChargeLine), [row])
        with pytest.raises(IntegrityError):
            db.session.execute(sa.insert(ChargeLine), [row])
        db.session.rollback()
        with pytest.raises(IntegrityError):  # and a negative amount
            db.session.execute(sa.insert(ChargeLine), [{**row, "amount": D("-1")}])
        db.session.rollback()


def test_the_sweep_expires_unanswered_quotes_once_and_staff_see_it(shop: Shop) -> None:
    number, quote_id = _sent_quote(shop)
    with shop.app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None and quote.valid_until is not None
        valid_until = quote.valid_until
        assert quote_sweep(valid_until) == {"expired": 0}  # valid to the minute
        later = valid_until + timedelta(minutes=1)
        assert quote_sweep(later) == {"expired": 1}
        assert quote_sweep(later) == {"expired": 0}
        assert _snapshot() == ([(quote_id, "expired")], 0)
        assert ticket(number).state == "waiting_approval"  # someone follows it up
        expired = [e for e in ticket(number).events if e.kind == "billing.quote_expired"]
        assert len(expired) == 1 and not expired[0].public
        with pytest.raises(QuoteExpired, match="expired unanswered"):
            quotes.decide_quote(
                db.session, shop.site.user("acme_user"), quote_id, approve=True,
                seen_hash=quote.content_hash,
            )  # fmt: skip
        db.session.rollback()
        # A new quote can be sent.
        engineer = shop.site.user("engineer2")
        again = quotes.prepare_quote(db.session, engineer, ticket(number))
        assert again.revision == 2 and again.status == "draft"
    page = shop.site.client("agent", language="zh_CN").get(f"/tickets/{number}")
    assert "报价逾期未答复，已失效" in page.get_data(as_text=True)


def test_the_portal_says_when_a_quote_expired_and_offers_no_approval(shop: Shop) -> None:
    number, quote_id = _sent_quote(shop)
    with shop.app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None and quote.sent_at is not None
        quote.valid_until = quote.sent_at - timedelta(minutes=1)
        db.session.commit()
    page = shop.site.client("acme_user").get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert 'data-testid="quote-expired"' in page and "ask for a new one" in page
    assert 'data-testid="approve-quote"' not in page
