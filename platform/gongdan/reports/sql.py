"""SQL building blocks the KPI queries share, one spelling per database.

Each construct compiles to PostgreSQL or SQLite SQL (``@compiles``), so a query is built once
and runs on both:

* :class:`seconds_between` — ``date_part('epoch', a - b)`` / ``julianday`` difference;
* :class:`period_bucket` — the day, week (its Monday), month, quarter or year of a timestamp in
  the service time zone, as text: ``date_trunc`` + ``to_char`` on PostgreSQL, ``strftime`` on
  SQLite. Keys read ``2026-03-02`` (day, week), ``2026-03``, ``2026-Q1``, ``2026``.

Medians differ more than a function call; :func:`duration_summary` says how each database
gets one.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import Select, Subquery
from sqlalchemy.sql.visitors import InternalTraversal

from gongdan.customers.models import SERVICE_TIME_ZONE

#: The IANA name of the time zone periods are cut in.
TIME_ZONE_NAME = str(SERVICE_TIME_ZONE)


def _utc_offset_hours() -> int:
    """The service time zone's offset in whole hours (China keeps one offset all year)."""
    offset = datetime(2000, 1, 1, tzinfo=SERVICE_TIME_ZONE).utcoffset()
    return int(offset.total_seconds() // 3600) if offset else 0


class seconds_between(FunctionElement[float]):
    """``later - earlier`` in seconds (a float; ``NULL`` when either is ``NULL``)."""

    type = sa.Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    # date_part gives a double; EXTRACT gives numeric since PostgreSQL 14, several times slower
    # to compute and aggregate over a period's tickets.
    return f"date_part('epoch', {later} - {earlier})"


@compiles(seconds_between)
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


class period_bucket(FunctionElement[str]):
    """The period a timestamp falls in, as text (see the module docstring for the keys)."""

    type = sa.String()
    inherit_cache = True
    name = "period_bucket"
    # The unit is part of the SQL, so it must be part of the statement cache key too: without
    # it a month report reused the SQL compiled for an earlier week report.
    _traverse_internals = [
        *FunctionElement._traverse_internals,
        ("unit", InternalTraversal.dp_string),
    ]

    def __init__(self, moment: ColumnElement[Any], unit: str) -> None:
        if unit not in _PG_FORMATS:
            raise ValueError(f"unknown period {unit!r}")
        self.unit = unit
        super().__init__(moment)


_PG_FORMATS = {
    "day": "YYYY-MM-DD",
    "week": "YYYY-MM-DD",
    "month": "YYYY-MM",
    "quarter": 'YYYY-"Q"Q',
    "year": "YYYY",
}


@compiles(period_bucket, "postgresql")
def _bucket_pg(element: period_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = (compiler.process(c, **kw) for c in element.clauses)
    local = f"timezone('{TIME_ZONE_NAME}', {moment})"
    return f"to_char(date_trunc('{element.unit}', {local}), '{_PG_FORMATS[element.unit]}')"


@compiles(period_bucket)
def _bucket_sqlite(element: period_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = (compiler.process(c, **kw) for c in element.clauses)
    local = f"datetime({moment}, '{_utc_offset_hours():+d} hours')"
    if element.unit == "day":
        return f"strftime('%Y-%m-%d', {local})"
    if element.unit == "week":  # the Monday on or before the day
        return f"date({local}, 'weekday 0', '-6 days')"
    if element.unit == "month":
        return f"strftime('%Y-%m', {local})"
    if element.unit == "quarter":
        month = f"CAST(strftime('%m', {local}) AS INTEGER)"
        return f"(strftime('%Y', {local}) || '-Q' || (({month} + 2) / 3))"
    return f"strftime('%Y', {local})"


def bucket_dates(unit: str, key: str) -> tuple[date, date]:
    """The first and last day of the period named ``key`` (a :class:`period_bucket` value).

    :raises ValueError: ``key`` is not such a value.
    """
    if unit in ("day", "week"):
        first = date.fromisoformat(key)
        return first, first + timedelta(days=6 if unit == "week" else 0)
    if unit == "month":
        year, month = (int(part) for part in key.split("-"))
        return date(year, month, 1), date(year, month, monthrange(year, month)[1])
    if unit == "quarter":
        year_text, _, quarter_text = key.partition("-Q")
        year, quarter = int(year_text), int(quarter_text)
        if not 1 <= quarter <= 4:
            raise ValueError(f"no quarter {key!r}")
        last_month = quarter * 3
        return date(year, last_month - 2, 1), date(
            year, last_month, monthrange(year, last_month)[1]
        )
    if unit == "year":
        year = int(key)
        return date(year, 1, 1), date(year, 12, 31)
    raise ValueError(f"unknown period {unit!r}")


def ratio(part: ColumnElement[Any], whole: ColumnElement[Any]) -> ColumnElement[float]:
    """``part / whole`` as a float, ``NULL`` when ``whole`` is zero."""
    return sa.cast(part, sa.Float) / sa.func.nullif(whole, 0)


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of the group satisfy ``condition`` (0, never ``NULL``)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def by_group(rows: Subquery, *aggregates: ColumnElement[Any]) -> Select[Any]:
    """``aggregates`` of ``rows`` per ``rows.c.group_key``, ordered by it."""
    return (
        sa.select(rows.c.group_key, *aggregates)
        .group_by(rows.c.group_key)
        .order_by(rows.c.group_key)
    )


def _median(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return sa.func.percentile_cont(0.5).within_group(column)


def duration_summary(
    rows: Subquery, dialect: str, first: str, names: tuple[str, ...]
) -> Select[Any]:
    """Count, mean and median of the ``wall`` and ``business`` columns of ``rows``.

    PostgreSQL takes ``percentile_cont(0.5)``. SQLite has no such aggregate: each value is
    numbered within its group (``ROW_NUMBER``, non-null values first) and counted (``COUNT``
    over the group); the median is the mean of the one or two middle rows.
    """
    if dialect == "postgresql":
        return by_group(
            rows,
            sa.func.count().label(first),
            sa.func.avg(rows.c.wall).label(names[0]),
            _median(rows.c.wall).label(names[1]),
            sa.func.count(rows.c.business).label(names[2]),
            sa.func.avg(rows.c.business).label(names[3]),
            _median(rows.c.business).label(names[4]),
        )
    group = rows.c.group_key
    numbered = sa.select(
        rows.c.group_key,
        rows.c.wall,
        rows.c.business,
        sa.func.row_number().over(partition_by=group, order_by=rows.c.wall).label("wall_rank"),
        sa.func.count(rows.c.wall).over(partition_by=group).label("wall_count"),
        sa.func.row_number()
        .over(
            partition_by=group,
            order_by=(sa.case((rows.c.business.is_(None), 1), else_=0), rows.c.business),
        )
        .label("business_rank"),
        sa.func.count(rows.c.business).over(partition_by=group).label("business_count"),
    ).subquery("numbered")

    def middle(value: str, rank: str, count: str) -> ColumnElement[Any]:
        n = numbered.c[count]
        is_middle = numbered.c[rank].in_([(n + 1) // 2, (n + 2) // 2])
        return sa.func.avg(sa.case((sa.and_(n > 0, is_middle), numbered.c[value])))

    return by_group(
        numbered,
        sa.func.count().label(first),
        sa.func.avg(numbered.c.wall).label(names[0]),
        middle("wall", "wall_rank", "wall_count").label(names[1]),
        sa.func.count(numbered.c.business).label(names[2]),
        sa.func.avg(numbered.c.business).label(names[3]),
        middle("business", "business_rank", "business_count").label(names[4]),
    )
