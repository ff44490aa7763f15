"""The whole repair flow in a real browser, one browser context per person."""

from __future__ import annotations

from typing import Any

import pytest
from tests.browser.conftest import INSPECTOR, PHONE, SHOP_POSITION, Browser
from tests.browser.flow import draw_signature, open_ticket, run_transition, submit_repair_request

pytestmark = pytest.mark.browser


def test_repair_flow(browser: Browser) -> None:
    """Customer submits → dispatcher accepts and dispatches (routing picks the engineer) →
    engineer accepts, checks in, reports, gets a signature, submits → quality approves →
    agent closes → the customer's timeline shows every status in order."""
    url = browser.url
    customer = browser.person("ruika")
    number = submit_repair_request(customer, url, "蒸汽棒漏水，关不住")
    assert customer.inner_text("[data-testid=request-status]") == "已受理"
    photo = customer.locator("[data-testid=detail-photos] img")
    assert "/files/" in (photo.get_attribute("src") or "")
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 1
    browser.shot(customer, "01-portal-submitted")

    dispatcher = browser.person("dispatcher")
    open_ticket(dispatcher, url, number)
    browser.shot(dispatcher, "02-agent-ticket-new")
    run_transition(dispatcher, "accept")
    assert dispatcher.inner_text("#ticket-state") == "技术诊断"
    run_transition(
        dispatcher,
        "dispatch",
        lambda form: form.locator("#field-fault_code").select_option("e08_leak"),
    )
    assert dispatcher.inner_text("#ticket-state") == "已派工"
    assert dispatcher.inner_text("#ticket-assignee") == "张工", dispatcher.inner_text("#timeline")
    # Who and why: the routing rule's choice, with its reasons, is on the timeline.
    assignment = dispatcher.locator("#timeline > li[data-event-kind=assigned]").last.inner_text()
    assert "→ 张工" in assignment and "依据:" in assignment
    assert "field_service_nearest" in assignment and "km" in assignment
    browser.shot(dispatcher, "03-agent-dispatched")

    engineer = browser.person(
        "engineer1", viewport=PHONE, geolocation=SHOP_POSITION, permissions=["geolocation"]
    )
    engineer.goto(f"{url}/work")
    browser.shot(engineer, "04-engineer-my-work")
    with engineer.expect_navigation():
        engineer.click(f"[data-testid=open-{number}]")
    with engineer.expect_navigation():
        engineer.click("[data-testid=accept]")
    engineer.click("[data-testid=check-in]")
    engineer.wait_for_selector("[data-testid=checked-in]")
    assert engineer.inner_text("[data-testid=ticket-state]") == "现场处理"
    browser.shot(engineer, "05-engineer-checked-in")
    engineer.fill("#field-work_done", "更换蒸汽阀密封圈，试机正常")
    engineer.fill("#field-labour_hours", "1.5")
    engineer.select_option("#field-resolution_code", index=1)
    with engineer.expect_navigation():
        engineer.click("[data-testid=save-report]")
    _no_work_error(engineer)
    draw_signature(engineer)
    with engineer.expect_navigation():
        engineer.click("[data-testid=save-signature]")
    _no_work_error(engineer)
    browser.shot(engineer, "06-engineer-report-signed")
    with engineer.expect_navigation():
        engineer.click("[data-testid=transition-submit_report]")
    _no_work_error(engineer)
    assert engineer.inner_text("[data-testid=ticket-state]") == "服务报告评审"
    browser.shot(engineer, "07-engineer-submitted")

    inspector = browser.person(INSPECTOR)
    open_ticket(inspector, url, number)
    browser.shot(inspector, "08-inspector-review")
    run_transition(inspector, "approve_report")
    # Approval hands the ticket to the callback desk, out of the inspector's view.
    assert inspector.url.endswith("/tickets")

    agent = browser.person("agent1")
    open_ticket(agent, url, number)
    assert agent.inner_text("#ticket-state") == "已解决"
    run_transition(agent, "close")
    assert agent.inner_text("#ticket-state") == "已关闭"
    browser.shot(agent, "09-agent-closed")

    customer.goto(f"{url}/portal/tickets/{number}")
    assert customer.inner_text("[data-testid=request-status]") == "已关闭"
    entries = customer.locator("[data-testid=timeline-entry] .fw-semibold").all_inner_texts()
    statuses = [entry for entry in entries if entry.startswith("状态：")]
    assert statuses == [
        "状态：技术诊断中",
        "状态：工程师已派出",
        "状态：工程师现场处理中",
        "状态：服务报告审核中",
        "状态：已完成，请确认",
        "状态：已关闭",
    ]
    assert entries[0] == "已收到您的请求"
    assert "张工 已接单" in entries and "张工 已到达现场" in entries
    browser.shot(customer, "10-portal-closed")


def _no_work_error(page: Any) -> None:
    error = page.locator("[data-testid=work-error]")
    assert not error.count(), error.inner_text()
