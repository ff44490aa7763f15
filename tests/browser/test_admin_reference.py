"""An admin changes a department's lead and an engineer's availability through the admin's
forms, by name and from lists, never typing an id; both changes land in the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.browser.conftest import Browser, LiveSite

from gongdan.accounts.models import Department, User
from gongdan.audit.models import AuditEntry
from gongdan.db import db

pytestmark = pytest.mark.browser


@pytest.fixture
def db_backend() -> str:
    """Only SQLite: the forms write the same rows on every backend, and the admin's form tests
    run on PostgreSQL too."""
    return "sqlite"


def test_an_admin_edits_a_department_lead_and_an_engineers_availability(
    live_site: LiveSite, browser: Browser
) -> None:
    with live_site.app.app_context():
        field_service = db.session.scalar(
            select(Department).where(Department.key == "field_service")
        )
        engineer = db.session.scalar(select(User).where(User.username == "engineer1"))
        assert field_service is not None and engineer is not None
        department_id, engineer_id = field_service.id, engineer.id

    page = browser.person("admin")
    page.goto(f"{browser.url}/admin/departments/")
    page.click(f"a[href*='/admin/departments/edit/?id={department_id}']")
    page.wait_for_selector("#s2id_lead, .select2-container")
    browser.shot(page, "01-department-form")
    # The lead is picked by name from a search list (select2 over the ajax lookup).
    page.click(".select2-container")
    page.keyboard.type("黄总监")
    page.click(".select2-result-label:has-text('黄总监 (director)')")
    browser.shot(page, "02-lead-picked")
    with page.expect_navigation():
        page.click("input[type=submit][value]:not([name])")
    assert "/admin/departments/" in page.url
    page.wait_for_selector("text=黄总监 (director)")
    browser.shot(page, "03-departments-list")

    page.goto(f"{browser.url}/admin/engineers/edit/?id={engineer_id}")
    page.select_option("select#availability", "busy")
    page.fill("input#capacity", "3")
    browser.shot(page, "04-engineer-form")
    with page.expect_navigation():
        page.click("input[type=submit][value]:not([name])")
    page.wait_for_selector("text=张工")
    browser.shot(page, "05-engineers-list")

    page.goto(f"{browser.url}/admin/audit/")
    page.wait_for_selector("table.gongdan-diff")
    browser.shot(page, "06-audit-trail")

    with live_site.app.app_context():
        department = db.session.get(Department, department_id)
        engineer = db.session.get(User, engineer_id)
        assert department is not None and department.lead is not None
        assert department.lead.username == "director"
        assert engineer is not None and (engineer.availability, engineer.capacity) == ("busy", 3)
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.target_type, e.actor_name) for e in entries][-2:] == [
            ("update", "Department", "admin"),
            ("update", "User", "admin"),
        ]
