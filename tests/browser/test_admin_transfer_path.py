"""An admin adds a transfer path to the repair workflow; a dispatcher can then use it.

Tickets are pinned to the workflow revision they were opened on. A new transfer path only adds,
so publishing it moves the open demo ticket to the new revision at once (a migration with no
mapping, linked from the publish notice); the ticket then offers the new path.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from tests.browser.conftest import Browser, LiveSite
from tests.browser.flow import open_ticket

from gongdan.db import db
from gongdan.definitions.registry import active_revision
from gongdan.jobs import job_runner
from gongdan.tickets.models import Ticket

pytestmark = pytest.mark.browser

#: The demo's new repair ticket (at customer service, see :mod:`gongdan.demo`).
SUBJECT = "ES-Pro 双头咖啡机不出水"


def _demo_ticket(site: LiveSite) -> tuple[str, str]:
    with site.app.app_context():
        ticket = db.session.scalars(select(Ticket).where(Ticket.subject == SUBJECT)).one()
        return ticket.number, ticket.department_key


def _revision_id(site: LiveSite) -> int:
    with site.app.app_context():
        revision = active_revision(db.session, "Workflow", "repair_flow")
        assert revision is not None
        return revision.id


def _offered(page: Any) -> list[str]:
    return page.locator("#transfer-department option").evaluate_all(
        "(options) => options.map((o) => o.value)"
    )


def test_admin_adds_a_transfer_path_and_a_dispatcher_uses_it(
    browser: Browser, live_site: LiveSite
) -> None:
    url = browser.url
    number, department = _demo_ticket(live_site)
    dispatcher = browser.person("dispatcher")
    open_ticket(dispatcher, url, number)
    assert "quality" not in _offered(dispatcher), department
    browser.shot(dispatcher, "01-transfer-form-before")

    old_id = _revision_id(live_site)
    admin = browser.person("admin")
    admin.goto(f"{url}/admin/definitions/Workflow/repair_flow/edit")
    admin.wait_for_selector(".CodeMirror")
    line = admin.evaluate(
        """(department) => {
            const cm = window.gongdanEditor.codemirror;
            let transfers = false;
            for (let i = 0; i < cm.lineCount(); i++) {
                const text = cm.getLine(i);
                if (/^  transfers:/.test(text)) transfers = true;
                else if (transfers && text.trim().startsWith(department + ":")) return i;
            }
            return -1;
        }""",
        department,
    )
    assert line >= 0, f"no transfers from {department} in the editor"
    text = admin.evaluate("(line) => window.gongdanEditor.codemirror.getLine(line)", line)
    admin.evaluate(
        """(line) => {
            const cm = window.gongdanEditor.codemirror;
            cm.focus();
            cm.setCursor({line, ch: cm.getLine(line).length});
        }""",
        line,
    )
    if text.rstrip().endswith("]"):  # a flow list: [a, b]
        admin.evaluate(
            """(line) => {
                const cm = window.gongdanEditor.codemirror, text = cm.getLine(line);
                const end = text.lastIndexOf("]");
                cm.setSelection({line, ch: end}, {line, ch: end});
            }""",
            line,
        )
        admin.keyboard.insert_text(", quality")
    else:  # a block list: one "- item" a line
        indent = " " * (len(text) - len(text.lstrip()) + 2)
        admin.keyboard.insert_text(f"\n{indent}- quality")
    with admin.expect_navigation():
        admin.click("#action-diff")
    assert "quality" in admin.inner_text("#diff")
    browser.shot(admin, "02-diff")
    with admin.expect_navigation():
        admin.click("#action-publish")
    assert admin.url.endswith("/admin/definitions/Workflow/repair_flow/")
    assert admin.locator("#migrate-link").count() == 0  # a new path breaks nothing
    moving = admin.locator("#auto-migration-link")
    assert int(moving.get_attribute("data-open-tickets") or 0) >= 1
    browser.shot(admin, "03-published")
    new_id = _revision_id(live_site)
    assert new_id != old_id

    job_runner(live_site.app).run_pending()
    with admin.expect_navigation():
        moving.click()
    assert admin.locator("[data-status=done]").count() == 1
    browser.shot(admin, "04-moved")

    open_ticket(dispatcher, url, number)
    assert "quality" in _offered(dispatcher)
    dispatcher.select_option("#transfer-department", "quality")
    dispatcher.fill("#transfer-reason", "请质检部复核")
    with dispatcher.expect_navigation():
        dispatcher.click("#transfer-submit")
    browser.shot(dispatcher, "05-transferred")
    assert _demo_ticket(live_site)[1] == "quality"
