"""An admin tightens an SLA target in the editor and reads the dry-run report of the draft."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.browser.conftest import Browser

pytestmark = pytest.mark.browser

#: One deadline in a dry-run cell: ``first_response 2026-12-07 13:00 UTC``.
DEADLINE = re.compile(r"(\w+) (\d{4}-\d\d-\d\d \d\d:\d\d) UTC")


def _normal_first_response_line(page: Any) -> int:
    """The 0-based editor line of ``first_response`` under the ``normal`` priority's targets."""
    line = page.evaluate(
        """() => {
            const cm = window.gongdanEditor.codemirror;
            let normal = -1;
            for (let i = 0; i < cm.lineCount(); i++) {
                if (/^    normal:$/.test(cm.getLine(i))) normal = i;
                else if (normal >= 0 && /^      first_response: PT4H$/.test(cm.getLine(i)))
                    return i;
            }
            return -1;
        }"""
    )
    assert line >= 0, "no normal first_response target of PT4H in the editor"
    return int(line)


def _deadlines(cell: Any) -> dict[str, str]:
    """The deadlines a dry-run cell lists, by metric."""
    return dict(DEADLINE.findall(cell.inner_text()))


def test_admin_tightens_an_sla_target_and_sees_earlier_deadlines(browser: Browser) -> None:
    admin = browser.person("admin")
    admin.goto(f"{browser.url}/admin/definitions/SlaPolicy/")
    browser.shot(admin, "01-sla-policies")
    with admin.expect_navigation():
        admin.click("tr[data-key=standard] [data-testid=edit]")
    admin.wait_for_selector(".CodeMirror")
    assert admin.locator("#dry-run-link").count() == 0  # no draft yet
    browser.shot(admin, "02-editor")

    line = _normal_first_response_line(admin)
    admin.evaluate(
        """(line) => {
            const cm = window.gongdanEditor.codemirror, text = cm.getLine(line);
            const start = text.indexOf("PT4H");
            cm.focus();
            cm.setSelection({line, ch: start}, {line, ch: start + 4});
        }""",
        line,
    )
    admin.keyboard.insert_text("PT2H")
    with admin.expect_navigation():
        admin.click("#action-save")
    assert admin.url.endswith("/admin/definitions/SlaPolicy/standard/edit")
    link = admin.locator("#dry-run-link")
    assert link.is_visible()
    browser.shot(admin, "03-draft-saved")

    with admin.expect_navigation():
        link.click()
    assert "/admin/dry-run/?revision=" in admin.url
    admin.wait_for_selector("#dry-run-samples")
    assert "SlaPolicy/standard@2" in admin.inner_text("body")
    changed = admin.locator("#dry-run-samples tr[data-aspect=deadlines]")
    assert changed.count() >= 1, admin.inner_text("#dry-run-samples")
    earlier = 0
    for index in range(changed.count()):
        cells = changed.nth(index).locator("td")
        active, draft = _deadlines(cells.nth(-2)), _deadlines(cells.nth(-1))
        assert draft["first_response"] < active["first_response"]
        # Only the tightened target moves.
        assert {m: d for m, d in draft.items() if m != "first_response"} == {
            m: d for m, d in active.items() if m != "first_response"
        }
        earlier += 1
    assert earlier == changed.count()
    browser.shot(admin, "04-dry-run-report")
