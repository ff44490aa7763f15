"""Revenue and cost by month, region, customer, engineer and product, in SQL, against a
hand-computed set. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from gongdan_billing.models import ChargeLine
from tests.plugins.billing.factories import Shop, ticket

from gongdan.db import db, utcnow
from gongdan_billing import quotes, reports

D = Decimal


@pytest.fixture
def charged(shop: Shop) -> Shop:
    """acme: the approved grinder quote (engineer2, gr_64): revenue 688.00, cost 205.00,
    list 688.00; beta: the premium-contract grinder repair (engineer2, gr_64): revenue 246.40,
    cost 180.00, list 622.00 (labour 270 free, burr 352 at 70 %). One of beta's lines is moved
    to the previous month."""
    number = shop.depot_repair("out")
    shop.step(number, "engineer2", "quote")
    with shop.app.app_context():
        engineer = shop.site.user("engineer2")
        quote = quotes.prepare_quote(db.session, engineer, ticket(number))
        quotes.send_quote(db.session, engineer, quote.id)
        quotes.decide_quote(
            db.session, shop.site.user("acme_user"), quote.id, approve=True,
            seen_hash=quote.content_hash,
        )  # fmt: skip
    contract = shop.depot_repair("premium")
    shop.step(contract, "engineer2", "repair_under_cover")
    shop.step(contract, "engineer2", "repair_done", work_done="换刀",
              parts_used=[{"part_no": "P-BURR-64", "quantity": 1}])  # fmt: skip
    with shop.app.app_context():
        db.session.execute(
            sa.update(ChargeLine)
            .where(ChargeLine.ticket_id == ticket(contract).id, ChargeLine.kind == "labour")
            .values(charged_on=_first_of_month() - timedelta(days=3))
        )
        db.session.commit()
    return shop


def _first_of_month() -> datetime:
    now = utcnow()
    return datetime(now.year, now.month, 1, 12, tzinfo=UTC)


def _rows(by: str) -> list[tuple[str, int, int, Decimal, Decimal, Decimal]]:
    start, end = utcnow() - timedelta(days=90), utcnow() + timedelta(days=1)
    return [
        (r.group, r.tickets, r.lines, r.list_value, r.revenue, r.cost)
        for r in reports.revenue(db.session, start=start, end=end, by=by)
    ]


def test_revenue_by_customer_region_engineer_and_product(charged: Shop) -> None:
    with charged.app.app_context():
        assert _rows("customer") == [
            ("Acme 咖啡", 1, 3, D("688.00"), D("688.00"), D("205.00")),
            ("Beta Tea", 1, 2, D("622.00"), D("246.40"), D("180.00")),
        ]
        assert _rows("region") == [("", 2, 5, D("1310.00"), D("934.40"), D("385.00"))]
        assert _rows("engineer") == [("engineer2 名", 2, 5, D("1310.00"), D("934.40"), D("385.00"))]
        assert _rows("product") == [("gr_64", 2, 5, D("1310.00"), D("934.40"), D("385.00"))]


def test_revenue_by_month_puts_each_line_in_its_month(charged: Shop) -> None:
    this = _first_of_month()
    previous = this - timedelta(days=3)
    with charged.app.app_context():
        assert _rows("month") == [
            (f"{previous:%Y-%m}", 1, 1, D("270.00"), D("0.00"), D("0.00")),
            (f"{this:%Y-%m}", 2, 4, D("1040.00"), D("934.40"), D("385.00")),
        ]


def test_the_report_page_is_for_managers_and_refuses_bad_parameters(charged: Shop) -> None:
    with charged.app.app_context():
        from gongdan.accounts.models import User

        manager = User(username="boss", display_name="boss", role="manager")
        manager.set_password("correct horse")
        db.session.add(manager)
        db.session.commit()
    page = charged.site.client("boss").get("/billing/reports?by=customer")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-group="Acme 咖啡"' in html and "¥934.40" in html
    assert charged.site.client("boss").get("/billing/reports?by=colour").status_code == 400
    assert charged.site.client("boss").get("/billing/reports?start=yesterday").status_code == 400
    assert charged.site.client("agent").get("/billing/reports").status_code == 403
    # The navigation bar offers the report to managers only.
    assert 'href="/billing/reports"' in html
    agents_page = charged.site.client("agent").get("/tickets").get_data(as_text=True)
    assert 'href="/billing/reports"' not in agents_page
