"""Sending the templates whose ``on`` events fire, in the transaction of the change.

Connected to :data:`gongdan.tickets.signals.ticket_event_recorded`: for every ticket event,
each active NotificationTemplate whose ``on`` names one of the event's names is written to the
outbox, and so are the ``notify`` actions of a transition. Internal comments never notify the
customer.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.definitions.registry import compiled_active_set
from gongdan.notifications.outbox import enqueue_notification
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.signals import ticket_event_recorded

log = logging.getLogger(__name__)

#: Recipients an internal (staff-only) event must not reach.
CUSTOMER_RECIPIENTS = frozenset({"customer", "contact"})


def event_names(event: TicketEvent) -> list[str]:
    """The definition event names one ticket event stands for, most specific last.

    ``transition`` → ``transition:<key>`` and ``state_entered:<to>``; ``fields_changed`` →
    ``field_changed:<field>`` per field; every other kind is its own name (``created``,
    ``assigned``, ``transferred``, ``commented``, ``sla_warning`` ...).
    """
    data: dict[str, Any] = event.data or {}
    names = [event.kind]
    if event.kind == "transition":
        if data.get("transition"):
            names.append(f"transition:{data['transition']}")
        if data.get("to"):
            names.append(f"state_entered:{data['to']}")
    elif event.kind == "fields_changed":
        names += [f"field_changed:{key}" for key in sorted(data.get("changes") or {})]
    return names


def _audience(targets: tuple[str, ...] | list[str], event: TicketEvent) -> list[str]:
    if event.kind == "commented" and (event.data or {}).get("internal"):
        return [target for target in targets if target not in CUSTOMER_RECIPIENTS]
    return list(targets)


def notify_for_event(session: Session, ticket: Ticket, event: TicketEvent) -> list[int]:
    """Write the outbox rows ``event`` calls for; returns their ids."""
    names = event_names(event)
    templates = compiled_active_set(session).notification_templates
    ids: list[int] = []
    for template in templates.values():
        fired = [name for name in names if name in template.on]
        if not fired:
            continue
        if event.kind == "assigned" and ticket.assignee_id is None:
            continue  # an unassignment tells nobody "assigned to you"
        recipients = _audience(template.to, event)
        ids += enqueue_notification(
            session, template=template.key, ticket_id=ticket.id, recipients=recipients,
            event=fired[-1], context={}, event_id=event.id,
        )  # fmt: skip
    if event.kind == "transition":
        data = event.data or {}
        for action in data.get("actions") or ():
            if not isinstance(action, dict) or action.get("do") != "notify":
                continue
            template = templates.get(str(action.get("template")))
            if template is None:
                log.warning("transition %s names missing template %r", data.get("transition"),
                            action.get("template"))  # fmt: skip
                continue
            ids += enqueue_notification(
                session, template=template.key, ticket_id=ticket.id,
                recipients=list(action.get("to") or template.to),
                event=f"transition:{data.get('transition')}", context={}, event_id=event.id,
            )  # fmt: skip
    return ids


def _on_ticket_event(
    sender: Ticket, *, session: Session, event: TicketEvent, actor: User | None, **_: Any
) -> None:
    notify_for_event(session, sender, event)


def connect() -> None:
    """Subscribe to ticket events (idempotent)."""
    ticket_event_recorded.connect(_on_ticket_event, weak=False)
