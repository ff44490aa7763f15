"""The audit trail: who changed what in the admin and when, with the values before and after."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext, lazy_gettext
from markupsafe import Markup

from gongdan.audit.models import AuditEntry
from gongdan_admin.fields import time_filters
from gongdan_admin.security import SecuredModelView

LABELS: dict[str, Any] = {
    "created_at": lazy_gettext("When"),
    "actor_name": lazy_gettext("Who"),
    "action": lazy_gettext("Action"),
    "target_type": lazy_gettext("What"),
    "target_id": lazy_gettext("Id"),
    "summary": lazy_gettext("Summary"),
    "changes": lazy_gettext("Changes"),
    "address": lazy_gettext("From address"),
}


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def change_rows(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """``(field, before, after)`` for every value the entry records, in field order."""
    before, after = entry.before or {}, entry.after or {}
    keys = [*before, *(key for key in after if key not in before)]
    return [
        (key, _shown(before.get(key)) if entry.before is not None else "",
         _shown(after.get(key)) if entry.after is not None else "")
        for key in keys
    ]  # fmt: skip


def _changes(view: Any, context: Any, entry: AuditEntry, name: str) -> Markup:
    rows = change_rows(entry)
    if not rows:
        return Markup("")
    body = Markup("").join(
        Markup(
            "<tr><th scope='row'>{}</th><td class='gongdan-before'>{}</td>"
            "<td class='gongdan-after'>{}</td></tr>"
        ).format(key, old, new)
        for key, old, new in rows
    )
    head = Markup("<tr><th></th><th>{}</th><th>{}</th></tr>").format(
        gettext("Before"), gettext("After")
    )
    return Markup("<table class='table table-sm mb-0 gongdan-diff'>{}{}</table>").format(head, body)


def _changes_text(view: Any, context: Any, entry: AuditEntry, name: str) -> str:
    return "; ".join(f"{key}: {old} → {new}" for key, old, new in change_rows(entry))


class AuditTrailView(SecuredModelView):
    """Every audit entry, newest first; read-only; filter by who, what and when."""

    can_create = False
    can_edit = False
    can_delete = False
    column_list = ("created_at", "actor_name", "action", "target_type", "target_id", "summary",
                   "changes")  # fmt: skip
    column_details_list = (*column_list, "address")
    column_export_list = column_list
    column_searchable_list = ("actor_name", "target_id", "summary")
    column_filters = (
        "actor_name", "action", "target_type", "target_id",
        *time_filters(AuditEntry.created_at, LABELS["created_at"]),
    )  # fmt: skip
    column_sortable_list = ("created_at", "actor_name", "action", "target_type")
    column_default_sort = ("created_at", True)
    column_labels = LABELS
    column_formatters = {"changes": _changes}
    column_formatters_export = {"changes": _changes_text}
