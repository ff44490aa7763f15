"""Callback surveys (issue 7): invitations, signed links, the answer page, scores, follow-ups."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.signals import ticket_event_recorded

__all__ = ["init_app"]


def _on_ticket_event(sender: Ticket, *, session: Session, event: TicketEvent, **_: Any) -> None:
    from gongdan.surveys.services import schedule_for_event

    schedule_for_event(session, sender, event)


def init_app(app: Flask) -> None:
    """Schedule surveys on ticket events (process-wide) and register the pages."""
    from gongdan.surveys import views

    ticket_event_recorded.connect(_on_ticket_event, weak=False)
    views.init_app(app)
