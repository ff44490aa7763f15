"""Done when (issue 7): a survey sent for a closed demo ticket is answered from its link on a phone.

The demo (``gongdan init --demo``) sends the closed demo repair ticket's survey at once; the staff
page shows the link. A customer opens it on a phone-sized screen without logging in, gives a
low rating — the comment question appears only then — and submits. Opening the link again shows
"already answered", and the low score has opened a complaint linked to the original ticket.
"""

from __future__ import annotations

from tests.browser.conftest import PHONE, Browser, LiveSite

from gongdan.db import db
from gongdan.surveys.demo import demo_survey_links


def test_answer_the_demo_survey_on_a_phone(live_site: LiveSite, browser: Browser) -> None:
    with live_site.app.test_request_context():
        ((number, link),) = demo_survey_links(db.session)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    staff = browser.person("admin", language="en")
    staff.goto(f"{browser.url}/tickets/{number}")
    panel = staff.locator('#survey-panel [data-survey="repair_callback"]')
    assert panel.get_attribute("data-status") == "sent"
    assert staff.locator('[data-testid="survey-link"]').input_value() == link
    browser.shot(staff, "01-staff-sees-the-sent-survey")

    phone = browser.browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    browser.contexts.append(phone)
    customer = phone.new_page()
    customer.set_default_timeout(10_000)
    customer.goto(browser.url + path)
    assert customer.locator("h1").inner_text() == "维修回访"
    comment = customer.locator('[data-question="comment"]')
    assert comment.is_hidden()  # asked only after a low overall rating
    customer.click('label[for="q-overall-1"]')
    assert comment.is_visible()
    customer.click('label[for="q-engineer-2"]')
    customer.click('label[for="q-fixed_first_time-no"]')
    customer.click('label[for="q-low_reason-not_fixed"]')
    customer.fill("#q-comment", "磨豆机还是有异响")
    box = customer.locator('label[for="q-overall-1"]').bounding_box()
    assert box is not None and box["height"] >= 44  # a finger can hit it
    browser.shot(customer, "02-customer-answers-on-a-phone")
    customer.click("#survey-submit")
    customer.wait_for_selector("#survey-thanks")
    browser.shot(customer, "03-thanks")

    again = customer.goto(browser.url + path)
    assert again is not None and again.status == 409
    assert customer.locator("#survey-problem").get_attribute("data-code") == "survey_answered"
    assert "已提交过" in customer.locator("h1").inner_text()
    browser.shot(customer, "04-link-reused")

    staff.goto(f"{browser.url}/tickets/{number}")
    assert panel.get_attribute("data-status") == "answered"
    # (0.4·1 + 0.3·2 + 0.1·1) / (0.4 + 0.3 + 0.1) = 1.375 → a complaint follow-up.
    assert staff.locator('[data-testid="survey-score"]').inner_text() == "Score 1.375"
    followup = staff.locator("#ticket-followups a")
    assert followup.count() == 1
    browser.shot(staff, "05-staff-sees-answers-and-followup")
    followup.click()
    staff.wait_for_selector("#ticket-parent")
    assert staff.locator("#ticket-number").inner_text().startswith("TS-")
    assert staff.locator("#ticket-parent a").inner_text() == number
    assert staff.locator("#ticket-priority").get_attribute("class") == "priority-high"
    browser.shot(staff, "06-complaint-linked-to-the-original")
