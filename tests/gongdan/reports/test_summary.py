"""The daily summary gives the dashboard the same numbers as the base queries, and stays fresh."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from tests.gongdan.reports.factory import NOW, PARAMS, ReportWorld

from gongdan.db import db, utcnow
from gongdan.reports.histogram import MEDIAN_PRECISION, bucket_of, histogram_median, period_key
from gongdan.reports.models import ReportDailySummary, ReportSummaryDay
from gongdan.reports.params import ReportParams
from gongdan.reports.queries import KPI_QUERIES
from gongdan.reports.services import _plain, dashboard
from gongdan.reports.summary import refresh_summary
from gongdan.reports.summary_read import SummaryReader
from gongdan.tickets.models import Ticket

MEDIANS = {"median_seconds", "median_business_seconds"}
GROUPS = (None, "period", "department", "channel", "type")


def base_rows(kpi: str, params: ReportParams) -> list[dict[str, Any]]:
    dialect = db.session.get_bind().dialect.name
    found = db.session.execute(KPI_QUERIES[kpi](params, dialect)).mappings()
    return [{name: _plain(value) for name, value in row.items()} for row in found]


def assert_same(kpi: str, params: ReportParams) -> None:
    """The summary answers ``kpi`` for ``params`` with the base query's rows."""
    reader = SummaryReader(db.session)
    summarised = reader.table_rows(kpi, params)
    assert summarised is not None, f"{kpi} {params} not answered by the summary"
    expected = base_rows(kpi, params)
    key = ("group_key", "metric") if kpi == "sla" else ("group_key",)

    def keyed(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        return {tuple(row[k] for k in key): row for row in rows}

    got, want = keyed([{k: _plain(v) for k, v in r.items()} for r in summarised]), keyed(expected)
    assert got.keys() == want.keys(), kpi
    for group, row in want.items():
        for column, value in row.items():
            found = got[group][column]
            if column in MEDIANS and value is not None:
                assert found == pytest.approx(value, rel=MEDIAN_PRECISION + 1e-9), (kpi, column)
            elif isinstance(value, float):
                assert found == pytest.approx(value, rel=1e-9), (kpi, group, column)
            else:
                assert found == value, (kpi, group, column)


def test_histogram_median_is_within_its_precision() -> None:
    values = [1800.0, 3600.0, 7200.0, 30.0, 0.2, 86400.0 * 3]
    for count in range(1, len(values) + 1):
        sample = sorted(values[:count])
        middle = sample[(count - 1) // 2 : count // 2 + 1]
        exact = sum(middle) / len(middle)
        counts: dict[int, int] = {}
        for value in sample:
            counts[bucket_of(value)] = counts.get(bucket_of(value), 0) + 1
        median = histogram_median(counts)
        assert median is not None
        if len(middle) == 1 and exact >= 1:
            assert median == pytest.approx(exact, rel=MEDIAN_PRECISION)
    assert histogram_median({}) is None


def test_period_keys_match_the_sql_buckets() -> None:
    day = date(2026, 3, 5)  # a Thursday
    assert [period_key(day, unit) for unit in ("day", "week", "month", "quarter", "year")] == [
        "2026-03-05", "2026-03-02", "2026-03", "2026-Q1", "2026",
    ]  # fmt: skip


def test_without_a_refresh_the_base_queries_answer(app: Flask, world: ReportWorld) -> None:
    with app.app_context():
        assert SummaryReader(db.session).table_rows("volume", PARAMS) is None


def test_summary_equals_base_queries(app: Flask, world: ReportWorld) -> None:
    with app.app_context():
        refreshed = refresh_summary(db.session, NOW)
        # 2026-01-01 (the oldest ticket, Shanghai time) .. 2026-03-20 (today).
        assert refreshed == (date(2026, 3, 20) - date(2026, 1, 1)).days + 1
        for kpi in ("volume", "sla", "first_contact", "reopen", "transfers"):
            for group in GROUPS:
                assert_same(kpi, PARAMS.grouped(group))
            assert_same(kpi, ReportParams(PARAMS.date_from, PARAMS.date_to,
                                          {"department": "ws", "channel": "phone"},
                                          "type", now=NOW))  # fmt: skip
        for kpi in ("first_response", "resolution", "top_fault_codes", "top_products"):
            assert_same(kpi, PARAMS)
        # A year back, before the oldest ticket: those days are empty, not missing.
        assert_same("volume", ReportParams(date(2025, 3, 1), PARAMS.date_to, {}, now=NOW))
        for period in ("week", "quarter"):
            params = ReportParams(date(2026, 1, 1), PARAMS.date_to, {}, "period", period, NOW)
            assert_same("volume", params)
        # Not summarised: other filters and groups, and the snapshots.
        reader = SummaryReader(db.session)
        assert reader.table_rows("volume", PARAMS.grouped("engineer")) is None
        assert reader.table_rows("resolution", PARAMS.grouped("department")) is None
        assert reader.table_rows("backlog", PARAMS) is None


def test_today_is_read_live_until_the_sweep_summarises_it(app: Flask, world: ReportWorld) -> None:
    with app.app_context():
        refresh_summary(db.session, NOW)
        today = db.session.get(ReportSummaryDay, "2026-03-20")
        assert today is not None
        db.session.delete(today)  # as if the sweep had not come round to today yet
        db.session.commit()
        assert SummaryReader(db.session).covers(PARAMS)
        for kpi in ("volume", "sla", "first_contact", "reopen", "transfers"):
            assert_same(kpi, PARAMS.grouped("channel"))  # t7 (wechat) was created today
        for kpi in ("first_response", "resolution", "top_fault_codes", "top_products"):
            assert_same(kpi, PARAMS)
        # A report of today alone is the base queries' until today is summarised.
        only_today = ReportParams(date(2026, 3, 20), date(2026, 3, 20), now=NOW)
        assert SummaryReader(db.session).table_rows("volume", only_today) is None


def test_dashboard_reads_the_summary_with_the_same_headline(app: Flask, world: ReportWorld) -> None:
    with app.app_context():
        before = dashboard(db.session, PARAMS).headline
        refresh_summary(db.session, NOW)
        after = dashboard(db.session, PARAMS).headline
        assert SummaryReader(db.session).covers(PARAMS)
    assert after["tickets"] == before["tickets"] == 8
    for name, value in before.items():
        if "median" in name and value is not None:
            assert after[name] == pytest.approx(value, rel=MEDIAN_PRECISION)
        elif isinstance(value, float):
            assert after[name] == pytest.approx(value), name
        else:
            assert after[name] == value, name


def test_refresh_is_idempotent_and_follows_changed_tickets(app: Flask, world: ReportWorld) -> None:
    with app.app_context():
        refresh_summary(db.session, NOW)
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(ReportDailySummary))
        assert refresh_summary(db.session, NOW) == 0  # nothing changed: nothing redone
        summary_days = db.session.scalar(sa.select(sa.func.count()).select_from(ReportSummaryDay))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportDailySummary)) == rows
        # t6 (created on the 18th, open) is resolved now: the 18th changes.
        ticket = db.session.get(Ticket, world.tickets["t6"])
        assert ticket is not None
        ticket.state, ticket.state_category = "closed", "closed"
        ticket.resolved_at = ticket.created_at + timedelta(hours=3)
        ticket.updated_at = utcnow()
        db.session.commit()
        stale = SummaryReader(db.session).table_rows("volume", PARAMS)
        assert stale is not None and stale[0]["open"] == 3  # until the next refresh
        assert refresh_summary(db.session, NOW) == 1
        assert_same("volume", PARAMS)
        assert_same("resolution", PARAMS)
        (fresh,) = SummaryReader(db.session).table_rows("volume", PARAMS) or []
        assert (fresh["open"], fresh["closed"]) == (2, 5)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSummaryDay)) == (
            summary_days
        )


