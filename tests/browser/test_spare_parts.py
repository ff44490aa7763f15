"""Browser test: on the phone, an engineer takes a steam valve from the van, tries a bad
quantity, uses the part by its serial number and sends the faulty one back (spare parts plugin).

The served app loads the installed plugins, its pack and demo (``gongdan init --demo`` does the
same), on top of the default pack and the core demo.
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

#: The core demo's on-site repair of engineer1.
STEAM_LEAK = "门店咖啡机蒸汽棒漏水"


@pytest.fixture
def live_site(make_app: Callable[..., Flask], db_backend: str) -> Iterator[LiveSite]:
    """As tests/browser's live site, with the installed plugins, their packs and demo data."""
    plugin = pytest.importorskip("gongdan_spare_parts.plugin")
    with serving(make_app(WTF_CSRF_ENABLED=True, GONGDAN_LOAD_PLUGINS=True), [plugin]) as site:
        yield site


def test_an_engineer_uses_a_part_from_the_van_and_returns_the_faulty_one(
    browser: Browser, live_site: LiveSite
) -> None:
    with live_site.app.app_context():
        number = db.session.scalar(sa.select(Ticket.number).where(Ticket.subject == STEAM_LEAK))
    engineer = browser.person("engineer1", viewport=PHONE, language="zh_CN")
    engineer.goto(f"{browser.url}/work/{number}")
    panel = engineer.locator("#spare-parts")
    panel.scroll_into_view_if_needed()
    expect(panel.locator('#van-stock li[data-part="P-STEAM-VLV"]')).to_be_visible()
    browser.shot(engineer, "01-phone-van-stock")

    # A steam valve is counted in whole units: 1.5 is refused and nothing is requested.
    engineer.fill("#part-number", "P-STEAM-VLV")
    engineer.fill("#part-quantity", "1.5")
    engineer.click('[data-testid="request-part"]')
    expect(engineer.locator("main")).to_contain_text("P-STEAM-VLV is counted in whole units")
    expect(engineer.locator("#no-part-lines")).to_be_visible()
    browser.shot(engineer, "02-bad-quantity")

    engineer.fill("#part-number", "P-STEAM-VLV")
    engineer.fill("#part-quantity", "1")
    engineer.click('[data-testid="request-part"]')
    line = engineer.locator('tr[data-testid^="part-line-"]')
    expect(line).to_have_attribute("data-status", "reserved")
    expect(line).to_contain_text("VAN-ENG1")
    line_id = line.get_attribute("data-testid").rsplit("-", 1)[1]
    browser.shot(engineer, "03-reserved-from-van")

    engineer.fill(f'[data-testid="serial-{line_id}"]', "SV-24-0007")
    engineer.click(f'[data-testid="consume-{line_id}"]')
    expect(line).to_have_attribute("data-status", "consumed")
    expect(line).to_contain_text("已消耗")

    engineer.fill(f'[data-testid="faulty-serial-{line_id}"]', "SV-22-9913")
    engineer.click(f'[data-testid="return_faulty-{line_id}"]')
    expect(line).to_contain_text("故障件已退回")
    # The valve left the van: it is no longer listed.
    expect(engineer.locator('#van-stock li[data-part="P-STEAM-VLV"]')).to_have_count(0)
    browser.shot(engineer, "04-used-and-faulty-returned")
