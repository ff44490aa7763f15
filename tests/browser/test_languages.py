"""The key pages in Chinese (the default) and in English after switching the language menu;
and stored HTML/JS in a request shown as text, never run.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from tests.browser.conftest import PHONE, Browser, LiveSite
from tests.browser.flow import open_ticket, submit_repair_request

from gongdan.db import db
from gongdan.tickets.models import Ticket

pytestmark = pytest.mark.browser

#: The demo's repair ticket with engineer 张工 on site at 瑞咖.
ON_SITE_SUBJECT = "门店咖啡机蒸汽棒漏水"

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


@pytest.fixture
def db_backend() -> str:
    """Only SQLite here: these pages read the same rows on every backend, and the repair
    flow test already runs on PostgreSQL too (keeping the browser tests under a minute)."""
    return "sqlite"


def _number(site: LiveSite, subject: str) -> str:
    with site.app.app_context():
        number = db.session.scalar(select(Ticket.number).where(Ticket.subject == subject))
    assert number is not None
    return number


def _switch_to_english(page: Any) -> None:
    """Pick English in the navigation bar's language menu (opening the collapsed bar first)."""
    toggler = page.locator(".navbar-toggler")
    if toggler.count() and toggler.is_visible():
        toggler.click()
    page.click(".navbar .dropdown-toggle")
    with page.expect_navigation():
        page.click(".dropdown-menu a[lang=en]")
    assert page.locator("html").get_attribute("lang") == "en"


def _texts(page: Any, selector: str) -> str:
    return " ".join(page.locator(selector).all_inner_texts())


def test_languages(browser: Browser, live_site: LiveSite) -> None:
    url = browser.url
    number = _number(live_site, ON_SITE_SUBJECT)

    customer = browser.person("ruika")
    customer.goto(f"{url}/portal/tickets/{number}")
    assert customer.locator("html").get_attribute("lang") == "zh-CN"
    assert customer.inner_text("[data-testid=request-status]") == "工程师现场处理中"
    assert "处理进度" in customer.inner_text("#timeline-card")
    browser.shot(customer, "01-portal-zh")
    _switch_to_english(customer)
    assert customer.url.endswith(f"/portal/tickets/{number}")
    assert customer.inner_text("[data-testid=request-status]") == "Engineer on site"
    assert "Progress" in customer.inner_text("#timeline-card")
    assert "Request details" in customer.inner_text("#details")
    customer.goto(f"{url}/portal")
    assert "My requests" in customer.inner_text("h1")
    assert customer.inner_text("[data-testid=new-request]").endswith("New request")
    browser.shot(customer, "02-portal-en")

    agent = browser.person("dispatcher")
    open_ticket(agent, url, number)
    assert agent.inner_text("#ticket-state") == "现场处理"
    assert "下一步" in agent.inner_text("#transitions") or "处理记录" in _texts(
        agent, ".card-header"
    )
    browser.shot(agent, "03-agent-zh")
    _switch_to_english(agent)
    assert agent.inner_text("#ticket-state") == "On site"
    assert "Timeline" in _texts(agent, ".card-header")
    browser.shot(agent, "04-agent-en")
    agent.goto(f"{url}/tickets")
    assert agent.inner_text("h1") == "Tickets"

    engineer = browser.person("engineer1", viewport=PHONE)
    engineer.goto(f"{url}/work/{number}")
    assert engineer.inner_text("[data-testid=ticket-state]") == "现场处理"
    assert engineer.inner_text("[data-testid=save-report]") == "保存报告"
    browser.shot(engineer, "05-work-zh")
    _switch_to_english(engineer)
    assert engineer.inner_text("[data-testid=ticket-state]") == "On site"
    assert engineer.inner_text("[data-testid=save-report]") == "Save the report"
    browser.shot(engineer, "06-work-en")
    engineer.goto(f"{url}/work")
    assert engineer.inner_text("h1") == "My work"
    assert "My availability" in engineer.inner_text("[data-testid=availability-form]")


def test_stored_script_is_shown_as_text(browser: Browser) -> None:
    url = browser.url
    customer = browser.person("ruika")
    number = submit_repair_request(customer, url, XSS)
    assert XSS in customer.inner_text("[data-testid=detail-symptom]")
    assert customer.evaluate("window.__xss") is None
    browser.shot(customer, "01-portal")

    agent = browser.person("dispatcher")
    open_ticket(agent, url, number)
    assert agent.inner_text("#ticket-subject") == XSS  # the subject is the symptom's start
    assert agent.input_value("#field-symptom") == XSS
    assert agent.evaluate("window.__xss") is None
    assert agent.locator("img[src=x]").count() == 0
    browser.shot(agent, "02-agent")
    agent.goto(f"{url}/tickets?queue=all")
    assert XSS in agent.inner_text(f"tr[data-ticket='{number}']")
    assert agent.evaluate("window.__xss") is None
    customer.goto(f"{url}/portal")
    assert XSS in customer.inner_text(f"[data-testid=request-{number}]")
    assert customer.evaluate("window.__xss") is None
