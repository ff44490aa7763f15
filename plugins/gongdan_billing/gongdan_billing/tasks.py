"""The plugin's periodic work (the ``gongdan_sweeps`` hook): quotes past their validity.

Idempotent: a quote is expired once (it is no longer ``sent`` afterwards), and a sweep that was
down catches up from the database.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from gongdan_billing.quotes import expire_quotes

log = logging.getLogger(__name__)


def quote_sweep(now: datetime | None) -> dict[str, Any]:
    """Expire the sent quotes whose validity ended by ``now`` (inside an app context)."""
    from gongdan.db import db

    numbers = expire_quotes(db.session, now)
    if numbers:
        log.info("billing: quotes expired on %s", ", ".join(numbers))
    return {"expired": len(numbers)}
