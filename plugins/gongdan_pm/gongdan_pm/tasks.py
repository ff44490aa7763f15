"""The plugin's periodic work (the ``gongdan_sweeps`` hook): generate the PM visits due.

Idempotent and catching up: every tick derives the schedules again, records each visit whose
ticket is due by today (those skipped by downtime too) and flags the overdue ones; a tick that
runs twice, late or in two schedulers at once records each visit once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from gongdan.customers.models import SERVICE_TIME_ZONE, service_today
from gongdan_pm.generation import generate

log = logging.getLogger(__name__)


def pm_sweep(now: datetime | None) -> dict[str, Any]:
    """Generate what is due on ``now``'s service day (inside an app context)."""
    from gongdan.db import db

    as_of = now.astimezone(SERVICE_TIME_ZONE).date() if now is not None else service_today()
    result = generate(db.session, as_of)
    if result.tickets or result.missed or result.errors:
        log.info("%s", result.summary())
    return {
        "tickets": len(result.tickets),
        "missed": result.missed,
        "schedules": result.schedules.created,
        "overdue": result.overdue,
        "errors": len(result.errors),
    }
