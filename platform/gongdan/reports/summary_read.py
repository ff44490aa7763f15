"""KPI tables from the daily summary, with a live query for today when its summary is old.

A report is answered from the summary when every day of its period up to today is summarised
and its filters and group-by are dimensions the summary keeps. Today is read from the summary
when the sweep refreshed it within :data:`TODAY_FRESH_FOR`, else aggregated live by the same
statements that fill the summary (:mod:`gongdan.reports.summary`) — once per page, at the
summary's grain, and added to each figure's stored groups. Per KPI:

* volume, SLA on-time, first contact, reopen, transfers — exact: counts and sums add up. Group
  by nothing, period, department, channel or type; filter by department, channel or type;
* first response and resolution — counts and means exact, medians from the histogram (within
  2.5 %, see :mod:`gongdan.reports.histogram`): ungrouped and unfiltered reports only;
* top fault codes and products — exact, unfiltered reports only.

Everything else (backlog and workload are snapshots of open tickets; other filters and
groups) returns ``None`` and the caller runs the base query. A day whose tickets changed
since the last refresh shows the figures of that refresh until the next sweep (30 s by
default): the summary is as fresh as the scheduler keeps it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gongdan.db import utcnow
from gongdan.reports.histogram import histogram_median, period_key
from gongdan.reports.models import (
    SUMMARY_METRICS,
    ReportDailyDuration,
    ReportDailySummary,
    ReportDailyValue,
    ReportSummaryDay,
)
from gongdan.reports.params import ReportParams, service_date
from gongdan.reports.queries import TOP_LIMIT
from gongdan.reports.summary import (
    CHANGE_MARGIN,
    SUMMARY_DIMENSIONS,
    duration_select,
    midnight,
    summary_select,
    ticket_facts,
    value_select,
)
from gongdan.tickets.models import Ticket

#: How long after its refresh today's summary is read instead of a live query; the scheduler
#: refreshes today every sweep (30 s) while tickets change.
TODAY_FRESH_FOR = timedelta(minutes=2)
#: KPIs the summary answers exactly for any covered group-by and filter.
ADDITIVE_KPIS = frozenset({"volume", "sla", "first_contact", "reopen", "transfers"})
#: KPIs with medians: ungrouped, unfiltered reports only.
MEDIAN_KPIS = frozenset({"first_response", "resolution"})
#: The "top" lists and the summary dimension each reads.
TOP_KPIS = {"top_fault_codes": "fault_code", "top_products": "product"}
#: Group-bys the summary can answer.
SUMMARY_GROUPS = frozenset({None, "period", *SUMMARY_DIMENSIONS})
#: Summary columns holding sums of seconds (floats); the others are counts.
FLOAT_COLUMNS = frozenset(
    {
        "response_seconds",
        "response_business_seconds",
        "resolution_seconds",
        "resolution_business_seconds",
    }
)
SUM_COLUMNS: tuple[str, ...] = tuple(
    column.name
    for column in ReportDailySummary.__table__.columns
    if column.name not in ("id", "day", *SUMMARY_DIMENSIONS.values())
)


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


class SummaryReader:
    """Reads KPI tables from the summary for one request; remembers what it has read."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._coverage: dict[tuple[date, date], bool] = {}
        self._fresh: dict[date, bool] = {}
        self._live_rows: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        #: Finished KPI tables by (kpi, parameters, locale): a page asks for some twice.
        self.tables: dict[tuple[Any, ...], Any] = {}
        self._totals: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        self._histograms: dict[tuple[Any, ...], dict[str, dict[int, int]]] = {}

    # -- which days come from where -------------------------------------------------------
    def _today_is_fresh(self, today: date) -> bool:
        """Whether today's summary was refreshed within :data:`TODAY_FRESH_FOR`, or no ticket
        changed since."""
        if today not in self._fresh:
            refreshed = self.session.scalar(
                sa.select(ReportSummaryDay.refreshed_at).where(
                    ReportSummaryDay.day == today.isoformat()
                )
            )
            fresh = refreshed is not None and utcnow() - refreshed <= TODAY_FRESH_FOR
            if refreshed is not None and not fresh:
                # Older, but exact if no ticket changed since (one read of ix_tickets_updated_at).
                latest = self.session.scalar(sa.select(sa.func.max(Ticket.updated_at)))
                fresh = latest is None or latest <= refreshed - CHANGE_MARGIN
            self._fresh[today] = fresh
        return self._fresh[today]

    def _split(self, params: ReportParams) -> tuple[tuple[date, date] | None, date | None]:
        """The days of the period read from the summary, and the first day read live."""
        today = service_date(params.now or utcnow())
        if today in (params.date_from, params.date_to) or params.date_from < today < params.date_to:
            last = today if self._today_is_fresh(today) else today - timedelta(days=1)
        else:
            last = min(params.date_to, today)
        stored = (params.date_from, min(last, params.date_to)) if params.date_from <= last else None
        live_first = max(params.date_from, last + timedelta(days=1))
        return stored, (live_first if live_first <= min(params.date_to, today) else None)

    def covers(self, params: ReportParams) -> bool:
        """Whether the period has summarised days and all of them are in the summary."""
        stored, _ = self._split(params)
        if stored is None:
            return False  # today only, not summarised yet: the base queries are exact
        if stored not in self._coverage:
            # The summary starts on the oldest ticket's day: days before it have no tickets.
            oldest = self.session.scalar(sa.select(sa.func.min(ReportSummaryDay.day)))
            if oldest is None:
                return False
            first, last = max(stored[0], date.fromisoformat(oldest)), stored[1]
            if first > last:
                self._coverage[stored] = True
                return True
            summarised = self.session.scalar(
                sa.select(sa.func.count()).where(
                    ReportSummaryDay.day >= first.isoformat(),
                    ReportSummaryDay.day <= last.isoformat(),
                )
            )
            self._coverage[stored] = summarised == (last - first).days + 1
        return self._coverage[stored]

    def answers(self, kpi: str, params: ReportParams) -> bool:
        """Whether :meth:`table_rows` can answer ``kpi`` for ``params``."""
        if kpi in ADDITIVE_KPIS:
            fits = params.group_by in SUMMARY_GROUPS and set(params.filters) <= set(
                SUMMARY_DIMENSIONS
            )
        elif kpi in MEDIAN_KPIS:
            fits = params.group_by is None and not params.filters
        elif kpi in TOP_KPIS:
            fits = not params.filters
        else:
            fits = False
        return fits and self.covers(params)

    def _stored(self, params: ReportParams, table: Any, columns: list[str]) -> Any | None:
        """The summary rows of the stored days (and the filters), or ``None``."""
        stored, _ = self._split(params)
        if stored is None:
            return None
        where: list[ColumnElement[bool]] = [
            table.c.day >= stored[0].isoformat(),
            table.c.day <= stored[1].isoformat(),
        ]
        if table is ReportDailySummary.__table__:
            where += [
                table.c[SUMMARY_DIMENSIONS[name]] == value for name, value in params.filters.items()
            ]
        return sa.select(*(table.c[name] for name in columns)).where(*where).subquery("stored")

    def _live(self, params: ReportParams, kind: str) -> list[dict[str, Any]]:
        """Today's rows at the summary's grain, aggregated live once per page (unfiltered)."""
        _, live_first = self._split(params)
        if live_first is None:
            return []
        memo = (kind, live_first, params.end)
        if memo not in self._live_rows:
            facts = ticket_facts(midnight(live_first), params.end)
            select = {"summary": summary_select, "durations": duration_select,
                      "values": value_select}[kind](facts)  # fmt: skip
            self._live_rows[memo] = [dict(r) for r in self.session.execute(select).mappings()]
        return self._live_rows[memo]

    @staticmethod
    def _in_filters(row: Mapping[str, Any], params: ReportParams) -> bool:
        return all(row[SUMMARY_DIMENSIONS[k]] == v for k, v in params.filters.items())

    def _ordered(self, keys: Any) -> list[Any]:
        """Group keys in the database's order (PostgreSQL sorts NULL last, SQLite first)."""
        nulls_last = self.session.get_bind().dialect.name == "postgresql"
        present = sorted(key for key in keys if key is not None)
        if None not in keys:
            return present
        return [*present, None] if nulls_last else [None, *present]

    # -- reading --------------------------------------------------------------------------
    def totals(self, params: ReportParams) -> list[dict[str, Any]]:
        """Summed summary columns per group (``group_key`` first), in group order."""
        memo = (
            params.date_from,
            params.date_to,
            tuple(sorted(params.filters.items())),
            params.group_by,
            params.period if params.group_by == "period" else None,
        )
        if memo in self._totals:
            return self._totals[memo]
        column = None
        if params.group_by == "period":
            column = "day"
        elif params.group_by is not None:
            column = SUMMARY_DIMENSIONS[params.group_by]
        found: dict[Any, dict[str, Any]] = {}

        def add(key: Any, row: Mapping[str, Any]) -> None:
            total = found.setdefault(key, {"group_key": key, **dict.fromkeys(SUM_COLUMNS, 0)})
            for name in SUM_COLUMNS:
                value = row[name] or 0
                total[name] += float(value) if name in FLOAT_COLUMNS else int(value)

        keys = ["day", *SUMMARY_DIMENSIONS.values()]
        rows = self._stored(params, ReportDailySummary.__table__, [*keys, *SUM_COLUMNS])
        if rows is not None:
            group: ColumnElement[Any] = sa.null() if column is None else rows.c[column]
            query = sa.select(
                group.label("group_key"), *(sa.func.sum(rows.c[n]).label(n) for n in SUM_COLUMNS)
            )
            if column is not None:  # PostgreSQL refuses GROUP BY NULL
                query = query.group_by(group)
            for row in self.session.execute(query).mappings():
                if column is not None or row["tickets"] is not None:
                    add(row["group_key"], row)
        for row in self._live(params, "summary"):
            if self._in_filters(row, params):
                add(None if column is None else row[column], row)
        result = [found[key] for key in self._ordered(found)]
        if params.group_by == "period":
            result = _fold_periods(result, params.period)
        self._totals[memo] = result
        return result

    def histogram(self, params: ReportParams) -> dict[str, dict[int, int]]:
        """Bucket counts per measure of the period (unfiltered)."""
        memo = (params.date_from, params.date_to)
        if memo not in self._histograms:
            counts: dict[str, dict[int, int]] = defaultdict(dict)

            def add(measure: str, bucket: int, tickets: int) -> None:
                counts[measure][bucket] = counts[measure].get(bucket, 0) + tickets

            table = ReportDailyDuration.__table__
            rows = self._stored(params, table, ["measure", "bucket", "tickets"])
            if rows is not None:
                query = sa.select(
                    rows.c.measure, rows.c.bucket, sa.func.sum(rows.c.tickets)
                ).group_by(rows.c.measure, rows.c.bucket)
                for measure, bucket, tickets in self.session.execute(query):
                    add(measure, int(bucket), int(tickets))
            for row in self._live(params, "durations"):
                add(row["measure"], int(row["bucket"]), int(row["tickets"]))
            self._histograms[memo] = counts
        return self._histograms[memo]

    def top(self, params: ReportParams, dimension: str) -> list[tuple[str, int]]:
        """The :data:`TOP_LIMIT` most frequent values of ``dimension`` in the period."""
        counts: dict[str, int] = defaultdict(int)
        rows = self._stored(params, ReportDailyValue.__table__, ["dimension", "value", "tickets"])
        if rows is not None:
            query = (
                sa.select(rows.c.value, sa.func.sum(rows.c.tickets))
                .where(rows.c.dimension == dimension)
                .group_by(rows.c.value)
            )
            for value, tickets in self.session.execute(query):
                counts[value] += int(tickets)
        for row in self._live(params, "values"):
            if row["dimension"] == dimension:
                counts[row["value"]] += int(row["tickets"])
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:TOP_LIMIT]

    def table_rows(self, kpi: str, params: ReportParams) -> list[dict[str, Any]] | None:
        """The rows of ``kpi`` as its base query returns them, or ``None`` (not answered)."""
        if not self.answers(kpi, params):
            return None
        if kpi in TOP_KPIS:
            name = TOP_KPIS[kpi]
            return [
                {"group_key": value, name: value, "tickets": tickets}
                for value, tickets in self.top(params, name)
            ]
        totals = self.totals(params)
        if kpi in MEDIAN_KPIS:
            return _durations(kpi, totals, self.histogram(params))
        return [row for total in totals for row in ADDITIVE_ROWS[kpi](total)]


