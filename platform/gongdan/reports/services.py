"""Running the KPI queries: tables with readable group labels, the dashboard, the drill-down list.

The numbers come from :mod:`gongdan.reports.queries` (one statement per KPI); this module adds
only what a reader needs around them — names for ids and keys (one small lookup per table, never
per row), plain ``float``/``int`` values, and the headline figures picked from the tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from gongdan.accounts.models import Department, User
from gongdan.customers.models import Customer
from gongdan.reports import csat
from gongdan.reports.params import ReportParams
from gongdan.reports.queries import KPI_COLUMNS, KPI_QUERIES
from gongdan.reports.scope import filter_conditions, in_period, still_open, tickets_from
from gongdan.reports.sql import bucket_dates
from gongdan.reports.summary_read import SummaryReader
from gongdan.tickets.models import Ticket

#: The dimension whose labels each grouped KPI shows, when it is not the report's group-by.
FIXED_DIMENSIONS: Mapping[str, str | None] = {
    "workload": "engineer",
    "top_fault_codes": None,
    "top_products": None,
}
#: Tickets per page of the drill-down list.
DRILL_PAGE_SIZE = 50


@dataclass(frozen=True)
class KpiTable:
    """One KPI's rows: ``group_key``, ``group`` (its label) and the KPI's columns."""

    kpi: str
    dimension: str | None
    columns: tuple[str, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The table as the API returns it."""
        return {
            "kpi": self.kpi,
            "dimension": self.dimension,
            "columns": list(self.columns),
            "rows": self.rows,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return round(value, 6)
    return value


def group_labels(
    session: Session, dimension: str | None, keys: Iterable[Any], locale: str = "zh"
) -> dict[Any, str]:
    """Readable names of group keys: customers', engineers' and departments' names."""
    wanted = [key for key in keys if key is not None]
    if not wanted:
        return {}
    if dimension == "customer":
        rows = session.execute(sa.select(Customer.id, Customer.name).where(Customer.id.in_(wanted)))
        return {key: name for key, name in rows}
    if dimension == "engineer":
        rows = session.execute(sa.select(User.id, User.display_name).where(User.id.in_(wanted)))
        return {key: name for key, name in rows}
    if dimension == "department":
        departments = session.scalars(sa.select(Department).where(Department.key.in_(wanted)))
        return {d.key: d.title("en" if locale.startswith("en") else "zh") for d in departments}
    return {key: str(key) for key in wanted}


def kpi_table(
    session: Session,
    kpi: str,
    params: ReportParams,
    *,
    locale: str = "zh",
    summary: SummaryReader | None = None,
) -> KpiTable:
    """The rows of ``kpi``, from the daily summary where it answers, else its query; labelled.

    ``summary`` shares what one page reads from the summary between its tables.

    :raises KeyError: ``kpi`` is not in :data:`~gongdan.reports.queries.KPI_QUERIES`.
    """
    builder = KPI_QUERIES[kpi]
    summary = summary or SummaryReader(session)
    memo = (kpi, params.date_from, params.date_to, tuple(sorted(params.filters.items())),
            params.group_by, params.period, params.now, locale)  # fmt: skip
    if memo in summary.tables:
        return summary.tables[memo]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Compiling these sub-second aggregates to machine code (JIT) costs more than it saves
        # (~150 ms a query over a million tickets); only for this transaction.
        session.execute(sa.text("SET LOCAL jit = off"))
    summarised = summary.table_rows(kpi, params)
    if summarised is None:
        summarised = list(session.execute(builder(params, dialect)).mappings())
    rows = [{name: _plain(value) for name, value in row.items()} for row in summarised]
    dimension = FIXED_DIMENSIONS.get(kpi, params.group_by)
    labels = group_labels(session, dimension, {row["group_key"] for row in rows}, locale)
    for row in rows:
        key = row["group_key"]
        row["group"] = labels.get(key, "" if key is None else str(key))
    columns = ("group_key", "group", *KPI_COLUMNS[kpi])
    table = KpiTable(kpi, dimension, columns, [{c: row.get(c) for c in columns} for row in rows])
    summary.tables[memo] = table
    return table


def _first(table: KpiTable, column: str) -> Any:
    return table.rows[0][column] if table.rows else None


@dataclass(frozen=True)
class Dashboard:
    """The headline figures, the chart series and the KPI tables of one report."""

    headline: dict[str, Any]
    charts: dict[str, KpiTable]
    tables: dict[str, KpiTable]

    def as_json(self) -> dict[str, Any]:
        """The dashboard as the API returns it."""
        return {
            "headline": self.headline,
            "charts": {name: table.as_json() for name, table in self.charts.items()},
            "tables": {name: table.as_json() for name, table in self.tables.items()},
        }


def headline(
    session: Session, params: ReportParams, summary: SummaryReader | None = None
) -> dict[str, Any]:
    """The dashboard's headline figures (ungrouped KPIs; ``None`` where nothing was measured)."""
    whole = params.grouped(None)
    summary = summary or SummaryReader(session)
    tables = {kpi: kpi_table(session, kpi, whole, summary=summary) for kpi in HEADLINE_KPIS}
    on_time = {row["metric"]: row["on_time_rate"] for row in tables["sla"].rows}
    survey = csat.summary(session, whole)
    first_response = tables["first_response"]
    resolution = tables["resolution"]
    return {
        "tickets": _first(tables["volume"], "tickets") or 0,
        "first_response_business_seconds": _first(first_response, "mean_business_seconds"),
        "first_response_seconds": _first(first_response, "mean_seconds"),
        "resolution_mean_business_seconds": _first(resolution, "mean_business_seconds"),
        "resolution_median_business_seconds": _first(resolution, "median_business_seconds"),
        "resolution_mean_seconds": _first(resolution, "mean_seconds"),
        "resolution_median_seconds": _first(resolution, "median_seconds"),
        "on_time_rate": on_time,
        "first_contact_rate": _first(tables["first_contact"], "rate"),
        "reopen_rate": _first(tables["reopen"], "rate"),
        "backlog": _first(tables["backlog"], "open") or 0,
        "transfers_per_ticket": _first(tables["transfers"], "transfers_per_ticket"),
        "csat": survey,
    }


HEADLINE_KPIS: tuple[str, ...] = (
    "volume",
    "first_response",
    "resolution",
    "sla",
    "first_contact",
    "reopen",
    "backlog",
    "transfers",
)
#: The tables of the dashboard, grouped by the report's dimension.
TABLE_KPIS: tuple[str, ...] = (*HEADLINE_KPIS, "workload", "top_fault_codes", "top_products")


def dashboard(
    session: Session,
    params: ReportParams,
    *,
    locale: str = "zh",
    summary: SummaryReader | None = None,
) -> Dashboard:
    """Everything ``/reports`` shows: headline, chart series, tables.

    Each figure comes from the daily summary where it answers (one read shared by the figures
    that need the same groups), else from its own query.
    """
    dimension = params.group_by or "department"
    summary = summary or SummaryReader(session)

    def table(kpi: str, report: ReportParams, labels: str = "zh") -> KpiTable:
        return kpi_table(session, kpi, report, locale=labels, summary=summary)

    charts = {
        "volume_by_period": table("volume", params.grouped("period"), locale),
        "volume_by_group": table("volume", params.grouped(dimension), locale),
        "volume_by_channel": table("volume", params.grouped("channel")),
        "sla": table("sla", params.grouped(None)),
        "backlog": table("backlog", params.grouped(None)),
        "top_fault_codes": table("top_fault_codes", params),
    }
    tables = {kpi: table(kpi, params, locale) for kpi in TABLE_KPIS}
    return Dashboard(headline(session, params, summary), charts, tables)


def drill_down_params(params: ReportParams, dimension: str | None, key: str | None) -> ReportParams:
    """``params`` narrowed to one group of a chart: a period's dates, or one more filter.

    :raises ValueError: ``key`` is not a value of ``dimension`` (a period that does not parse).
    """
    if not dimension or key is None or key == "":
        return params
    if dimension == "period":
        first, last = bucket_dates(params.period, key)
        return ReportParams(
            max(first, params.date_from), min(last, params.date_to), params.filters,
            params.group_by, params.period, params.now,
        )  # fmt: skip
    value: str | int = int(key) if dimension in ("customer", "engineer") else key
    return ReportParams(
        params.date_from, params.date_to, {**params.filters, dimension: value},
        params.group_by, params.period, params.now,
    )  # fmt: skip


@dataclass(frozen=True)
class TicketList:
    """One page of the tickets behind a figure."""

    tickets: list[Ticket]
    total: int
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total


def drill_down(
    session: Session, params: ReportParams, *, state: str | None = None, page: int = 1
) -> TicketList:
    """The tickets behind a figure that match the filters, newest first (one page).

    Without ``state``: the tickets created in the period. ``open``: the backlog's snapshot
    (open or paused now, created before the period's end); ``resolved``: the tickets created in
    the period that are resolved or closed now.
    """
    scope = still_open(params) if state == "open" else in_period(params)
    conditions = [scope, *filter_conditions(params.filters)]
    if state == "resolved":
        conditions.append(Ticket.state_category.in_(("resolved", "closed")))
    source = tickets_from(params)
    total = session.scalar(sa.select(sa.func.count()).select_from(source).where(*conditions))
    query = (
        sa.select(Ticket)
        .select_from(source)
        .where(*conditions)
        .options(selectinload(Ticket.customer), selectinload(Ticket.assignee))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(DRILL_PAGE_SIZE)
        .offset((max(page, 1) - 1) * DRILL_PAGE_SIZE)
    )
    return TicketList(list(session.scalars(query)), int(total or 0), max(page, 1), DRILL_PAGE_SIZE)
