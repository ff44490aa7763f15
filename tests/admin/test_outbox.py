"""The outbox page: undelivered notifications, their attempts, and "retry now" (audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from tests.admin.people_world import login_admin
from tests.gongdan.notifications.factories import install_world, new_repair, outbox_rows

from gongdan.audit.models import AuditEntry
from gongdan.db import db, utcnow
from gongdan.jobs import job_runner
from gongdan.notifications.models import NotificationAttempt, NotificationOutbox


def _world(app: Flask, make_user: Callable[..., Any]) -> tuple[int, int, int]:
    """A ticket's notifications: one dead after 8 attempts, one failed, the rest sent."""
    with app.app_context():
        new_repair(db.session, install_world(db.session))
    job_runner(app).run_pending()  # type: ignore[attr-defined]  # delivers every row
    with app.app_context():
        rows = outbox_rows(db.session)
        assert len(rows) >= 3
        dead, failed, *sent = rows
        dead.status, dead.attempts, dead.last_error = "dead", 8, "gateway said 550 no such user"
        failed.status, failed.attempts, failed.last_error = "failed", 1, "timeout"
        attempt = NotificationAttempt(
            outbox_id=dead.id, at=utcnow(), ok=False, error=dead.last_error, duration_ms=42
        )
        db.session.add(attempt)
        db.session.commit()
        ids = dead.id, failed.id, sent[0].id
    make_user("root", "admin")
    return ids


def test_the_outbox_lists_undelivered_rows_with_their_error_and_attempts(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    dead, failed, sent = _world(app, make_user)
    login_admin(client)
    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert (
        f'action-checkbox" value="{dead}"' in page and f'action-checkbox" value="{failed}"' in page
    )
    assert f'action-checkbox" value="{sent}"' not in page  # delivered messages are not listed
    assert "gateway said 550 no such user" in page
    details = client.get(f"/admin/outbox/details/?id={dead}").get_data(as_text=True)
    assert "id='attempt-log'" in details and "42 ms" in details


def test_retry_now_revives_a_dead_row_through_the_service_and_audits_it(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    dead, failed, sent = _world(app, make_user)
    login_admin(client)
    response = client.post(
        "/admin/outbox/action/", data={"action": "retry", "rowid": [str(dead), str(sent)]}
    )
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(NotificationOutbox, dead)
        assert row is not None and (row.status, row.attempts) == ("pending", 0)
        assert db.session.get(NotificationOutbox, sent).status == "sent"  # type: ignore[union-attr]
        [entry] = db.session.scalars(sa.select(AuditEntry)).all()
    assert (entry.action, entry.target_type, entry.target_id) == ("retry", "NotificationOutbox",
                                                                  str(dead))  # fmt: skip
    assert entry.before == {"status": "dead", "attempts": 8}
    assert entry.after == {"status": "pending", "attempts": 0}
    # The delivery job was handed to the runner after the commit: running it delivers.
    assert job_runner(app).run_pending() == 1  # type: ignore[attr-defined]
    with app.app_context():
        assert db.session.get(NotificationOutbox, dead).status == "sent"  # type: ignore[union-attr]
    flashed = client.get("/admin/outbox/").get_data(as_text=True)
    assert "alert-warning" in flashed  # the sent row was left alone, and said so


def test_the_outbox_filters_by_status(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    dead, failed, _ = _world(app, make_user)
    login_admin(client)
    views = app.extensions["gongdan.admin"]._views
    outbox = next(v for v in views if getattr(v, "endpoint", "") == "ops_outbox")
    index = next(
        i for i, f in enumerate(outbox._filters)
        if f.column.key == "status" and str(f.operation()) in ("equals", "等于")
    )  # fmt: skip
    page = client.get(f"/admin/outbox/?flt0_{index}=dead").get_data(as_text=True)
    assert (
        f'action-checkbox" value="{dead}"' in page
        and f'action-checkbox" value="{failed}"' not in page
    )
