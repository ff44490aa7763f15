"""The knowledge base in a real browser, on the demo data (issue 7's "Done when")."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.browser.conftest import Browser, LiveSite

from gongdan.db import db
from gongdan.knowledge.models import KbArticle
from gongdan.tickets.models import Ticket

pytestmark = pytest.mark.browser


def test_agent_sees_a_highlighted_suggestion_while_typing_a_symptom(browser: Browser) -> None:
    agent = browser.person("agent1")
    agent.goto(f"{browser.url}/tickets/new?type=repair")
    assert agent.locator("#kb-suggestions").is_hidden()
    agent.locator("#field-symptom").press_sequentially("咖啡机不出水", delay=30)
    first = agent.locator("#kb-suggestions .kb-suggestion").first
    first.wait_for()
    assert agent.locator("#kb-suggestions").is_visible()
    assert "不出水" in first.locator(".kb-title").inner_text()
    marked = agent.locator("#kb-suggestions mark").all_inner_texts()
    assert any("出水" in text for text in marked), marked
    assert agent.locator("#kb-suggestions .kb-suggestion").count() <= 5
    assert first.locator(".kb-open").get_attribute("href", timeout=1000).startswith("/kb/")
    browser.shot(agent, "01-agent-suggestion")
    agent.locator("#field-symptom").fill("蒸汽棒漏水")
    agent.wait_for_function(
        "() => document.querySelector('#kb-suggestions .kb-title').textContent.includes('漏水')"
    )
    browser.shot(agent, "02-agent-suggestion-leak")


def test_customer_sees_public_suggestions_and_is_helped_without_a_request(
    browser: Browser, live_site: LiveSite
) -> None:
    customer = browser.person("ruika")
    customer.goto(f"{browser.url}/portal/new?type=repair")
    customer.locator("#field-symptom").press_sequentially("漏水", delay=30)
    customer.locator("#kb-suggestions .kb-suggestion").first.wait_for()
    titles = customer.locator("#kb-suggestions .kb-title").all_inner_texts()
    assert any("漏水" in t for t in titles), titles
    assert not any("内部" in t for t in titles), titles  # internal articles stay internal
    browser.shot(customer, "01-portal-suggestions")
    with customer.expect_navigation():
        customer.locator("#kb-suggestions .kb-solve").first.click()
    assert customer.url.endswith("/portal")
    browser.shot(customer, "02-portal-deflected")
    with live_site.app.app_context():
        deflected = db.session.scalars(
            select(KbArticle.deflection_count).where(KbArticle.deflection_count > 0)
        ).all()
    assert deflected == [1]


def test_agent_solves_an_open_demo_ticket_with_an_article(
    browser: Browser, live_site: LiveSite
) -> None:
    with live_site.app.app_context():
        number = db.session.scalar(
            select(Ticket.number).where(Ticket.subject == "ES-Pro 双头咖啡机不出水")
        )
    agent = browser.person("agent1")
    agent.goto(f"{browser.url}/tickets/{number}")
    panel = agent.locator("#kb-panel")
    assert "不出水" in panel.inner_text()
    browser.shot(agent, "01-ticket-kb-panel")
    with agent.expect_navigation():
        panel.locator(".kb-solve-ticket").first.click()
    assert agent.locator("#ticket-state").get_attribute("data-category") == "resolved"
    assert agent.locator("#timeline > li[data-event-kind=solved_by_article]").count() == 1
    browser.shot(agent, "02-ticket-resolved")
    with live_site.app.app_context():
        solved = db.session.scalar(
            select(KbArticle.solved_count).order_by(KbArticle.solved_count.desc())
        )
    assert solved == 1
    # And the resolved ticket can become an article in one click.
    with agent.expect_navigation():
        agent.click("#kb-write-article")
    assert "/edit" in agent.url
    assert agent.locator("#kb-title").input_value() == "ES-Pro 双头咖啡机不出水"
    agent.locator("#kb-preview h2").first.wait_for()
    browser.shot(agent, "03-draft-from-ticket")
