"""The ``/reports`` dashboard over the 1 000 000-ticket history (PostgreSQL).

Each figure times one KPI query of the dashboard (the statement the page runs, through the
service that labels its rows), then the whole dashboard service, for two periods: the default
last 30 days and the last 365 days, ungrouped and grouped by department. The history database
is topped up to 1 000 000 tickets first (``bench/database.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.database import HISTORY
from bench.generate import Shape, generate
from bench.report import Figure, summary, timings_ms
from gongdan.db import db
from gongdan.reports.params import ReportParams, service_date
from gongdan.reports.queries import KPI_QUERIES
from gongdan.reports.services import dashboard, kpi_table

NAME = "reports"
SIZE = 1_000_000
REPEAT = 7
DAYS = (30, 365)


def run() -> list[Figure]:
    """Time each KPI query and the whole dashboard at 30 and 365 days."""
    app = HISTORY.ensure()
    generate(app, SIZE, Shape())
    now = datetime.now(UTC)
    today = service_date(now)
    figures: list[Figure] = []
    with app.app_context():
        session = db.session
        for days in DAYS:
            params = ReportParams(today - timedelta(days=days - 1), today, now=now)
            note = f"{SIZE:,} tickets, last {days} days"
            for kpi in KPI_QUERIES:
                samples = timings_ms(
                    lambda kpi=kpi, params=params: kpi_table(
                        session, kpi, params.grouped("department")
                    ),
                    repeat=REPEAT,
                )
                figures += summary(NAME, f"{kpi} {days}d", samples, note)
            samples = timings_ms(lambda params=params: dashboard(session, params), repeat=3)
            figures += summary(NAME, f"dashboard {days}d", samples, note)
            session.rollback()
    return figures
