"""An admin changes the repair form in the admin GUI; the agent's next new ticket shows it."""

from __future__ import annotations

from typing import Any

import pytest
from tests.browser.conftest import Browser

pytestmark = pytest.mark.browser

#: The new field, with a typo in its condition: ``ticket.service_mod``.
NEW_FIELD = (
    "\n    - {key: warranty_card, type: text, title: {zh: 保修卡号, en: Warranty card},"
    " visible_if: {field: ticket.service_mod, op: eq, value: on_site}}"
)


def _line_of(page: Any, pattern: str) -> int:
    """The 0-based line of the editor matching the regular expression ``pattern``."""
    line = page.evaluate(
        """(pattern) => {
            const cm = window.gongdanEditor.codemirror, found = new RegExp(pattern);
            for (let i = 0; i < cm.lineCount(); i++) if (found.test(cm.getLine(i))) return i;
            return -1;
        }""",
        pattern,
    )
    assert line >= 0, f"nothing matches {pattern!r} in the editor"
    return int(line)


def _type_at(page: Any, line: int, column: int, text: str, *, replace: int = 0) -> None:
    """Put the cursor at ``line``:``column`` (selecting ``replace`` characters) and type."""
    page.evaluate(
        """([line, column, replace]) => {
            const cm = window.gongdanEditor.codemirror;
            cm.focus();
            cm.setSelection({line, ch: column}, {line, ch: column + replace});
        }""",
        [line, column, replace],
    )
    page.keyboard.insert_text(text)


def test_admin_fixes_a_condition_typo_and_publishes_a_new_field(browser: Browser) -> None:
    url = browser.url
    admin = browser.person("admin")
    admin.goto(f"{url}/admin/definitions/TicketType/")
    assert admin.locator("tr[data-key=repair] td[data-col=active]").inner_text() == "1"
    browser.shot(admin, "01-ticket-types")

    with admin.expect_navigation():
        admin.click("tr[data-key=repair] [data-testid=edit]")
    admin.wait_for_selector(".CodeMirror")
    browser.shot(admin, "02-editor-yaml")

    fields = _line_of(admin, "^  fields:$")
    _type_at(admin, fields, len("  fields:"), NEW_FIELD)
    with admin.expect_navigation():
        admin.click("#action-validate")
    problem = admin.locator("tr.gd-problem")
    assert problem.count() == 1
    typo_line = _line_of(admin, "ticket[.]service_mod,")
    assert problem.get_attribute("data-line") == str(typo_line + 1)
    assert "ticket.service_mod" in problem.inner_text()
    note = admin.locator(".CodeMirror .gd-problem-note")
    assert note.get_attribute("data-line") == str(typo_line + 1)
    assert "did you mean 'ticket.service_mode'?" in note.inner_text()
    browser.shot(admin, "03-typo-shown-at-its-line")

    # The form view shows the same document; a change there is in the YAML when back.
    admin.click("#editor-tabs [data-view=form]")
    english = admin.locator("[data-schemapath='root.spec.fields.0.title.en'] textarea")
    assert english.input_value() == "Warranty card"
    english.fill("Warranty card number")
    english.press("Tab")
    beside = admin.locator(".gd-field-problem[data-path='$.spec.fields[0].visible_if.field']")
    assert "unknown field 'ticket.service_mod'" in beside.inner_text()
    beside.scroll_into_view_if_needed()
    admin.screenshot(path=str(browser.shots / "04-editor-form.png"))  # the form is long
    admin.click("#editor-tabs [data-view=yaml]")
    admin.wait_for_selector(".CodeMirror", state="visible")
    _line_of(admin, "en: Warranty card number$")

    typo_line = _line_of(admin, "field: ticket[.]service_mod$")
    column = admin.evaluate(
        "(line) => window.gongdanEditor.codemirror.getLine(line).indexOf('service_mod')",
        typo_line,
    )
    _type_at(admin, typo_line, column, "service_mode", replace=len("service_mod"))
    with admin.expect_navigation():
        admin.click("#action-diff")
    assert "+    - key: warranty_card" in admin.inner_text("#diff")
    removed = admin.locator("#diff .gd-diff-remove")
    assert removed.count() == 0, removed.all_inner_texts()[:20]  # the form lost nothing
    browser.shot(admin, "05-diff")

    with admin.expect_navigation():
        admin.click("#action-publish")
    assert admin.url.endswith("/admin/definitions/TicketType/repair/")
    assert admin.locator("#history tr[data-status=active]").get_attribute("data-revision") == "2"
    browser.shot(admin, "06-published-history")

    agent = browser.person("agent1")
    agent.goto(f"{url}/tickets/new?type=repair")
    agent.wait_for_selector("#field-warranty_card", state="attached")
    agent.select_option("#field-service_mode", "on_site")
    assert agent.locator("#field-warranty_card").is_visible()
    browser.shot(agent, "07-agent-form-has-the-field")


def test_admin_adds_a_required_field_without_touching_yaml(browser: Browser) -> None:
    """The field rows and the live preview: add a row, name it, tick required, publish."""
    url = browser.url
    admin = browser.person("admin")
    admin.goto(f"{url}/admin/definitions/TicketType/repair/edit")
    admin.click("#editor-tabs [data-view=fields]")
    admin.wait_for_selector("#field-rows tr[data-field=symptom]")
    admin.click("#add-field")
    row = admin.locator("#field-rows tr").last
    for prop, value in (
        ("key", "warranty_card"),
        ("title.zh", "保修卡号"),
        ("title.en", "Warranty card"),
    ):
        row.locator(f"[data-prop='{prop}']").fill(value)
        row.locator(f"[data-prop='{prop}']").press("Tab")
    row.locator("[data-prop=required]").check()
    # Drag the new row one up, above the customer's signature.
    rows = admin.locator("#field-rows tr")
    count = rows.count()
    assert rows.nth(count - 2).get_attribute("data-field") == "customer_signature"
    rows.nth(count - 1).locator(".gd-drag").drag_to(rows.nth(count - 2))
    assert rows.nth(count - 2).get_attribute("data-field") == "warranty_card"
    assert rows.nth(count - 1).get_attribute("data-field") == "customer_signature"
    preview = admin.frame_locator("#field-preview")
    preview.locator("#field-warranty_card").wait_for(state="attached")
    browser.shot(admin, "01-field-rows-and-preview")

    with admin.expect_navigation():
        admin.click("#action-publish")
    assert admin.url.endswith("/admin/definitions/TicketType/repair/")
    browser.shot(admin, "02-published")

    agent = browser.person("agent1")
    agent.goto(f"{url}/tickets/new?type=repair")
    label = agent.locator("label[for=field-warranty_card]")
    assert "保修卡号" in label.inner_text()
    agent.click("#ticket-create-submit")
    assert agent.locator("#error-warranty_card").count() == 1  # required
    browser.shot(agent, "03-agent-form-requires-the-field")
