"""An admin who reads no YAML builds a field's visibility condition with the rule builder."""

from __future__ import annotations

import pytest
from tests.browser.conftest import Browser

pytestmark = pytest.mark.browser


def test_a_visible_if_is_built_with_selects_applied_and_validated(browser: Browser) -> None:
    admin = browser.person("admin")
    admin.goto(f"{browser.url}/admin/definitions/TicketType/repair/edit")
    admin.wait_for_selector(".CodeMirror")
    admin.click("a[data-view=conditions]")
    admin.wait_for_selector("#condition-builder[data-loaded=true]")
    # The existing conditions are listed; the on-site check-in has none yet.
    assert "$.spec.fields[3].visible_if" in admin.inner_text("#condition-places")
    slot = admin.eval_on_selector(
        "#condition-place",
        "select => [...select.options].find(o => o.text.includes('check_in_location')"
        " && o.value.endsWith('visible_if')).value",
    )
    admin.select_option("#condition-place", slot)
    admin.click("#condition-add")
    admin.click("#condition-tree .gd-cb-add-rule")
    admin.select_option("#condition-tree .gd-cb-field", "ticket.service_mode")
    admin.select_option("#condition-tree .gd-cb-op", "eq")
    admin.select_option("#condition-tree .gd-cb-value", "on_site")
    browser.shot(admin, "01-rule-built")
    admin.click("#condition-apply")
    admin.wait_for_selector("#condition-status:not(:empty)")
    text = admin.evaluate("() => window.gongdanEditor.codemirror.getValue()")
    assert "visible_if: {field: ticket.service_mode, op: eq, value: on_site}" in text
    assert admin.inner_text(f"#condition-places tr[data-path='{slot}']")
    browser.shot(admin, "02-applied")

    with admin.expect_navigation():
        admin.click("#action-validate")
    admin.wait_for_selector("#valid")
    assert "ticket.service_mode" in admin.evaluate(
        "() => window.gongdanEditor.codemirror.getValue()"
    )
    browser.shot(admin, "03-validated")
