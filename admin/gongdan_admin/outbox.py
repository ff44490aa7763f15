"""The notification outbox: messages not delivered yet, why, and "retry now" for the given-up.

Read-only but for one action: retrying failed or dead rows goes through
:func:`gongdan.notifications.tasks.revive` (a fresh set of attempts, delivered by the job
runner after the commit), audited in the same transaction.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, request
from flask_admin.actions import action
from flask_babel import gettext, lazy_gettext
from markupsafe import Markup

from gongdan.audit.services import record_change
from gongdan.db import db
from gongdan.notifications.models import STATUSES, NotificationOutbox
from gongdan.notifications.tasks import revive
from gongdan_admin.audited import acting_user
from gongdan_admin.fields import time_filters
from gongdan_admin.security import SecuredModelView

#: Statuses this view lists: everything but delivered messages.
UNDELIVERED = tuple(status for status in STATUSES if status != "sent")

STATUS_TITLES: dict[str, Any] = {
    "pending": lazy_gettext("Pending"),
    "sending": lazy_gettext("Sending"),
    "sent": lazy_gettext("Sent"),
    "failed": lazy_gettext("Failed, will retry"),
    "dead": lazy_gettext("Given up"),
}

LABELS: dict[str, Any] = {
    "id": "#",
    "created_at": lazy_gettext("Created"),
    "status": lazy_gettext("Status"),
    "channel": lazy_gettext("Channel"),
    "template_key": lazy_gettext("Template"),
    "event": lazy_gettext("Event"),
    "recipient_name": lazy_gettext("Recipient"),
    "recipient_address": lazy_gettext("Address"),
    "attempts": lazy_gettext("Attempts"),
    "next_attempt_at": lazy_gettext("Next attempt"),
    "last_error": lazy_gettext("Last error"),
    "ticket_id": lazy_gettext("Ticket"),
    "subject": lazy_gettext("Subject"),
    "body": lazy_gettext("Message"),
    "attempt_log": lazy_gettext("Delivery attempts"),
}


def _status(view: Any, context: Any, model: NotificationOutbox, name: str) -> str:
    return str(STATUS_TITLES.get(model.status, model.status))


def _attempt_log(view: Any, context: Any, model: NotificationOutbox, name: str) -> Markup:
    rows = [
        Markup("<tr><td>{}</td><td>{}</td><td>{} ms</td><td>{}</td></tr>").format(
            attempt.at.strftime("%Y-%m-%d %H:%M:%S"),
            gettext("sent") if attempt.ok else gettext("failed"),
            attempt.duration_ms,
            attempt.error or "",
        )
        for attempt in model.attempt_log
    ]
    if not rows:
        return Markup("<span class='text-muted'>{}</span>").format(gettext("No attempt yet."))
    return Markup("<table class='table table-sm mb-0' id='attempt-log'>{}</table>").format(
        Markup("").join(rows)
    )


def _short_error(view: Any, context: Any, model: NotificationOutbox, name: str) -> str:
    error = model.last_error or ""
    return error if len(error) <= 120 else error[:119] + "…"


class OutboxView(SecuredModelView):
    """Notifications waiting, failed or given up, with their attempts; retry the failed ones."""

    can_create = False
    can_edit = False
    can_delete = False
    column_list = ("id", "created_at", "status", "channel", "template_key", "recipient_name",
                   "recipient_address", "attempts", "next_attempt_at", "last_error",
                   "ticket_id")  # fmt: skip
    column_details_list = (*column_list, "event", "subject", "body", "attempt_log")
    column_export_list = column_list
    column_searchable_list = ("recipient_name", "recipient_address", "template_key", "last_error")
    column_filters = (
        "status", "channel", "template_key", "attempts",
        *time_filters(NotificationOutbox.created_at, LABELS["created_at"]),
    )  # fmt: skip
    column_default_sort = ("id", True)
    column_labels = LABELS
    column_formatters = {"status": _status, "last_error": _short_error}
    column_formatters_detail = {"status": _status, "attempt_log": _attempt_log}

    def get_query(self) -> Any:
        return super().get_query().filter(NotificationOutbox.status.in_(UNDELIVERED))

    def get_count_query(self) -> Any:
        return super().get_count_query().filter(NotificationOutbox.status.in_(UNDELIVERED))

    @action(
        "retry",
        lazy_gettext("Retry now"),
        lazy_gettext("Deliver the selected failed or given-up notifications again now?"),
    )
    def action_retry(self, ids: list[str]) -> None:
        """Revive each selected failed/dead row and audit it; one commit for all."""
        session = db.session
        actor = acting_user()
        rows = session.execute(
            sa.select(NotificationOutbox.id, NotificationOutbox.status, NotificationOutbox.attempts)
            .where(NotificationOutbox.id.in_([int(i) for i in ids]))
            .order_by(NotificationOutbox.id)
        ).all()
        retried = 0
        for outbox_id, status, attempts in rows:
            if not revive(session, outbox_id):
                continue
            retried += 1
            record_change(
                session,
                actor=actor,
                action="retry",
                target_type="NotificationOutbox",
                target_id=outbox_id,
                before={"status": status, "attempts": attempts},
                after={"status": "pending", "attempts": 0},
                summary="retry now",
                address=request.remote_addr,
            )
        session.commit()
        skipped = len(rows) - retried
        flash(gettext("Notifications to deliver again: %(count)s.", count=retried), "success")
        if skipped:
            flash(
                gettext(
                    "%(count)s selected notifications were not failed or given up: left alone.",
                    count=skipped,
                ),
                "warning",
            )
