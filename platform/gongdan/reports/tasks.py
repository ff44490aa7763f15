"""Report jobs: keeping the dashboard's daily summary up to date (a periodic sweep)."""

from __future__ import annotations

from datetime import datetime

from gongdan.db import db
from gongdan.reports.summary import refresh_summary


def refresh_report_summary(now: datetime | None = None) -> dict[str, int]:
    """Sweep: summarise the closed days missing or changed since the last run."""
    return {"days": refresh_summary(db.session, now)}
