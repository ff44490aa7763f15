"""Routing: who gets a ticket, by RoutingRule definitions (DESIGN.md §6, issue 4 item 1).

``strategies`` decides (no IO), ``candidates`` loads the people in one query, ``services``
applies a decision in the caller's transaction, ``subscriptions`` routes on ticket events.
"""

from __future__ import annotations

from flask import Flask

from gongdan.routing.services import preview_routing, route_ticket
from gongdan.routing.strategies import Candidate, RoutingDecision, Skipped, Turn, decide
from gongdan.routing.subscriptions import EXTENSION_KEY, on_ticket_event
from gongdan.tickets.signals import ticket_event_recorded

__all__ = [
    "Candidate",
    "RoutingDecision",
    "Skipped",
    "Turn",
    "decide",
    "init_app",
    "preview_routing",
    "route_ticket",
]


def init_app(app: Flask) -> None:
    """Route tickets automatically in ``app`` (``GONGDAN_AUTO_ROUTING = False`` turns it off)."""
    app.extensions[EXTENSION_KEY] = bool(app.config.get("GONGDAN_AUTO_ROUTING", True))
    # One process-wide connection; the receiver checks the current app's switch.
    ticket_event_recorded.connect(on_ticket_event)
