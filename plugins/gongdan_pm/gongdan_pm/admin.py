"""Admin views: PM schedules and visits (read-only lists: generation and tickets change them).

Plans are definitions (``pm.MaintenancePlan``): the core definition admin edits, validates and
publishes them like any other kind.
"""

from __future__ import annotations

from flask_admin import Admin
from flask_babel import lazy_gettext

from gongdan.db import db
from gongdan_admin.security import SecuredModelView
from gongdan_pm.models import PmSchedule, PmVisit

CATEGORY = lazy_gettext("Preventive maintenance")


class ReadOnlyView(SecuredModelView):
    """Derived rows: schedules follow the plans, visits follow generation and their tickets."""

    can_create = False
    can_edit = False
    can_delete = False
    can_export = True


class ScheduleView(ReadOnlyView):
    column_list = ("plan_key", "asset", "customer", "anchor_date", "sequence", "next_due",
                   "follows_completion", "active", "plan_revision_id")  # fmt: skip
    column_filters = ("plan_key", "active", "next_due")
    column_default_sort = ("next_due", False)
    column_labels = {
        "plan_key": lazy_gettext("Maintenance plan"), "asset": lazy_gettext("Asset"),
        "customer": lazy_gettext("Customer"), "anchor_date": lazy_gettext("Counted from"),
        "sequence": lazy_gettext("Next visit number"), "next_due": lazy_gettext("Next visit"),
        "follows_completion": lazy_gettext("Follows completion"), "active": lazy_gettext("Active"),
        "plan_revision_id": lazy_gettext("Plan revision"),
    }  # fmt: skip


class VisitView(ReadOnlyView):
    column_list = ("due_date", "plan_key", "asset", "customer", "ticket", "status", "overdue",
                   "completed_on", "generated_at")  # fmt: skip
    column_filters = ("plan_key", "status", "overdue", "due_date")
    column_default_sort = ("due_date", True)
    column_labels = {
        "due_date": lazy_gettext("Due on"), "plan_key": lazy_gettext("Maintenance plan"),
        "asset": lazy_gettext("Asset"), "customer": lazy_gettext("Customer"),
        "ticket": lazy_gettext("Ticket"), "status": lazy_gettext("Status"),
        "overdue": lazy_gettext("Overdue visit"), "completed_on": lazy_gettext("Done on"),
        "generated_at": lazy_gettext("Generated"),
    }  # fmt: skip


def add_views(admin: Admin) -> None:
    """The PM menu of the admin GUI."""
    admin.add_view(ScheduleView(PmSchedule, db, name=lazy_gettext("PM schedules"),
                                endpoint="pm_schedules", category=CATEGORY))  # fmt: skip
    admin.add_view(VisitView(PmVisit, db, name=lazy_gettext("PM visits"),
                             endpoint="pm_visits", category=CATEGORY))  # fmt: skip