def test_a_week_report_does_not_change_the_next_month_report(
    app: Flask, world: ReportWorld
) -> None:
    """The period unit is part of the compiled statement's cache key."""
    with app.app_context():
        weeks = base_rows("volume", ReportParams(PARAMS.date_from, PARAMS.date_to, {}, "period",
                                                 "week", NOW))  # fmt: skip
        months = base_rows("volume", PARAMS.grouped("period"))
    assert [row["group_key"] for row in weeks] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    assert [row["group_key"] for row in months] == ["2026-03"]


def test_today_s_older_summary_is_used_while_no_ticket_changed(
    app: Flask, world: ReportWorld
) -> None:
    with app.app_context():
        refresh_summary(db.session, NOW)
        today = db.session.get(ReportSummaryDay, "2026-03-20")
        assert today is not None
        today.refreshed_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        assert SummaryReader(db.session)._today_is_fresh(date(2026, 3, 20))
        ticket = db.session.get(Ticket, world.tickets["t7"])
        assert ticket is not None
        ticket.state, ticket.state_category, ticket.updated_at = "closed", "closed", utcnow()
        db.session.commit()
        reader = SummaryReader(db.session)
        assert not reader._today_is_fresh(date(2026, 3, 20))
        assert_same("volume", PARAMS.grouped("channel"))  # today (t7, now closed) read live
