"""Audit entries record exactly what changed, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.audit.models import AuditEntry
from gongdan.audit.services import record_change, snapshot


def test_an_update_keeps_only_the_values_that_changed(
    session: Session, make_user: Callable[..., User]
) -> None:
    admin = session.get(User, make_user("root", "admin").id)
    record_change(
        session,
        actor=admin,
        action="update",
        target_type="User",
        target_id=7,
        before={"role": "agent", "display_name": "Ann", "active": True},
        after={"role": "dispatcher", "display_name": "Ann", "active": True},
    )
    session.commit()
    entry = session.scalars(select(AuditEntry)).one()
    assert (entry.actor_name, entry.action, entry.target_type, entry.target_id) == (
        "root",
        "update",
        "User",
        "7",
    )
    assert entry.before == {"role": "agent"} and entry.after == {"role": "dispatcher"}


def test_an_entry_is_lost_with_a_rolled_back_change(session: Session) -> None:
    record_change(session, actor=None, action="create", target_type="Department", target_id="x")
    session.rollback()
    assert session.scalars(select(AuditEntry)).first() is None


def test_a_snapshot_is_json_safe_and_leaves_out_password_hashes(
    session: Session, make_user: Callable[..., Any]
) -> None:
    user = session.get(User, make_user("ann", "agent").id)
    values = snapshot(user)
    assert values["username"] == "ann"
    assert "password_hash" not in values
    assert isinstance(values["created_at"], str)
    department = Department(key="workshop", title_zh="车间")
    session.add(department)
    session.flush()
    record_change(
        session,
        actor=None,
        action="create",
        target_type="Department",
        target_id=department.id,
        after={**snapshot(department), "when": datetime(2026, 1, 2, tzinfo=UTC)},
    )
    session.commit()
    entry = session.scalars(select(AuditEntry)).one()
    assert entry.actor_name == "system"
    assert entry.after is not None and entry.after["key"] == "workshop"
    assert entry.after["when"] == "2026-01-02T00:00:00+00:00"
