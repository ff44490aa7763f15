"""Every KPI against values computed by hand from the data set of ``factory.py``."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from tests.gongdan.reports.factory import PARAMS, ReportWorld

from gongdan.db import db
from gongdan.reports import csat
from gongdan.reports.params import ReportParams
from gongdan.reports.services import kpi_table

H = 3600.0


def rows(app: Flask, kpi: str, params: ReportParams = PARAMS) -> list[dict[str, Any]]:
    with app.app_context():
        return kpi_table(db.session, kpi, params).rows


def one(app: Flask, kpi: str, params: ReportParams = PARAMS) -> dict[str, Any]:
    (row,) = rows(app, kpi, params)
    return row


def by_key(found: list[dict[str, Any]], column: str) -> dict[Any, Any]:
    return {row["group_key"]: row[column] for row in found}


def test_volume(app: Flask, world: ReportWorld) -> None:
    row = one(app, "volume")
    assert (row["tickets"], row["open"], row["resolved"], row["closed"]) == (8, 3, 5, 4)
    channels = rows(app, "volume", PARAMS.grouped("channel"))
    assert by_key(channels, "tickets") == {"email": 1, "phone": 4, "portal": 1, "web": 1,
                                           "wechat": 1}  # fmt: skip


def test_first_response_wall_clock_and_business_time(app: Flask, world: ReportWorld) -> None:
    row = one(app, "first_response")
    assert row["responded"] == 6
    assert row["mean_seconds"] == pytest.approx(5100, abs=0.1)
    assert row["median_seconds"] == pytest.approx(3600, abs=0.1)
    # Only t1, t2 and t5 have a stopped first-response clock: 1800, 3600, 7200.
    assert row["business_measured"] == 3
    assert row["mean_business_seconds"] == pytest.approx(4200)
    assert row["median_business_seconds"] == pytest.approx(3600)


def test_resolution_mean_and_median(app: Flask, world: ReportWorld) -> None:
    row = one(app, "resolution")
    assert row["resolved"] == 5
    assert row["mean_seconds"] == pytest.approx(30240, abs=0.1)  # (10+20+4+2+6)h / 5
    assert row["median_seconds"] == pytest.approx(6 * H, abs=0.1)
    # Business seconds 20000, 30000, 10000, 40000: an even count, the two middles averaged.
    assert row["business_measured"] == 4
    assert row["mean_business_seconds"] == pytest.approx(25000)
    assert row["median_business_seconds"] == pytest.approx(25000)


def test_resolution_median_per_group(app: Flask, world: ReportWorld) -> None:
    found = rows(app, "resolution", PARAMS.grouped("region"))
    assert by_key(found, "median_seconds") == {
        "east": pytest.approx(15 * H, abs=0.1),  # 10h and 20h
        "north": pytest.approx(4 * H, abs=0.1),  # 2h, 4h, 6h
    }
    assert by_key(found, "median_business_seconds") == {
        "east": pytest.approx(25000),
        "north": pytest.approx(25000),
    }


def test_on_time_rate_per_metric(app: Flask, world: ReportWorld) -> None:
    found = {row["metric"]: row for row in rows(app, "sla")}
    assert set(found) == {"first_response", "resolution"}  # the running clock is not counted
    first, resolution = found["first_response"], found["resolution"]
    assert (first["stopped"], first["met"], first["breached"]) == (3, 2, 1)
    assert first["on_time_rate"] == pytest.approx(2 / 3, abs=1e-5)
    assert (resolution["stopped"], resolution["met"], resolution["breached"]) == (4, 3, 1)
    assert resolution["on_time_rate"] == pytest.approx(0.75)


def test_first_contact_resolution(app: Flask, world: ReportWorld) -> None:
    # Resolved: t1 t2 t3 t4 t10. t2 transferred, t3 reopened, t4 assigned cs→ws: t1 and t10.
    row = one(app, "first_contact")
    assert (row["resolved"], row["first_contact"]) == (5, 2)
    assert row["rate"] == pytest.approx(0.4)


def test_reopen_rate(app: Flask, world: ReportWorld) -> None:
    # Ever resolved: the five resolved and t5 (reopened, open again); reopened: t3 and t5.
    row = one(app, "reopen")
    assert (row["ever_resolved"], row["reopened"]) == (6, 2)
    assert row["rate"] == pytest.approx(1 / 3, abs=1e-5)


def test_backlog_and_ageing(app: Flask, world: ReportWorld) -> None:
    # Open now: t7 0.58d, t6 2.42d, t5 8.42d, t8 28.42d, t9 78.42d (t8, t9 before the period).
    row = one(app, "backlog")
    assert row["open"] == 5
    assert [row[k] for k in ("age_0_1d", "age_1_3d", "age_3_7d", "age_7_30d", "age_30d_plus")] == [
        1, 1, 0, 2, 1,
    ]  # fmt: skip
    assert row["mean_age_days"] == pytest.approx(23.65, abs=1e-4)


def test_engineer_workload_and_utilisation(app: Flask, world: ReportWorld) -> None:
    found = {row["group_key"]: row for row in rows(app, "workload")}
    e1, e2 = found[world.users["e1"]], found[world.users["e2"]]
    assert e1["group"] == "Engineer One"
    assert (e1["assigned"], e1["resolved"], e1["open"], e1["capacity"]) == (3, 2, 2, 4)
    assert e1["utilisation"] == pytest.approx(0.5)
    assert (e1["on_site_visits"], e1["on_site_seconds"]) == (1, pytest.approx(2 * H, abs=0.1))
    assert (e2["assigned"], e2["resolved"], e2["open"], e2["capacity"]) == (3, 2, 2, 2)
    assert e2["utilisation"] == pytest.approx(1.0)
    assert (e2["on_site_visits"], e2["on_site_seconds"]) == (1, pytest.approx(H, abs=0.1))


def test_transfers_per_ticket(app: Flask, world: ReportWorld) -> None:
    row = one(app, "transfers")
    assert (row["tickets"], row["transferred_tickets"], row["transfers"]) == (8, 2, 3)
    assert row["transfers_per_ticket"] == pytest.approx(0.375)


def test_top_fault_codes_and_products(app: Flask, world: ReportWorld) -> None:
    assert [(r["fault_code"], r["tickets"]) for r in rows(app, "top_fault_codes")] == [
        ("F1", 3), ("F2", 2),
    ]  # fmt: skip
    assert [(r["product"], r["tickets"]) for r in rows(app, "top_products")] == [
        ("p1", 3), ("p2", 2), ("p3", 1),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("week", {"2026-03-02": 3, "2026-03-09": 3, "2026-03-16": 2}),
        ("month", {"2026-03": 8}),
        ("quarter", {"2026-Q1": 8}),
        ("year", {"2026": 8}),
    ],
)
def test_period_buckets(
    app: Flask, world: ReportWorld, period: str, expected: dict[str, int]
) -> None:
    params = ReportParams(PARAMS.date_from, PARAMS.date_to, {}, "period", period, PARAMS.now)
    assert by_key(rows(app, "volume", params), "tickets") == expected


def test_days_are_cut_in_the_service_time_zone(app: Flask, world: ReportWorld) -> None:
    params = ReportParams(PARAMS.date_from, PARAMS.date_to, {}, "period", "day", PARAMS.now)
    days = by_key(rows(app, "volume", params), "tickets")
    # t7 was created at 22:00 UTC on the 19th: the 20th in Shanghai.
    assert days["2026-03-20"] == 1 and "2026-03-19" not in days


@pytest.mark.parametrize(
    ("filters", "tickets"),
    [
        ({"product": "p1"}, 3),
        ({"region": "north"}, 4),
        ({"channel": "phone"}, 4),
        ({"type": "repair"}, 5),
        ({"department": "cs"}, 2),
    ],
)
def test_filters(app: Flask, world: ReportWorld, filters: dict[str, Any], tickets: int) -> None:
    params = ReportParams(PARAMS.date_from, PARAMS.date_to, filters, now=PARAMS.now)
    assert one(app, "volume", params)["tickets"] == tickets


def test_filter_by_engineer_and_customer(app: Flask, world: ReportWorld) -> None:
    engineer = ReportParams(
        PARAMS.date_from, PARAMS.date_to, {"engineer": world.users["e2"]}, now=PARAMS.now
    )
    assert one(app, "volume", engineer)["tickets"] == 3  # t3 t5 t10
    customer = ReportParams(
        PARAMS.date_from, PARAMS.date_to, {"customer": world.customers["B"]}, "customer",
        now=PARAMS.now,
    )  # fmt: skip
    (row,) = rows(app, "volume", customer)
    assert (row["group"], row["tickets"]) == ("Bolt", 4)


def test_csat_says_no_data_without_survey_answers(app: Flask, world: ReportWorld) -> None:
    with app.app_context():
        assert csat.answers_table() is not None  # the surveys' table
        assert csat.summary(db.session, PARAMS)["available"] is False
