"""Browser test (PM plugin): the demo's quarterly visit, generated within its lead time, is on
engineer1's phone work list; the dispatcher finds it on the PM calendar and on the machine's
page with its next visit.

The served app loads the installed plugins, the PM pack and demo (``gongdan init --demo`` does
the same), on top of the default pack and the core demo. SQLite only: generation is tested on
both databases in tests/plugins/pm.
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
    """As tests/browser's live site, with the PM plugin's pack and demo, routing and SLA on."""
    plugin = pytest.importorskip("gongdan_pm.plugin")
    app = make_app(
        WTF_CSRF_ENABLED=True, GONGDAN_LOAD_PLUGINS=True, GONGDAN_AUTO_ROUTING=True,
        GONGDAN_SLA=True,
    )  # fmt: skip
    with serving(app, [plugin]) as site:
        yield site


def test_the_engineer_finds_the_generated_pm_visit_among_their_work(
    browser: Browser, live_site: LiveSite
) -> None:
    with live_site.app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.type_key == "pm_visit"))
        assert ticket is not None
        number, asset_id, due = ticket.number, ticket.asset_id, ticket.fields["pm_due_date"]

    engineer = browser.person("engineer1", viewport=PHONE, language="zh_CN")
    engineer.goto(f"{browser.url}/work")
    card = engineer.locator(f'[data-testid="work-{number}"]')
    expect(card).to_be_visible()
    expect(card).to_contain_text("全保合同季度保养")
    browser.shot(engineer, "01-phone-work-list")
    engineer.click(f'[data-testid="open-{number}"]')
    expect(engineer.locator("main")).to_contain_text("ES3-2509-00077")
    browser.shot(engineer, "02-phone-pm-visit")

    dispatcher = browser.person("dispatcher", language="zh_CN")
    dispatcher.goto(f"{browser.url}/pm/calendar?month={due[:8]}01")
    entry = dispatcher.locator(
        f'#pm-calendar td[data-day="{due}"] .pm-entry[data-ticket="{number}"]'
    )
    expect(entry).to_contain_text("张工")  # engineer1, the nearest field engineer
    browser.shot(dispatcher, "03-pm-calendar")

    dispatcher.goto(f"{browser.url}/assets/{asset_id}")
    panel = dispatcher.locator("#pm-panel")
    expect(panel.locator(f'#pm-visits tr[data-due="{due}"][data-status="open"]')).to_contain_text(
        number
    )
    expect(panel.locator('#pm-schedules tr[data-plan="premium_quarterly"]')).to_be_visible()
    browser.shot(dispatcher, "04-asset-pm-panel")
