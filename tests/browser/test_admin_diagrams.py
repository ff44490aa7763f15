"""An admin sees a workflow drawn, and the editor's diagram follows the unsaved text."""

from __future__ import annotations

import pytest
from tests.browser.conftest import Browser

pytestmark = pytest.mark.browser


def test_the_repair_flow_is_drawn_and_follows_the_editor(browser: Browser) -> None:
    admin = browser.person("admin")
    admin.goto(f"{browser.url}/admin/workflow-diagram/?key=repair_flow")
    admin.wait_for_selector("#workflow-diagram[data-rendered=true] svg")
    text = admin.inner_text("#workflow-diagram")
    assert "新建" in text and "技术诊断" in text  # state titles, in the admin's language
    assert "现场服务部" in text or "field_service" in text  # a department group
    browser.shot(admin, "01-repair-flow")

    admin.goto(f"{browser.url}/admin/definitions/Workflow/repair_flow/edit")
    admin.wait_for_selector(".CodeMirror")
    admin.evaluate(
        """() => {
            const cm = window.gongdanEditor.codemirror;
            cm.setValue(cm.getValue().replaceAll("新建", "待受理"));
        }"""
    )
    admin.click("a[data-view=workflow-diagram]")
    admin.wait_for_selector("#panel-workflow-diagram #workflow-diagram[data-rendered=true] svg")
    drawn = admin.inner_text("#panel-workflow-diagram #workflow-diagram")
    assert "待受理" in drawn and "新建" not in drawn  # the unsaved text, not the active one
    browser.shot(admin, "02-editor-diagram-tab")
