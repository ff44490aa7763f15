"""The ``/reports`` dashboard over the 1 000 000-ticket history (PostgreSQL).

First the dashboard from the base queries alone (what it cost before the daily summary), then
the summary's backfill of the whole history and an idle refresh, then each KPI (through the
service, summary-backed where it answers) and the whole dashboard service — with today read
from a fresh summary, and from the live statements as when the scheduler is late — for two
periods:
the default last 30 days and the last 365 days, grouped by department. The history database is
topped up to 1 000 000 tickets first (``bench/database.py``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.database import HISTORY
from bench.generate import Shape, generate
from bench.report import Figure, summary, timings_ms
from gongdan.db import db
from gongdan.reports.params import ReportParams, service_date
from gongdan.reports.queries import KPI_QUERIES
from gongdan.reports.services import dashboard, kpi_table
from gongdan.reports.summary import refresh_summary
from gongdan.reports.summary_read import SummaryReader

NAME = "reports"
SIZE = 1_000_000
REPEAT = 7
DAYS = (30, 365)


class BaseQueriesOnly(SummaryReader):
    """A reader that answers nothing: every figure from its base query."""

    def table_rows(self, kpi: str, params: ReportParams) -> list[dict[str, Any]] | None:
        return None


class TodayLive(SummaryReader):
    """A reader that finds today's summary stale: today from the live statements."""

    def _today_is_fresh(self, today: Any) -> bool:
        return False


def _timed(note: str, label: str, action: Any) -> list[Figure]:
    started = time.perf_counter()
    result = action()
    elapsed = (time.perf_counter() - started) * 1000
    return summary(NAME, label, [elapsed], f"{note}: {result}")


def run() -> list[Figure]:
    """Time the base dashboard, the summary refresh, each KPI and the dashboard."""
    app = HISTORY.ensure()
    generate(app, SIZE, Shape())
    now = datetime.now(UTC)
    today = service_date(now)
    figures: list[Figure] = []
    with app.app_context():
        session = db.session
        periods = [ReportParams(today - timedelta(days=d - 1), today, now=now) for d in DAYS]
        for days, params in zip(DAYS, periods, strict=True):
            samples = timings_ms(
                lambda p=params: dashboard(session, p, summary=BaseQueriesOnly(session)),
                repeat=1,
                warmup=0,
            )
            figures += summary(NAME, f"dashboard {days}d, base queries", samples, f"{SIZE:,}")
            session.rollback()
        figures += _timed("days", "summary refresh (backfill)", lambda: refresh_summary(session))
        figures += _timed("days", "summary refresh (idle)", lambda: refresh_summary(session))
        for days, params in zip(DAYS, periods, strict=True):
            note = f"{SIZE:,} tickets, last {days} days"
            for kpi in KPI_QUERIES:
                samples = timings_ms(
                    lambda kpi=kpi, params=params: kpi_table(
                        session, kpi, params.grouped("department")
                    ),
                    repeat=REPEAT,
                )
                figures += summary(NAME, f"{kpi} {days}d", samples, note)
            # As in production, where the scheduler refreshes the summary every 30 s.
            refresh_summary(session)
            samples = timings_ms(lambda params=params: dashboard(session, params), repeat=5)
            figures += summary(NAME, f"dashboard {days}d", samples, note)
            samples = timings_ms(
                lambda p=params: dashboard(session, p, summary=TodayLive(session)), repeat=3
            )
            figures += summary(NAME, f"dashboard {days}d, today live", samples, note)
            session.rollback()
    return figures
