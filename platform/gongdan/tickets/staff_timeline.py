"""The ticket's timeline as staff read it: who, when, what, before → after, reason, rule, why.

Event data is recorded by the ticket services (``gongdan.tickets.events``); this turns it into
plain lines of text in the current language (the template escapes them).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from gongdan import i18n
from gongdan.accounts.models import Department, User
from gongdan.db import db
from gongdan.definitions.compiled import CompiledTicketType, CompiledWorkflow
from gongdan.forms.render import format_value
from gongdan.tickets.models import Ticket, TicketComment
from gongdan.tickets.timeline_sla import SYSTEM_KINDS, routing_lines, system_lines, system_titles


def _local(text: Any, fallback: str) -> str:
    return i18n.local_text(text, fallback)


def _department_title(department: Department) -> str:
    return department.title("en" if i18n.current_language() == "en" else "zh")


def _users(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def department_titles() -> dict[str, str]:
    return {d.key: _department_title(d) for d in db.session.scalars(select(Department))}


def _state_text(workflow: CompiledWorkflow, key: Any) -> str:
    state = workflow.states.get(str(key)) if key is not None else None
    return _local(state.title, str(key)) if state is not None else str(key or "—")


def plugin_event_titles() -> dict[str, str]:
    """The titles plugins give the event kinds they record (``gongdan_event_titles``)."""
    manager = current_app.extensions.get("gongdan.plugins")
    if manager is None:
        return {}
    return {
        str(kind): str(title)
        for titles in manager.hook.gongdan_event_titles()
        for kind, title in (titles or {}).items()
    }


def staff_timeline(
    ticket: Ticket, ticket_type: CompiledTicketType, workflow: CompiledWorkflow
) -> list[dict[str, Any]]:
    """The events of ``ticket`` as entries: a title, the actor and plain lines of detail."""
    events = list(ticket.events)
    user_ids = {e.actor_id for e in events if e.actor_id}
    for event in events:
        data = event.data or {}
        if event.kind == "assigned":
            user_ids |= {v for v in (data.get("from"), data.get("to")) if isinstance(v, int)}
            user_ids |= {
                s[0]
                for s in data.get("skipped") or []
                if isinstance(s, list) and s and isinstance(s[0], int)
            }
        elif event.kind == "escalated":
            user_ids |= {
                a["assignee"]
                for a in data.get("actions") or []
                if isinstance(a.get("assignee"), int)
            }
    users = _users(user_ids)
    departments = department_titles()
    comments = {
        c.id: c
        for c in db.session.scalars(
            select(TicketComment).where(TicketComment.ticket_id == ticket.id)
        )
    }
    titles = {
        "created": gettext("Created"),
        "fields_changed": gettext("Fields changed"),
        "transition": gettext("Status changed"),
        "transferred": gettext("Transferred"),
        "assigned": gettext("Assigned"),
        "commented": gettext("Comment"),
        "attachment_added": gettext("File added"),
        "checked_in": gettext("Checked in"),
        "accepted": gettext("Accepted"),
        "solved_by_article": gettext("Solved by a knowledge-base article"),
        **system_titles(),
        **plugin_event_titles(),
    }

    def person(value: Any) -> str:
        user = users.get(value) if isinstance(value, int) else None
        return (
            user.display_name
            if user is not None
            else (gettext("nobody") if value is None else str(value))
        )

    def department(value: Any) -> str:
        return departments.get(str(value), str(value)) if value else "—"

    entries = []
    for event in events:
        data = event.data or {}
        lines: list[str] = []
        body: TicketComment | None = None
        if event.kind == "transition":
            transition = workflow.transition(str(data.get("transition")))
            source = _state_text(workflow, data.get("from"))
            target = _state_text(workflow, data.get("to"))
            step = f" ({_local(transition.title, transition.key)})" if transition else ""
            lines.append(f"{source} → {target}{step}")
            body = comments.get(data.get("comment_id"))  # type: ignore[arg-type]
        elif event.kind == "transferred":
            lines.append(f"{department(data.get('from'))} → {department(data.get('to'))}")
        elif event.kind == "assigned":
            lines.append(f"{person(data.get('from'))} → {person(data.get('to'))}")
            if data.get("from_department") != data.get("to_department"):
                source = department(data.get("from_department"))
                lines.append(f"{source} → {department(data.get('to_department'))}")
        elif event.kind == "fields_changed":
            for key, change in (data.get("changes") or {}).items():
                compiled = ticket_type.field(key)
                title = _local(compiled.title, key) if compiled else key
                kind = compiled.type if compiled else "text"
                before = format_value(kind, (change or {}).get("from")) or "—"
                after = format_value(kind, (change or {}).get("to")) or "—"
                lines.append(f"{title}: {before} → {after}")
        elif event.kind == "created":
            lines.append(f"{gettext('Channel')}: {data.get('channel', ticket.channel)}")
        elif event.kind == "commented":
            body = comments.get(data.get("comment_id"))  # type: ignore[arg-type]
        elif event.kind == "attachment_added":
            lines.append(str(data.get("filename", "")))
        elif event.kind == "solved_by_article":
            lines.append(f"#{data.get('article_id')} {data.get('title', '')}")
        if event.kind in SYSTEM_KINDS:
            lines.extend(system_lines(event.kind, data, person))
        else:
            for key, label in (
                ("reason", gettext("Reason")),
                ("rule", gettext("Rule")),
                ("why", gettext("Why")),
            ):
                # Routing records its why as the reason too: say it once.
                if data.get(key) and not (key == "reason" and data.get("why") == data[key]):
                    lines.append(f"{label}: {data[key]}")
        if event.kind == "assigned":
            lines.extend(routing_lines(data, person))
        entries.append(
            {
                "event": event,
                "title": titles.get(event.kind, event.kind),
                "actor": person(event.actor_id) if event.actor_id else gettext("System"),
                "lines": lines,
                "comment": body,
                "internal": bool(data.get("internal")) or not event.public,
            }
        )
    return entries
