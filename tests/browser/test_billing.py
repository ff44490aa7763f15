"""Browser test (billing plugin): the customer opens the out-of-warranty depot repair waiting
for their answer on the portal, approves the quote, and the statement shows the total.

The served app loads the installed plugins, their packs and the billing demo on top of the
default pack and the core demo (``gongdan init --demo`` does the same). SQLite only: the
quote and statement services are tested on both databases in tests/plugins/billing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect
from tests.browser.conftest import PHONE, Browser, LiveSite, serving

from gongdan.db import db
from gongdan.tickets.models import Ticket

pytestmark = pytest.mark.browser


@pytest.fixture
def db_backend() -> str:
    """Only SQLite (see the module docstring)."""
    return "sqlite"


@pytest.fixture
def live_site(make_app: Callable[..., Flask], db_backend: str) -> Iterator[LiveSite]:
    """As tests/browser's live site, with the billing plugin's pack and demo."""
    plugin = pytest.importorskip("gongdan_billing.plugin")
    pytest.importorskip("gongdan_spare_parts", reason="the demo quotes catalogue parts")
    with serving(make_app(WTF_CSRF_ENABLED=True, GONGDAN_LOAD_PLUGINS=True), [plugin]) as site:
        yield site


def test_the_customer_approves_the_quote_on_the_portal_and_sees_the_statement(
    browser: Browser, live_site: LiveSite
) -> None:
    from gongdan_billing.demo import WAITING_SUBJECT

    with live_site.app.app_context():
        number = db.session.scalar(
            sa.select(Ticket.number).where(Ticket.subject == WAITING_SUBJECT)
        )
    customer = browser.person("shuwei", viewport=PHONE, language="zh_CN")
    customer.goto(f"{browser.url}/portal/tickets/{number}")
    quote = customer.locator("#quote")
    quote.scroll_into_view_if_needed()
    expect(quote).to_have_attribute("data-status", "sent")
    # 1 h × ¥180 + 2 m × ¥19.80 = ¥219.60; VAT 13 % = ¥28.548 → ¥28.55; ¥248.15.
    expect(customer.locator('[data-testid="quote-totals-total"]')).to_have_text("¥248.15")
    expect(customer.locator('#quote-lines [data-testid="line"]')).to_have_count(2)
    browser.shot(customer, "01-quote-on-the-portal")

    customer.click('[data-testid="approve-quote"]')
    expect(customer.locator("#quote")).to_have_attribute("data-status", "approved")
    expect(customer.locator("#request-status")).to_have_text("维修中")
    expect(customer.locator('[data-testid="charges-totals-total"]')).to_have_text("¥248.15")
    expect(customer.locator("#sign-form")).to_have_count(0)  # signed once the repair is done
    browser.shot(customer, "02-approved-charges")

    with customer.expect_popup() as popup:
        customer.click('[data-testid="statement-link"]')
    statement = popup.value
    expect(statement.locator('[data-testid="statement-total"]')).to_have_text("¥248.15")
    expect(statement.locator('#statement-lines [data-testid="line"]')).to_have_count(2)
    expect(statement.locator("#statement")).to_contain_text("按价目表收费")
    browser.shot(statement, "03-statement")
