"""SLA: business calendars, per-metric clocks and the escalation ladder (issue 4, items 2–4).

``calendar`` and ``clock`` are IO-free; ``services`` attaches policies and follows tickets
(subscribed to ticket events), ``ladder`` fires the escalation rungs, ``tasks`` are the jobs
and ``cli`` the ``gongdan sla`` commands.
"""

from __future__ import annotations

from flask import Flask

from gongdan.sla.calendar import BusinessCalendar
from gongdan.sla.clock import ClockView
from gongdan.sla.services import (
    EXTENSION_KEY,
    attach_sla,
    on_ticket_event,
    sla_status,
    sla_status_many,
)

__all__ = [
    "BusinessCalendar",
    "ClockView",
    "attach_sla",
    "init_app",
    "sla_status",
    "sla_status_many",
]


def init_app(app: Flask) -> None:
    """Run SLA clocks in ``app`` (``GONGDAN_SLA = False`` turns them off)."""
    from gongdan.tickets.signals import ticket_event_recorded

    app.extensions[EXTENSION_KEY] = bool(app.config.get("GONGDAN_SLA", True))
    # One process-wide connection; the receiver checks the current app's switch.
    ticket_event_recorded.connect(on_ticket_event)
