"""Filling the daily summary: one ``INSERT ... SELECT ... GROUP BY`` per table and range of days.

:func:`ticket_facts` is one row per ticket created in ``[start, end)`` with every value a
dashboard KPI aggregates, defined exactly as the base queries of
:mod:`gongdan.reports.queries` define them. :func:`summary_select`, :func:`duration_select` and
:func:`value_select` group it; the refresh stores those groups, and the dashboard runs the very
same statements live for the days not (yet) summarised, such as today.

:func:`refresh_summary` is the periodic job (the ``reports`` sweep). It recomputes

* every day up to today that is not in the summary yet — the first run backfills the whole
  history, 31 days to a transaction;
* every day with a ticket changed (``tickets.updated_at``) since the previous run, less a
  safety margin for transactions still open then — a ticket created last week and resolved
  today changes last week's figures; today changes all the time and is redone every sweep.

Each range is replaced in one transaction (delete, then insert from the tickets) under a lock,
so running it twice, or in two processes at once, leaves the same rows: it is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select, Subquery

from gongdan.customers.models import SERVICE_TIME_ZONE
from gongdan.db import utcnow
from gongdan.reports.histogram import LOG_RATIO
from gongdan.reports.models import (
    SUMMARY_METRICS,
    ReportDailyDuration,
    ReportDailySummary,
    ReportDailyValue,
    ReportSummaryDay,
)
from gongdan.reports.params import service_date
from gongdan.reports.queries import handed_off
from gongdan.reports.scope import (
    DONE_CATEGORIES,
    OPEN_CATEGORIES,
    fault_code_column,
    product_column,
)
from gongdan.reports.sql import count_where, period_bucket, seconds_between
from gongdan.sla.models import SlaClock
from gongdan.tickets.models import Ticket, TicketEvent

#: Days replaced in one transaction.
CHUNK_DAYS = 31
#: How far before its previous run the refresh looks for changed tickets: a transaction that
#: stamped ``updated_at`` before the run but committed after it is still seen.
CHANGE_MARGIN = timedelta(minutes=2)
#: Key of the PostgreSQL transaction lock that serialises refreshes.
ADVISORY_LOCK_KEY = 0x7265706F7274
#: The histogram measures: summary column of the per-ticket facts → measure name.
MEASURES: tuple[str, ...] = (
    "response",
    "response_business",
    "resolution",
    "resolution_business",
)
#: Dimensions the summary is keyed by: report dimension → summary column.
SUMMARY_DIMENSIONS: dict[str, str] = {
    "department": "department_key",
    "channel": "channel",
    "type": "type_key",
}


def midnight(day: date) -> datetime:
    """The first instant of ``day`` in the service time zone (aware, UTC)."""
    return datetime.combine(day, time(), tzinfo=SERVICE_TIME_ZONE).astimezone(UTC)


def ticket_facts(
    start: datetime, end: datetime, where: Iterable[ColumnElement[bool]] = ()
) -> Subquery:
    """One row per ticket created in ``[start, end)``: its day, dimensions and KPI values."""
    in_range = sa.and_(Ticket.created_at >= start, Ticket.created_at < end)
    sla_columns: list[ColumnElement[Any]] = []
    for metric in SUMMARY_METRICS:
        is_metric = SlaClock.metric == metric
        sla_columns += [
            count_where(is_metric).label(f"sla_{metric}_stopped"),
            count_where(sa.and_(is_metric, SlaClock.met.is_(True))).label(f"sla_{metric}_met"),
            count_where(sa.and_(is_metric, SlaClock.met.is_(False))).label(
                f"sla_{metric}_breached"
            ),
        ]

    def business(metric: str) -> ColumnElement[Any]:
        # The base queries read the stopped clock's business seconds (one clock per metric).
        value = SlaClock.business_seconds_used_before_pause
        return sa.func.max(sa.case((SlaClock.metric == metric, value))).label(metric)

    clocks = (
        sa.select(
            SlaClock.ticket_id, *sla_columns, business("first_response"), business("resolution")
        )
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(in_range, SlaClock.stopped_at.is_not(None), SlaClock.started_at >= start)
        .group_by(SlaClock.ticket_id)
        .subquery("stopped_clocks")
    )
    moves = (
        sa.select(TicketEvent.ticket_id, sa.func.count().label("transfers"))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(in_range, TicketEvent.kind == "transferred")
        .group_by(TicketEvent.ticket_id)
        .subquery("transfer_counts")
    )
    responded = Ticket.first_response_at.is_not(None)
    resolved = Ticket.resolved_at.is_not(None)
    first_contact = sa.and_(resolved, Ticket.reopen_count == 0, sa.not_(handed_off()))
    query = (
        sa.select(
            period_bucket(Ticket.created_at, "day").label("day"),
            Ticket.department_key.label("department_key"),
            Ticket.channel.label("channel"),
            Ticket.type_key.label("type_key"),
            Ticket.state_category.label("category"),
            seconds_between(Ticket.first_response_at, Ticket.created_at).label("response"),
            sa.case((responded, clocks.c.first_response)).label("response_business"),
            seconds_between(Ticket.resolved_at, Ticket.created_at).label("resolution"),
            sa.case((resolved, clocks.c.resolution)).label("resolution_business"),
            sa.case((first_contact, 1), else_=0).label("first_contact"),
            sa.case((sa.or_(resolved, Ticket.reopen_count > 0), 1), else_=0).label("ever_resolved"),
            sa.case((Ticket.reopen_count > 0, 1), else_=0).label("reopened"),
            sa.func.coalesce(moves.c.transfers, 0).label("transfers"),
            *(
                sa.func.coalesce(clocks.c[column.name], 0).label(column.name)
                for column in sla_columns
            ),
            product_column().label("product"),
            fault_code_column().label("fault_code"),
        )
        .select_from(
            Ticket.__table__.outerjoin(clocks, clocks.c.ticket_id == Ticket.id).outerjoin(
                moves, moves.c.ticket_id == Ticket.id
            )
        )
        .where(in_range, *where)
    )
    return query.subquery("ticket_facts")


def _sum(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(column), 0)


def summary_select(facts: Subquery) -> Select[Any]:
    """``facts`` grouped by day, department, channel and type: the summary's columns."""
    c = facts.c
    keys = (c.day, c.department_key, c.channel, c.type_key)
    return sa.select(
        *keys,
        sa.func.count().label("tickets"),
        count_where(c.category.in_(OPEN_CATEGORIES)).label("open"),
        count_where(c.category.in_(DONE_CATEGORIES)).label("done"),
        count_where(c.category == "closed").label("closed"),
        sa.func.count(c.response).label("responded"),
        _sum(c.response).label("response_seconds"),
        sa.func.count(c.response_business).label("response_business_measured"),
        _sum(c.response_business).label("response_business_seconds"),
        sa.func.count(c.resolution).label("resolved"),
        _sum(c.resolution).label("resolution_seconds"),
        sa.func.count(c.resolution_business).label("resolution_business_measured"),
        _sum(c.resolution_business).label("resolution_business_seconds"),
        _sum(c.first_contact).label("first_contact"),
        _sum(c.ever_resolved).label("ever_resolved"),
        _sum(c.reopened).label("reopened"),
        count_where(c.transfers > 0).label("transferred_tickets"),
        _sum(c.transfers).label("transfers"),
        *(
            _sum(c[f"sla_{metric}_{part}"]).label(f"sla_{metric}_{part}")
            for metric in SUMMARY_METRICS
            for part in ("stopped", "met", "breached")
        ),
    ).group_by(*keys)


