"""Scheduled runs: what each ticket-free scheduled automation (a mailed report) did, per slot."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext
from markupsafe import Markup

from gongdan.automations.models import AutomationSlotRun
from gongdan_admin.security import SecuredModelView

LABELS: dict[str, Any] = {
    "created_at": lazy_gettext("When"),
    "automation_key": lazy_gettext("Automation"),
    "occurrence": lazy_gettext("Slot"),
    "outcome": lazy_gettext("Outcome"),
    "detail": lazy_gettext("Detail"),
    "actions": lazy_gettext("Actions"),
}


def _actions(view: Any, context: Any, run: AutomationSlotRun, name: str) -> Markup:
    return Markup("<code>{}</code>").format(
        json.dumps(run.actions or [], ensure_ascii=False, sort_keys=True)
    )


class SlotRunsView(SecuredModelView):
    """Read-only: the runs are the record that a slot was done (deleting one would re-run it)."""

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_list = ("created_at", "automation_key", "occurrence", "outcome", "actions", "detail")
    column_searchable_list = ("automation_key", "occurrence")
    column_filters = ("automation_key", "outcome")
    column_default_sort = ("created_at", True)
    column_labels = LABELS
    column_formatters = {"actions": _actions}