def _fold_periods(rows: list[dict[str, Any]], unit: str) -> list[dict[str, Any]]:
    """Day rows summed into ``unit`` periods, in period order."""
    folded: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = period_key(date.fromisoformat(row["group_key"]), unit)
        total = folded.setdefault(key, {"group_key": key, **dict.fromkeys(SUM_COLUMNS, 0)})
        for name in SUM_COLUMNS:
            total[name] += row[name]
    return [folded[key] for key in sorted(folded)]


def _volume(t: dict[str, Any]) -> list[dict[str, Any]]:
    if not t["tickets"]:
        return []
    return [
        {
            "group_key": t["group_key"],
            "tickets": t["tickets"],
            "open": t["open"],
            "resolved": t["done"],
            "closed": t["closed"],
        }
    ]


def _sla(t: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for metric in SUMMARY_METRICS:
        stopped, met = t[f"sla_{metric}_stopped"], t[f"sla_{metric}_met"]
        if stopped:
            rows.append(
                {
                    "group_key": t["group_key"],
                    "metric": metric,
                    "stopped": stopped,
                    "met": met,
                    "breached": t[f"sla_{metric}_breached"],
                    "on_time_rate": _ratio(met, stopped),
                }
            )
    return rows


def _first_contact(t: dict[str, Any]) -> list[dict[str, Any]]:
    if not t["resolved"]:
        return []
    return [
        {
            "group_key": t["group_key"],
            "resolved": t["resolved"],
            "first_contact": t["first_contact"],
            "rate": _ratio(t["first_contact"], t["resolved"]),
        }
    ]


def _reopen(t: dict[str, Any]) -> list[dict[str, Any]]:
    if not t["ever_resolved"]:
        return []
    return [
        {
            "group_key": t["group_key"],
            "ever_resolved": t["ever_resolved"],
            "reopened": t["reopened"],
            "rate": _ratio(t["reopened"], t["ever_resolved"]),
        }
    ]


def _transfers(t: dict[str, Any]) -> list[dict[str, Any]]:
    if not t["tickets"]:
        return []
    return [
        {
            "group_key": t["group_key"],
            "tickets": t["tickets"],
            "transferred_tickets": t["transferred_tickets"],
            "transfers": t["transfers"],
            "transfers_per_ticket": _ratio(t["transfers"], t["tickets"]),
        }
    ]


ADDITIVE_ROWS = {
    "volume": _volume,
    "sla": _sla,
    "first_contact": _first_contact,
    "reopen": _reopen,
    "transfers": _transfers,
}


def _durations(
    kpi: str, totals: list[dict[str, Any]], histogram: dict[str, dict[int, int]]
) -> list[dict[str, Any]]:
    """The first response or resolution row of an ungrouped report."""
    measure = "response" if kpi == "first_response" else "resolution"
    count_name = "responded" if kpi == "first_response" else "resolved"
    total = totals[0] if totals else None
    if total is None or not total[count_name]:
        return []
    measured = total[f"{measure}_business_measured"]
    return [
        {
            "group_key": None,
            count_name: total[count_name],
            "mean_seconds": total[f"{measure}_seconds"] / total[count_name],
            "median_seconds": histogram_median(histogram.get(measure, {})),
            "business_measured": measured,
            "mean_business_seconds": _ratio(total[f"{measure}_business_seconds"], measured),
            "median_business_seconds": histogram_median(histogram.get(f"{measure}_business", {})),
        }
    ]
