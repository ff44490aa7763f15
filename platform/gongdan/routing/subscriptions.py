"""When routing runs: a receiver of ``ticket_event_recorded`` that turns events into routing.

=================  ==========================================================================
ticket event       routing events tried, in order (the first with a matching rule routes)
=================  ==========================================================================
``created``        ``created``
``transferred``    ``transferred``
``transition``     the transition's ``route`` actions (by rule key) if it has any; otherwise
                   ``transition:<key>``, then ``state_entered:<state>``
``fields_changed`` ``field_changed:<field>`` for each changed field, in key order
``assigned``       never routes (a manual dispatch stays); remembers when the person got work
=================  ==========================================================================

Closed tickets are never routed. The receiver runs inside the ticket service's transaction: its
writes commit or roll back with the change. Routing does not route again on the events it
records itself. It runs only in an application that called :func:`gongdan.routing.init_app`
(tests of other parts stay unrouted).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from gongdan.errors import DefinitionNotFound
from gongdan.routing.services import note_assignment, route_ticket
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.pinning import pinned_definitions

logger = logging.getLogger(__name__)

#: ``app.extensions`` key present when routing is switched on for an application.
EXTENSION_KEY = "gongdan.routing"

_ROUTING = "gongdan.routing.active"


@contextmanager
def automatic_routing_off(session: Session) -> Iterator[None]:
    """Within the block, ticket events on ``session`` route nothing automatically.

    For a caller that routes a ticket itself right after creating it (a PM plan with its own
    rule or department): the rules on ``created`` must not assign it first.
    """
    already = session.info.get(_ROUTING)
    session.info[_ROUTING] = True
    try:
        yield
    finally:
        if not already:
            session.info.pop(_ROUTING, None)


def routing_enabled() -> bool:
    """Whether the current application routes tickets automatically."""
    return has_app_context() and bool(current_app.extensions.get(EXTENSION_KEY))


def routing_events(event: TicketEvent) -> list[str]:
    """The routing events (``created``, ``state_entered:x`` ...) a ticket event stands for."""
    data: Mapping[str, Any] = event.data or {}
    if event.kind in ("created", "transferred"):
        return [event.kind]
    if event.kind == "transition":
        names = []
        if data.get("transition"):
            names.append(f"transition:{data['transition']}")
        if data.get("to"):
            names.append(f"state_entered:{data['to']}")
        return names
    if event.kind == "fields_changed":
        changes = data.get("changes") or data.get("fields") or {}
        keys = changes.keys() if isinstance(changes, Mapping) else changes
        return [f"field_changed:{key}" for key in sorted(str(k) for k in keys)]
    return []


def route_actions(session: Session, ticket: Ticket, event: TicketEvent) -> list[str]:
    """Rule keys of the ``{do: route, rule: ...}`` actions of the transition ``event`` took.

    Read from the event (the ticket service copies the actions there) or else from the
    transition in the ticket's pinned workflow.
    """
    if event.kind != "transition":
        return []
    data: Mapping[str, Any] = event.data or {}
    actions: Sequence[Mapping[str, Any]] | None = data.get("actions")
    if actions is None:
        transition = pinned_definitions(session, ticket).workflow.transition(
            str(data.get("transition", ""))
        )
        actions = transition.actions if transition is not None else ()
    return [
        str(action["rule"])
        for action in actions
        if isinstance(action, Mapping) and action.get("do") == "route" and action.get("rule")
    ]


def on_ticket_event(ticket: Ticket, *, session: Session, event: TicketEvent, **_: Any) -> None:
    """Receiver of ``ticket_event_recorded``: route the ticket when its event calls for it."""
    if not routing_enabled():
        return
    if event.kind == "assigned":
        assignee = (event.data or {}).get("to")
        if isinstance(assignee, int):
            note_assignment(session, assignee, event.created_at)
        return
    if session.info.get(_ROUTING) or ticket.state_category == "closed":
        return
    session.info[_ROUTING] = True
    try:
        _route_for(session, ticket, event)
    finally:
        session.info.pop(_ROUTING, None)


def _route_for(session: Session, ticket: Ticket, event: TicketEvent) -> None:
    names = routing_events(event)
    rule_keys = route_actions(session, ticket, event)
    trigger = names[0] if names else event.kind
    for rule_key in rule_keys:
        try:
            route_ticket(session, ticket.id, rule_key=rule_key, event=trigger)
        except DefinitionNotFound as error:
            # A pinned workflow may name a rule retired since; the change itself must go on.
            logger.warning("ticket %s: route action skipped: %s", ticket.number, error)
    if rule_keys:
        return
    for name in names:
        if route_ticket(session, ticket.id, event=name) is not None:
            return
