"""Operations: the outbox, the job queues, the audit trail and the scheduled automation runs."""

from __future__ import annotations

from flask_admin import Admin
from flask_babel import lazy_gettext

from gongdan.audit.models import AuditEntry
from gongdan.automations.models import AutomationSlotRun
from gongdan.db import db
from gongdan.notifications.models import NotificationOutbox
from gongdan_admin.audit_trail import AuditTrailView
from gongdan_admin.automation_runs import SlotRunsView
from gongdan_admin.outbox import OutboxView
from gongdan_admin.queues import JobQueuesView

#: The menu category of these views.
CATEGORY = lazy_gettext("Operations")


def register(admin: Admin) -> None:
    """Add this part's views to ``admin``."""
    admin.add_view(
        OutboxView(NotificationOutbox, db, name=lazy_gettext("Outbox"), endpoint="ops_outbox",
                   url="outbox", category=CATEGORY)
    )  # fmt: skip
    admin.add_view(
        JobQueuesView(name=lazy_gettext("Job queues"), endpoint="ops_jobs", url="jobs",
                      category=CATEGORY)
    )  # fmt: skip
    admin.add_view(
        AuditTrailView(AuditEntry, db, name=lazy_gettext("Audit trail"), endpoint="ops_audit",
                       url="audit", category=CATEGORY)
    )  # fmt: skip
    admin.add_view(
        SlotRunsView(AutomationSlotRun, db, name=lazy_gettext("Scheduled runs"),
                     endpoint="ops_slot_runs", url="scheduled-runs", category=CATEGORY)
    )  # fmt: skip
