"""The admin's home page: what is configured and what needs attention, in one look."""

from __future__ import annotations

from typing import Any

from flask_admin import expose
from sqlalchemy import func, select

from gongdan.accounts.models import User
from gongdan.db import db
from gongdan.definitions.models import DefinitionRevision
from gongdan.notifications.models import NotificationOutbox
from gongdan_admin.security import SecuredIndexView


def definition_counts() -> list[dict[str, Any]]:
    """Per kind: active definitions and drafts waiting to be published (one GROUP BY)."""
    rows = db.session.execute(
        select(DefinitionRevision.kind, DefinitionRevision.status, func.count())
        .where(DefinitionRevision.status.in_(("active", "draft")))
        .group_by(DefinitionRevision.kind, DefinitionRevision.status)
    ).all()
    counts: dict[str, dict[str, Any]] = {}
    for kind, status, count in rows:
        counts.setdefault(kind, {"kind": kind, "active": 0, "draft": 0})[status] = count
    return [counts[kind] for kind in sorted(counts)]


def users_by_role() -> dict[str, int]:
    """Active users per role."""
    rows = db.session.execute(
        select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role)
    ).all()
    return {role: count for role, count in rows}


def outbox_by_status() -> dict[str, int]:
    """Notifications per outbox status (pending, failed, dead ...)."""
    rows = db.session.execute(
        select(NotificationOutbox.status, func.count()).group_by(NotificationOutbox.status)
    ).all()
    return {status: count for status, count in rows}


class AdminHome(SecuredIndexView):
    """Counts of definitions, users and notifications, with the ones needing attention first."""

    @expose("/")
    def index(self) -> str:
        return self.render(
            "admin/gongdan/home.html",
            definitions=definition_counts(),
            roles=users_by_role(),
            outbox=outbox_by_status(),
        )