def _bucket(value: ColumnElement[Any]) -> ColumnElement[int]:
    log_bucket = sa.cast(sa.func.floor(sa.func.ln(value) / LOG_RATIO), sa.Integer)
    return sa.case((value < 1, -1), else_=log_bucket)


def duration_select(facts: Subquery) -> Select[Any]:
    """The histogram of ``facts``' durations per day and measure (see ``reports.histogram``)."""
    parts = [
        sa.select(
            facts.c.day.label("day"),
            sa.literal(measure, sa.String()).label("measure"),
            _bucket(facts.c[measure]).label("bucket"),
        ).where(facts.c[measure].is_not(None))
        for measure in MEASURES
    ]
    rows = sa.union_all(*parts).subquery("durations")
    keys = (rows.c.day, rows.c.measure, rows.c.bucket)
    return sa.select(*keys, sa.func.count().label("tickets")).group_by(*keys)


def value_select(facts: Subquery) -> Select[Any]:
    """Tickets per day and product model / fault code of ``facts``."""
    parts = [
        sa.select(
            facts.c.day.label("day"),
            sa.literal(dimension, sa.String()).label("dimension"),
            facts.c[dimension].label("value"),
        ).where(facts.c[dimension].is_not(None))
        for dimension in ("product", "fault_code")
    ]
    rows = sa.union_all(*parts).subquery("values")
    keys = (rows.c.day, rows.c.dimension, rows.c.value)
    return sa.select(*keys, sa.func.count().label("tickets")).group_by(*keys)


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})


