"""The customer-facing status timeline of a ticket: public events only, in customer words.

A customer sees when the request was received, each status change under the state's
``customer_status`` label, public comments, the name of the engineer assigned, the engineer's
acceptance and arrival, and the resolution. Internal comments, internal events, routing reasons,
coordinates and anything else staff-only never reach the page: entries are built from a short
list of event kinds, and each entry carries only the words chosen here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan import i18n
from gongdan.accounts.models import User
from gongdan.definitions.compiled import CompiledWorkflow
from gongdan.tickets.models import Ticket, TicketComment, TicketEvent

#: Event kinds a customer may see when the event is marked public.
PUBLIC_EVENT_KINDS = frozenset({"created", "transition", "accepted", "checked_in"})


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the customer's timeline; ``body`` is plain text (escaped when shown)."""

    at: datetime
    kind: str
    title: str
    body: str | None = None
    author: str | None = None


def customer_status(workflow: CompiledWorkflow | None, state_key: str) -> str:
    """The customer-facing label of a state, falling back to its title, then its key."""
    if workflow is None:
        return state_key
    state = workflow.states.get(state_key)
    if state is None:
        return state_key
    return i18n.local_text(state.customer_status) or i18n.local_text(state.title, state_key)


def customer_timeline(
    session: Session, ticket: Ticket, workflow: CompiledWorkflow | None
) -> list[TimelineEntry]:
    """The ticket's public history, oldest first."""
    events = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.created_at, TicketEvent.id)
    ).all()
    comments = session.scalars(
        select(TicketComment)
        .where(TicketComment.ticket_id == ticket.id, TicketComment.internal.is_(False))
        .order_by(TicketComment.created_at, TicketComment.id)
    ).all()
    users = _users(session, _user_ids(events, comments))
    entries = [
        entry for event in events if (entry := _event_entry(event, workflow, users)) is not None
    ]
    entries.extend(
        TimelineEntry(
            at=comment.created_at,
            kind="comment",
            title=gettext("Message"),
            body=comment.body,
            author=_name(users.get(comment.author_id)),
        )
        for comment in comments
    )
    entries.sort(key=lambda entry: entry.at)
    return entries


def _user_ids(events: Iterable[TicketEvent], comments: Iterable[TicketComment]) -> set[int]:
    ids = {e.actor_id for e in events if e.actor_id is not None}
    ids |= {c.author_id for c in comments if c.author_id is not None}
    for event in events:
        if event.kind == "assigned" and isinstance(event.data.get("to"), int):
            ids.add(event.data["to"])
    return ids


def _users(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))}


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def _event_entry(
    event: TicketEvent, workflow: CompiledWorkflow | None, users: Mapping[int, User]
) -> TimelineEntry | None:
    data: Mapping[str, Any] = event.data or {}
    actor = users.get(event.actor_id) if event.actor_id is not None else None
    if event.kind == "assigned":
        # Only "an engineer was assigned", by name: the reason and rule are staff business.
        assignee = users.get(data["to"]) if isinstance(data.get("to"), int) else None
        if assignee is None or assignee.role != "engineer":
            return None
        return TimelineEntry(
            at=event.created_at,
            kind="assigned",
            title=gettext("Engineer %(name)s has been assigned", name=assignee.display_name),
        )
    if not event.public or event.kind not in PUBLIC_EVENT_KINDS:
        return None
    if event.kind == "created":
        return TimelineEntry(at=event.created_at, kind="created", title=gettext("Request received"))
    if event.kind == "transition":
        target = str(data.get("to") or "")
        state = workflow.states.get(target) if workflow is not None else None
        kind = "resolved" if state is not None and state.category == "resolved" else "status"
        return TimelineEntry(
            at=event.created_at,
            kind=kind,
            title=gettext("Status: %(status)s", status=customer_status(workflow, target)),
        )
    if event.kind == "accepted":
        return TimelineEntry(
            at=event.created_at,
            kind="accepted",
            title=gettext("%(name)s accepted the job", name=_name(actor) or gettext("Engineer")),
        )
    return TimelineEntry(
        at=event.created_at,
        kind="checked_in",
        title=gettext("%(name)s arrived on site", name=_name(actor) or gettext("Engineer")),
    )
