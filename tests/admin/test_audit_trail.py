"""The audit trail page: readable before/after, filters, read-only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from tests.admin.people_world import build_world, login_admin

from gongdan.audit.models import AuditEntry
from gongdan.db import db, utcnow


def _entries(app: Flask) -> None:
    with app.app_context():
        db.session.add_all([
            AuditEntry(actor_name="root", action="update", target_type="Department",
                       target_id="1", before={"lead": None}, after={"lead": "王经理 (manager)"},
                       summary="现场服务部"),
            AuditEntry(actor_name="alice", action="publish", target_type="TicketType",
                       target_id="repair", summary="repair r3",
                       created_at=utcnow() - timedelta(days=40)),
        ])  # fmt: skip
        db.session.commit()


def _filter_index(app: Flask, column: str, operation: tuple[str, ...]) -> int:
    views = app.extensions["gongdan.admin"]._views
    trail = next(v for v in views if getattr(v, "endpoint", "") == "ops_audit")
    return next(
        i for i, f in enumerate(trail._filters)
        if f.column.key == column and str(f.operation()) in operation
    )  # fmt: skip


def test_the_trail_shows_who_what_and_a_before_after_table(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    build_world(app, make_user)
    _entries(app)
    login_admin(client)
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "gongdan-diff" in page
    assert (
        "<td class='gongdan-before'>—</td><td class='gongdan-after'>王经理 (manager)</td>" in page
    )
    assert page.index("现场服务部") < page.index("repair r3")  # newest first
    exported = client.get("/admin/audit/export/csv/").get_data(as_text=True)
    assert "lead: — → 王经理 (manager)" in exported


def test_the_trail_filters_by_actor_target_type_and_date(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    build_world(app, make_user)
    _entries(app)
    login_admin(client)
    actor = _filter_index(app, "actor_name", ("equals", "等于"))
    page = client.get(f"/admin/audit/?flt0_{actor}=alice").get_data(as_text=True)
    assert "repair r3" in page and "现场服务部" not in page
    kind = _filter_index(app, "target_type", ("equals", "等于"))
    page = client.get(f"/admin/audit/?flt0_{kind}=Department").get_data(as_text=True)
    assert "现场服务部" in page and "repair r3" not in page
    after = _filter_index(app, "created_at", ("greater than", "大于"))
    since = (utcnow() - timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S")
    page = client.get(f"/admin/audit/?flt0_{after}={since}").get_data(as_text=True)
    assert "现场服务部" in page and "repair r3" not in page


def test_the_trail_is_read_only(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    build_world(app, make_user)
    _entries(app)
    login_admin(client)
    client.post("/admin/audit/delete/", data={"id": "1"})
    client.post("/admin/audit/edit/?id=1", data={"summary": "rewritten"})
    with app.app_context():
        entry = db.session.get(AuditEntry, 1)
        assert entry is not None and entry.summary == "现场服务部"
    assert 'href="/admin/audit/new/' not in client.get("/admin/audit/").get_data(as_text=True)