def refresh_days(session: Session, first: date, last: date, moment: datetime) -> None:
    """Replace the summary of the days ``first``..``last`` (both included); commits."""
    _lock(session)
    low, high = first.isoformat(), last.isoformat()
    for model in (ReportDailySummary, ReportDailyDuration, ReportDailyValue, ReportSummaryDay):
        session.execute(sa.delete(model).where(model.day >= low, model.day <= high))
    facts = ticket_facts(midnight(first), midnight(last + timedelta(days=1)))
    for model, select in (
        (ReportDailySummary, summary_select(facts)),
        (ReportDailyDuration, duration_select(facts)),
        (ReportDailyValue, value_select(facts)),
    ):
        names = [column.name for column in select.selected_columns]
        session.execute(sa.insert(model).from_select(names, select))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    session.execute(
        sa.insert(ReportSummaryDay),
        [{"day": day.isoformat(), "refreshed_at": moment} for day in days],
    )
    session.commit()


def _ranges(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Consecutive runs of ``days``, each at most :data:`CHUNK_DAYS` long."""
    first: date | None = None
    last: date | None = None
    for day in sorted(set(days)):
        if first is not None and last is not None:
            if day == last + timedelta(days=1) and (day - first).days < CHUNK_DAYS:
                last = day
                continue
            yield first, last
        first = last = day
    if first is not None and last is not None:
        yield first, last


def days_to_refresh(session: Session, now: datetime) -> list[date]:
    """The days up to today missing from the summary or with tickets changed since its last run."""
    today = service_date(now)
    oldest = session.scalar(sa.select(sa.func.min(Ticket.created_at)))
    if oldest is None:
        return []
    summarised = {date.fromisoformat(d) for d in session.scalars(sa.select(ReportSummaryDay.day))}
    first = service_date(oldest)
    missing = [
        first + timedelta(days=n)
        for n in range((today - first).days + 1)
        if first + timedelta(days=n) not in summarised
    ]
    last_run = session.scalar(sa.select(sa.func.max(ReportSummaryDay.refreshed_at)))
    changed: list[date] = []
    if last_run is not None:
        changed_days = (
            sa.select(period_bucket(Ticket.created_at, "day"))
            .where(Ticket.updated_at >= last_run - CHANGE_MARGIN)
            .where(Ticket.created_at < midnight(today + timedelta(days=1)))
            .distinct()
        )
        changed = [date.fromisoformat(day) for day in session.scalars(changed_days)]
    return sorted(set(missing) | set(changed))


def refresh_summary(session: Session, now: datetime | None = None) -> int:
    """Bring the summary up to date (see the module docstring); how many days were refreshed."""
    # Stamped with the clock's time before reading, whatever "now" the caller asks about: the
    # next run looks for tickets changed after it.
    started = utcnow()
    days = days_to_refresh(session, now or started)
    session.rollback()
    for first, last in _ranges(days):
        refresh_days(session, first, last, started)
    return len(days)
