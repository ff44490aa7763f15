"""The KPI queries: one SQL statement each, built with SQLAlchemy Core, executed by the services.

Every builder takes :class:`~gongdan.reports.params.ReportParams` and the dialect name and
returns a ``Select`` whose first column is ``group_key`` (the value of the group-by dimension,
``NULL`` when the report is not grouped) followed by the KPI's columns, listed in
:data:`KPI_COLUMNS`. Nothing here talks to the database: the statements aggregate in SQL
(``GROUP BY``, ``FILTER``-like ``CASE`` sums, window functions), never in Python.

The shape is the same everywhere: an inner ``SELECT`` yields one row per ticket (the group key
and the per-ticket values), the outer one aggregates it by ``group_key``. Grouping by a column
of a subquery, not by the expression, keeps PostgreSQL from seeing ``fields ->> $1`` and
``fields ->> $2`` as two different expressions.

Definitions (the README of the reports lists them for managers):

* scope — tickets created in ``[start, end)``; the backlog and an engineer's open work are
  snapshots: every ticket still open (``open``/``paused``) created before ``end``.
* first response — wall-clock ``first_response_at - created_at``, and business seconds of the
  stopped ``first_response`` SLA clock where one exists (the calendar's working time).
* resolution — wall-clock ``resolved_at - created_at`` and business seconds of the stopped
  ``resolution`` clock; mean and median of each.
* on-time — stopped SLA clocks per metric: ``met / stopped``.
* first-contact resolution — resolved tickets never reopened, never transferred (no
  ``transferred`` event) and never assigned to another department (no ``assigned`` event whose
  ``to_department`` differs from its ``from_department``), over all resolved tickets.
* reopen rate — tickets with ``reopen_count > 0`` over tickets that were ever resolved
  (resolved now, or reopened).
* utilisation — an engineer's open tickets over their ``capacity``; on-site time is
  ``resolved_at - checked_in_at`` of the tickets they checked in on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause, Select

from gongdan.accounts.models import User
from gongdan.db import UTCDateTime, utcnow
from gongdan.reports.params import ReportParams
from gongdan.reports.scope import (
    DONE_CATEGORIES,
    OPEN_CATEGORIES,
    fault_code_column,
    in_period,
    product_column,
    still_open,
    ticket_rows,
    with_customers,
)
from gongdan.reports.sql import (
    by_group,
    count_where,
    duration_summary,
    ratio,
    seconds_between,
)
from gongdan.sla.models import SlaClock
from gongdan.tickets.models import Ticket, TicketEvent

#: How many rows the "top" lists return.
TOP_LIMIT = 10
DAY = 86400.0
#: Backlog age buckets: column name and the age range in days ``[low, high)``.
AGE_BUCKETS: tuple[tuple[str, float, float | None], ...] = (
    ("age_0_1d", 0, 1),
    ("age_1_3d", 1, 3),
    ("age_3_7d", 3, 7),
    ("age_7_30d", 7, 30),
    ("age_30d_plus", 30, None),
)

#: The columns each KPI returns after ``group_key``, in order.
KPI_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "volume": ("tickets", "open", "resolved", "closed"),
    "first_response": (
        "responded",
        "mean_seconds",
        "median_seconds",
        "business_measured",
        "mean_business_seconds",
        "median_business_seconds",
    ),
    "resolution": (
        "resolved",
        "mean_seconds",
        "median_seconds",
        "business_measured",
        "mean_business_seconds",
        "median_business_seconds",
    ),
    "sla": ("metric", "stopped", "met", "breached", "on_time_rate"),
    "first_contact": ("resolved", "first_contact", "rate"),
    "reopen": ("ever_resolved", "reopened", "rate"),
    "backlog": ("open", *(name for name, _, _ in AGE_BUCKETS), "mean_age_days"),
    "workload": (
        "engineer",
        "assigned",
        "resolved",
        "open",
        "capacity",
        "utilisation",
        "on_site_visits",
        "on_site_seconds",
    ),
    "transfers": ("tickets", "transferred_tickets", "transfers", "transfers_per_ticket"),
    "top_fault_codes": ("fault_code", "tickets"),
    "top_products": ("product", "tickets"),
}


def volume(params: ReportParams, dialect: str) -> Select[Any]:
    """Tickets created, and how many of them are open, resolved and closed now."""
    rows = ticket_rows(params, {"category": Ticket.state_category})
    return by_group(
        rows,
        sa.func.count().label("tickets"),
        count_where(rows.c.category.in_(OPEN_CATEGORIES)).label("open"),
        count_where(rows.c.category.in_(DONE_CATEGORIES)).label("resolved"),
        count_where(rows.c.category == "closed").label("closed"),
    )


def _stopped_clock(params: ReportParams, metric: str) -> tuple[Any, FromClause]:
    clock = SlaClock.__table__.alias(f"{metric}_clock")
    joined = Ticket.__table__.outerjoin(
        clock,
        sa.and_(
            clock.c.ticket_id == Ticket.id,
            clock.c.metric == metric,
            clock.c.stopped_at.is_not(None),
            # Implied (a clock starts when or after its ticket is created), but it lets
            # PostgreSQL read only the period's clocks through ix_sla_clocks_metric_started.
            clock.c.started_at >= params.start,
        ),
    )
    return clock.c, joined


def first_response(params: ReportParams, dialect: str) -> Select[Any]:
    """Time to the first response of responded tickets: wall clock and business time."""
    clock, source = _stopped_clock(params, "first_response")
    rows = ticket_rows(
        params,
        {
            "wall": seconds_between(Ticket.first_response_at, Ticket.created_at),
            "business": clock.business_seconds_used_before_pause,
        },
        where=[Ticket.first_response_at.is_not(None)],
        source=with_customers(params, source),
    )
    return duration_summary(rows, dialect, "responded", KPI_COLUMNS["first_response"][1:])


def resolution(params: ReportParams, dialect: str) -> Select[Any]:
    """Time to resolution of resolved tickets: mean and median, wall clock and business time."""
    clock, source = _stopped_clock(params, "resolution")
    rows = ticket_rows(
        params,
        {
            "wall": seconds_between(Ticket.resolved_at, Ticket.created_at),
            "business": clock.business_seconds_used_before_pause,
        },
        where=[Ticket.resolved_at.is_not(None)],
        source=with_customers(params, source),
    )
    return duration_summary(rows, dialect, "resolved", KPI_COLUMNS["resolution"][1:])


def sla(params: ReportParams, dialect: str) -> Select[Any]:
    """Stopped SLA clocks per metric: how many met their target and how many breached it."""
    source = with_customers(
        params, Ticket.__table__.join(SlaClock, SlaClock.ticket_id == Ticket.id)
    )
    rows = ticket_rows(
        params,
        {"metric": SlaClock.metric, "met": SlaClock.met},
        where=[SlaClock.stopped_at.is_not(None)],
        source=source,
    )
    met = count_where(rows.c.met.is_(True))
    return (
        sa.select(
            rows.c.group_key,
            rows.c.metric,
            sa.func.count().label("stopped"),
            met.label("met"),
            count_where(rows.c.met.is_(False)).label("breached"),
            ratio(met, sa.func.count()).label("on_time_rate"),
        )
        .group_by(rows.c.group_key, rows.c.metric)
        .order_by(rows.c.group_key, rows.c.metric)
    )


def handed_off() -> ColumnElement[bool]:
    """The ticket was transferred, or assigned to another department, at least once."""
    moved = sa.and_(
        TicketEvent.kind == "assigned",
        TicketEvent.data["to_department"].as_string().is_not(None),
        TicketEvent.data["from_department"].as_string().is_not(None),
        TicketEvent.data["to_department"].as_string()
        != TicketEvent.data["from_department"].as_string(),
    )
    return (
        sa.select(TicketEvent.id)
        .where(TicketEvent.ticket_id == Ticket.id)
        .where(sa.or_(TicketEvent.kind == "transferred", moved))
        .exists()
    )


def first_contact(params: ReportParams, dialect: str) -> Select[Any]:
    """Resolved tickets, and those resolved at first contact (see the module docstring)."""
    at_first_contact = sa.and_(Ticket.reopen_count == 0, sa.not_(handed_off()))
    rows = ticket_rows(
        params,
        {"first_contact": sa.case((at_first_contact, 1), else_=0)},
        where=[Ticket.resolved_at.is_not(None)],
    )
    first = sa.func.coalesce(sa.func.sum(rows.c.first_contact), 0)
    return by_group(
        rows,
        sa.func.count().label("resolved"),
        first.label("first_contact"),
        ratio(first, sa.func.count()).label("rate"),
    )


def reopen(params: ReportParams, dialect: str) -> Select[Any]:
    """Tickets ever resolved, and the share of them reopened at least once."""
    rows = ticket_rows(
        params,
        {"reopen_count": Ticket.reopen_count},
        where=[sa.or_(Ticket.resolved_at.is_not(None), Ticket.reopen_count > 0)],
    )
    reopened = count_where(rows.c.reopen_count > 0)
    return by_group(
        rows,
        sa.func.count().label("ever_resolved"),
        reopened.label("reopened"),
        ratio(reopened, sa.func.count()).label("rate"),
    )


def _now(params: ReportParams) -> ColumnElement[datetime]:
    return sa.literal(params.now or utcnow(), UTCDateTime())


def backlog(params: ReportParams, dialect: str) -> Select[Any]:
    """Open tickets now (created before the period's end), by age bucket.

    The buckets compare ``created_at`` with ``now - n days`` (timestamps), not an age computed
    per ticket: over tens of thousands of open tickets the arithmetic was most of the cost.
    """
    now = params.now or utcnow()
    rows = ticket_rows(
        params,
        {
            "created_at": Ticket.created_at,
            "age": seconds_between(_now(params), Ticket.created_at) / DAY,
        },
        scope=still_open(params),
    )

    def older_than(days: float) -> ColumnElement[bool]:
        return rows.c.created_at <= sa.literal(now - timedelta(days=days), UTCDateTime())

    buckets = [
        count_where(
            older_than(low) if high is None else sa.and_(older_than(low), ~older_than(high))
        ).label(name)
        for name, low, high in AGE_BUCKETS
    ]
    return by_group(
        rows,
        sa.func.count().label("open"),
        *buckets,
        sa.func.avg(rows.c.age).label("mean_age_days"),
    )


def workload(params: ReportParams, dialect: str) -> Select[Any]:
    """Per engineer: tickets assigned and resolved in the period, open now, on-site time.

    Always one row per engineer (``group_key`` is the engineer's user id). Two scopes read
    through their own indexes and added up (``UNION ALL``): the period's tickets, and the
    tickets still open from before it — one ``OR`` of both made PostgreSQL scan the table.
    """
    on_site = sa.and_(Ticket.checked_in_at.is_not(None), Ticket.resolved_at.is_not(None))
    source = with_customers(params, Ticket.__table__.join(User, User.id == Ticket.assignee_id))
    engineer = params.grouped("engineer")
    no_seconds = sa.cast(sa.null(), sa.Float)
    in_period_rows = ticket_rows(
        engineer,
        {
            "in_period": sa.literal(1, sa.Integer),
            "resolved": sa.case((Ticket.resolved_at.is_not(None), 1), else_=0),
            "open": sa.case((Ticket.state_category.in_(OPEN_CATEGORIES), 1), else_=0),
            "capacity": User.capacity,
            "on_site": sa.case((on_site, 1), else_=0),
            "on_site_seconds": sa.case(
                (on_site, seconds_between(Ticket.resolved_at, Ticket.checked_in_at)),
                else_=no_seconds,
            ),
        },
        scope=in_period(params),
        source=source,
    )
    older_open_rows = ticket_rows(
        engineer,
        {
            "in_period": sa.literal(0, sa.Integer),
            "resolved": sa.literal(0, sa.Integer),
            "open": sa.literal(1, sa.Integer),
            "capacity": User.capacity,
            "on_site": sa.literal(0, sa.Integer),
            "on_site_seconds": no_seconds,
        },
        scope=sa.and_(Ticket.state_category.in_(OPEN_CATEGORIES), Ticket.created_at < params.start),
        source=source,
    )
    rows = sa.union_all(sa.select(in_period_rows), sa.select(older_open_rows)).subquery(
        "workload_rows"
    )
    open_now = sa.func.sum(rows.c.open)
    capacity = sa.func.max(rows.c.capacity)
    return by_group(
        rows,
        rows.c.group_key.label("engineer"),
        sa.func.sum(rows.c.in_period).label("assigned"),
        sa.func.sum(rows.c.resolved).label("resolved"),
        open_now.label("open"),
        capacity.label("capacity"),
        ratio(open_now, capacity).label("utilisation"),
        sa.func.sum(rows.c.on_site).label("on_site_visits"),
        sa.func.coalesce(sa.func.sum(rows.c.on_site_seconds), 0.0).label("on_site_seconds"),
    )


def transfers(params: ReportParams, dialect: str) -> Select[Any]:
    """Tickets, how many were transferred, and transfers per ticket."""
    per_ticket = (
        sa.select(TicketEvent.ticket_id, sa.func.count().label("transfers"))
        .where(TicketEvent.kind == "transferred")
        .group_by(TicketEvent.ticket_id)
        .subquery("transfer_counts")
    )
    source = with_customers(
        params, Ticket.__table__.outerjoin(per_ticket, per_ticket.c.ticket_id == Ticket.id)
    )
    rows = ticket_rows(
        params, {"transfers": sa.func.coalesce(per_ticket.c.transfers, 0)}, source=source
    )
    total = sa.func.coalesce(sa.func.sum(rows.c.transfers), 0)
    return by_group(
        rows,
        sa.func.count().label("tickets"),
        count_where(rows.c.transfers > 0).label("transferred_tickets"),
        total.label("transfers"),
        ratio(total, sa.func.count()).label("transfers_per_ticket"),
    )


def _top(params: ReportParams, value: ColumnElement[str], name: str) -> Select[Any]:
    rows = ticket_rows(params.grouped(None), {name: value}, where=[value.is_not(None)])
    count = sa.func.count()
    return (
        sa.select(rows.c[name].label("group_key"), rows.c[name], count.label("tickets"))
        .group_by(rows.c[name])
        .order_by(count.desc(), rows.c[name])
        .limit(TOP_LIMIT)
    )


def top_fault_codes(params: ReportParams, dialect: str) -> Select[Any]:
    """The most frequent fault codes (``fields.fault_code``) of the period."""
    return _top(params, fault_code_column(), "fault_code")


def top_products(params: ReportParams, dialect: str) -> Select[Any]:
    """The products (``fields.product_model``) with the most tickets in the period."""
    return _top(params, product_column(), "product")


#: Every KPI query builder by name.
KPI_QUERIES = {
    "volume": volume,
    "first_response": first_response,
    "resolution": resolution,
    "sla": sla,
    "first_contact": first_contact,
    "reopen": reopen,
    "backlog": backlog,
    "workload": workload,
    "transfers": transfers,
    "top_fault_codes": top_fault_codes,
    "top_products": top_products,
}
