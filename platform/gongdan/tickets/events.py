"""Recording ticket events: one row per change, in the same transaction, then the signal."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.db import utcnow
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.signals import ticket_event_recorded

#: Event kinds shown on the customer's timeline unless a call says otherwise.
PUBLIC_KINDS = frozenset({"created", "transition", "checked_in", "accepted"})


def record_event(
    session: Session,
    ticket: Ticket,
    kind: str,
    actor: User | None,
    data: dict[str, Any] | None = None,
    *,
    public: bool | None = None,
) -> TicketEvent:
    """Add a :class:`TicketEvent` to ``ticket`` and send :data:`ticket_event_recorded`.

    ``public`` defaults to whether ``kind`` belongs on the customer's timeline.
    """
    event = TicketEvent(
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        created_at=utcnow(),
        data=dict(data or {}),
        public=kind in PUBLIC_KINDS if public is None else public,
    )
    ticket.events.append(event)
    session.flush()
    pending: list[TicketEvent] | None = session.info.get("gongdan.pending_events")
    if pending is not None:  # inside a service's transaction: announced after its commit
        pending.append(event)
    ticket_event_recorded.send(ticket, session=session, event=event, actor=actor)
    return event
