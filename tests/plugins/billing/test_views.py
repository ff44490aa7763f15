"""The billing panel on the agent's and engineer's pages: an engineer prices a quote from the
diagnosis and sends it, bad input is refused with its reason, customers never see the staff
panel."""

from __future__ import annotations

import re

from gongdan_billing.models import Quote
from tests.plugins.billing.factories import Shop, ticket

from gongdan.db import db


def _flash(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'class="alert[^"]*"[^>]*>([^<]*)', html) if m.strip()]


def test_an_engineer_prices_and_sends_a_quote_from_the_ticket_page(shop: Shop) -> None:
    number = shop.depot_repair("out")
    shop.step(number, "engineer2", "quote")
    engineer = shop.site.client("engineer2")
    page = engineer.get(f"/work/{number}").get_data(as_text=True)
    assert 'id="prepare-quote-form"' in page

    refused = engineer.post(
        f"/billing/tickets/{number}/quote",
        data={"labour_hours": "-3", "place": "engineer"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "labour hours may not be negative, not &#39;-3&#39;" in " ".join(_flash(refused))
    with shop.app.app_context():
        assert db.session.query(Quote).count() == 0

    priced = engineer.post(
        f"/billing/tickets/{number}/quote", data={"place": "engineer"}, follow_redirects=True
    ).get_data(as_text=True)
    assert 'data-testid="quote-totals-total">¥777.44' in priced
    assert 'data-testid="send-quote"' in priced
    with shop.app.app_context():
        quote_id = db.session.query(Quote.id).scalar()
    sent = engineer.post(
        f"/billing/quotes/{quote_id}/send", data={"place": "engineer"}, follow_redirects=True
    )
    assert "The quote was sent to the customer." in sent.get_data(as_text=True)
    with shop.app.app_context():
        assert ticket(number).state == "waiting_approval"

    agent_page = shop.site.client("agent").get(f"/tickets/{number}").get_data(as_text=True)
    assert 'id="billing"' in agent_page and 'data-testid="approve-quote"' in agent_page


def test_the_staff_panel_is_not_shown_to_customers_before_a_quote(shop: Shop) -> None:
    number = shop.depot_repair("out")
    page = shop.site.client("acme_user").get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert 'id="billing"' not in page


def test_admin_lists_quotes_charges_and_sign_offs_read_only(shop: Shop) -> None:
    from gongdan.accounts.models import User

    number = shop.depot_repair("in", "e05_brew_unit")
    shop.step(number, "engineer2", "repair_under_cover")
    shop.step(number, "engineer2", "repair_done", work_done="换冲煮单元",
              parts_used=[{"part_no": "P-BREW-UNIT", "quantity": 1}])  # fmt: skip
    with shop.app.app_context():
        boss = User(username="root", display_name="root", role="admin")
        boss.set_password("correct horse")
        db.session.add(boss)
        db.session.commit()
    admin = shop.site.client("root")
    for endpoint in ("bl_quotes", "bl_charge_lines", "bl_signoffs"):
        assert admin.get(f"/admin/{endpoint}/").status_code == 200, endpoint
    lines = admin.get("/admin/bl_charge_lines/").get_data(as_text=True)
    assert "P-BREW-UNIT" in lines and "warranty" in lines
    assert admin.get("/admin/bl_charge_lines/new/").status_code in (302, 403, 404)
