"""The actions of an escalation rung, run as the system in the rung's transaction.

Each returns a JSON-ready record of what it did (or why it did nothing) for the ``escalated``
event; a problem with one action is recorded there and never stops the others.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, attributes

from gongdan.accounts.models import Department, User
from gongdan.db import utcnow
from gongdan.definitions.registry import compiled_active_set
from gongdan.errors import GongdanError
from gongdan.sla.models import SlaClock
from gongdan.tickets.events import record_event
from gongdan.tickets.models import PRIORITIES, Ticket

log = logging.getLogger(__name__)

Record = dict[str, Any]


def run_action(
    session: Session, ticket: Ticket, action: Any, *, sla: dict[str, Any], event: str
) -> Record:
    """Run one ``{do: ...}`` action of a rung for ``ticket``; what it did."""
    kind = str(action.get("do"))
    runner = _RUNNERS.get(kind)
    if runner is None:
        return {"do": kind, "skipped": "the escalation ladder does not run this action"}
    try:
        return runner(session, ticket, action, sla, event)
    except GongdanError as error:
        return {"do": kind, "error": error.message}


def _notify(
    session: Session, ticket: Ticket, action: Any, sla: dict[str, Any], event: str
) -> Record:
    template = str(action.get("template"))
    definition = compiled_active_set(session).notification_templates.get(template)
    recipients = list(action.get("to") or (definition.to if definition else ()))
    record: Record = {"do": "notify", "template": template, "to": recipients}
    try:
        from gongdan.notifications.outbox import enqueue_notification
    except ImportError:
        return {**record, "status": "pending", "why": "the notification outbox is not installed"}
    ids = enqueue_notification(
        session, template=template, ticket_id=ticket.id, recipients=recipients, event=event,
        context={"sla": sla},
    )  # fmt: skip
    return {**record, "messages": len(ids)}


def _set(session: Session, ticket: Ticket, action: Any, sla: dict[str, Any], event: str) -> Record:
    name = str(action.get("field")).removeprefix("ticket.")
    value = action.get("value")
    if name == "priority":
        if value not in PRIORITIES:
            return {"do": "set", "field": "ticket.priority", "skipped": f"unknown {value!r}"}
        before = ticket.priority
        ticket.priority = str(value)
        # The clocks follow the new priority without a shorter target (module docstring).
        for row in session.scalars(select(SlaClock).where(SlaClock.ticket_id == ticket.id)):
            row.priority = str(value)
    else:
        fields = dict(ticket.fields or {})
        before = fields.get(name)
        fields[name] = value
        ticket.fields = fields
        attributes.flag_modified(ticket, "fields")
    ticket.updated_at = utcnow()
    return {"do": "set", "field": f"ticket.{name}", "from": before, "to": value}


def _route(
    session: Session, ticket: Ticket, action: Any, sla: dict[str, Any], event: str
) -> Record:
    from gongdan.routing.services import route_ticket

    rule = action.get("rule")
    decision = route_ticket(session, ticket.id, rule_key=rule, event="escalated")
    if decision is None:
        return {"do": "route", "rule": rule, "skipped": "no routing rule applies"}
    return {
        "do": "route",
        "rule": decision.rule_key,
        "assignee": decision.assignee_id,
        "department": decision.department,
        "why": decision.why,
    }


def _assign(
    session: Session, ticket: Ticket, action: Any, sla: dict[str, Any], event: str
) -> Record:
    target = str(action.get("to"))
    user: User | None
    if target == "department_lead":
        department = session.scalar(
            select(Department).where(Department.key == ticket.department_key)
        )
        user = department.lead if department is not None else None
    else:
        user = session.scalar(select(User).where(User.username == target.removeprefix("user:")))
    if user is None or not user.active:
        return {"do": "assign", "to": target, "skipped": f"nobody active for {target!r}"}
    previous = ticket.assignee_id
    if previous == user.id:
        return {"do": "assign", "to": target, "assignee": user.id, "skipped": "already assigned"}
    ticket.assignee_id = user.id
    ticket.accepted_at = None
    ticket.updated_at = utcnow()
    reason = f"SLA escalation: {sla['metric']} at {sla['threshold']}"
    record_event(
        session, ticket, "assigned", None,
        {"from": previous, "to": user.id, "reason": reason, "rule": f"sla:{sla['policy']}",
         "why": f"escalation level {sla['level']} assigns to {target}",
         "from_department": ticket.department_key, "to_department": ticket.department_key},
    )  # fmt: skip
    return {"do": "assign", "to": target, "assignee": user.id}


def _transfer(
    session: Session, ticket: Ticket, action: Any, sla: dict[str, Any], event: str
) -> Record:
    target = str(action.get("department"))
    department = session.scalar(select(Department).where(Department.key == target))
    if department is None:
        return {"do": "transfer", "department": target, "skipped": "no such department"}
    source = ticket.department_key
    if source == target:
        return {"do": "transfer", "department": target, "skipped": "already there"}
    unassigned = None
    assignee = session.get(User, ticket.assignee_id) if ticket.assignee_id else None
    if assignee is not None and assignee.department_id != department.id:
        unassigned, ticket.assignee_id = ticket.assignee_id, None
    ticket.department_key = target
    ticket.updated_at = utcnow()
    reason = f"SLA escalation: {sla['metric']} at {sla['threshold']}"
    record_event(
        session, ticket, "transferred", None,
        {"from": source, "to": target, "reason": reason, "unassigned": unassigned},
    )  # fmt: skip
    return {"do": "transfer", "from": source, "to": target, "unassigned": unassigned}


_RUNNERS = {
    "notify": _notify,
    "set": _set,
    "route": _route,
    "assign": _assign,
    "transfer": _transfer,
}
