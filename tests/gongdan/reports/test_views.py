"""The ``/reports`` pages and ``/api/v1/reports``: roles, bad parameters, exports, drill-down."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from tests.gongdan.reports.factory import PARAMS, ReportWorld

from gongdan.accounts.models import User
from gongdan.accounts.tokens import create_token
from gongdan.db import db

#: The factory's period; ``now`` is the real clock here, so only created-in-period KPIs and the
#: shape of the backlog are compared.
PERIOD = "from=2026-03-01&to=2026-03-20"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("manager", 200),
        ("service_manager", 200),
        ("admin", 200),
        ("agent", 403),
        ("engineer", 403),
        ("customer", 403),
    ],
)
def test_only_managers_see_reports(
    client: FlaskClient,
    login: Callable[..., Any],
    staff: dict[str, User],
    world: ReportWorld,
    role: str,
    status: int,
) -> None:
    login(role)
    assert client.get(f"/reports?{PERIOD}").status_code == status
    assert client.get(f"/reports/tickets?{PERIOD}").status_code == status
    assert client.get(f"/reports/export/volume.csv?{PERIOD}").status_code == status
    api = client.get(f"/api/v1/reports/dashboard?{PERIOD}")
    assert api.status_code == status
    if status == 403:
        assert api.json["error"]["code"] == "forbidden"


def test_anonymous_is_sent_to_login(client: FlaskClient) -> None:
    assert client.get("/reports").status_code in (302, 401)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("from=yesterday", "from"),
        ("to=2026-13-45", "to"),
        ("from=2026-03-20&to=2026-03-01", "from"),
        ("group_by=colour", "group_by"),
        ("period=fortnight", "period"),
        ("engineer=abc", "engineer"),
        ("customer=1;DROP", "customer"),
        ("from=2000-01-01&to=2026-01-01", "to"),
    ],
)
def test_bad_parameters_are_400_not_500(
    client: FlaskClient,
    login: Callable[..., Any],
    staff: dict[str, User],
    query: str,
    name: str,
) -> None:
    login("manager")
    page = client.get(f"/reports?{query}")
    assert page.status_code == 400
    assert "report-error" in page.text and f"<code>{name}</code>" in page.text
    api = client.get(f"/api/v1/reports/kpis/volume?{query}")
    assert api.status_code == 400
    assert api.json["error"]["code"] == "bad_report_parameter"
    assert name in api.json["error"]["fields"]
    assert client.get(f"/reports/export/volume.xlsx?{query}").status_code == 400
    assert client.get(f"/reports/tickets?{query}").status_code == 400


def test_unknown_kpi_and_format_are_404(
    client: FlaskClient, login: Callable[..., Any], staff: dict[str, User]
) -> None:
    login("manager")
    assert client.get("/api/v1/reports/kpis/happiness").status_code == 404
    assert client.get("/reports/export/happiness.csv").status_code == 404
    assert client.get("/reports/export/volume.pdf").status_code == 404
    bad_key = client.get("/reports/tickets?dimension=period&period=month&key=March")
    assert bad_key.status_code == 400


def _embedded(page: str) -> dict[str, Any]:
    pattern = r'<script type="application/json" id="report-data">(.*?)</script>'
    match = re.search(pattern, page, re.S)
    assert match, "the page embeds its data"
    return json.loads(match.group(1))


def test_api_numbers_match_the_page(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., Any],
    staff: dict[str, User],
    world: ReportWorld,
) -> None:
    login("manager")
    page = client.get(f"/reports?{PERIOD}&group_by=region")
    assert page.status_code == 200
    with app.app_context():
        token = create_token(db.session, db.session.get(User, staff["manager"].id), name="t")
        db.session.commit()
    api = app.test_client().get(
        f"/api/v1/reports/dashboard?{PERIOD}&group_by=region",
        headers={"Authorization": f"Bearer {token.secret}"},
    )
    assert api.status_code == 200
    embedded = _embedded(page.text)["dashboard"]
    for part in ("charts", "tables"):
        for name, table in api.json[part].items():
            if name in ("backlog", "workload"):  # snapshots at "now", a moment apart
                continue
            assert embedded[part][name] == table, name
    headline = api.json["headline"]
    assert headline["tickets"] == 8
    assert headline["csat"]["available"] is False
    assert '<div class="fs-4" id="kpi-tickets">8</div>' in page.text
    # Resolution median in business time: 25000 s = 6.94 h; first-contact rate 40 %.
    assert "6.94" in page.text.split('id="kpi-resolution"')[1][:40]
    assert "40.0 %" in page.text.split('id="kpi-fcr"')[1][:40]
    regions = {r["group_key"]: r["tickets"] for r in api.json["tables"]["volume"]["rows"]}
    assert regions == {"east": 4, "north": 4}
    assert api.json["params"]["group_by"] == "region"


def test_kpi_endpoint(
    client: FlaskClient, login: Callable[..., Any], staff: dict[str, User], world: ReportWorld
) -> None:
    login("manager")
    answer = client.get(f"/api/v1/reports/kpis/sla?{PERIOD}").json
    assert answer["columns"][:3] == ["group_key", "group", "metric"]
    rates = {row["metric"]: row["on_time_rate"] for row in answer["rows"]}
    assert rates == {"first_response": pytest.approx(2 / 3, abs=1e-5), "resolution": 0.75}


def test_csv_export(
    client: FlaskClient, login: Callable[..., Any], staff: dict[str, User], world: ReportWorld
) -> None:
    login("manager")
    response = client.get(f"/reports/export/resolution.csv?{PERIOD}&group_by=region")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "resolution_20260301_20260320.csv" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(rows) == 3 and header[0] in ("Region", "区域", "地区")
    table = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    median = header[3]  # resolved, mean, median (hours, wall clock)
    assert float(table["east"][median]) == 15.0
    assert float(table["north"][median]) == 4.0


def test_xlsx_export(
    client: FlaskClient, login: Callable[..., Any], staff: dict[str, User], world: ReportWorld
) -> None:
    login("manager")
    response = client.get(f"/reports/export/transfers.xlsx?{PERIOD}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(values) == 2
    assert values[1][1:] == [8, 2, 3, 0.38]  # tickets, transferred, transfers, per ticket


def test_drill_down_lists_the_tickets_behind_a_bar(
    client: FlaskClient, login: Callable[..., Any], staff: dict[str, User], world: ReportWorld
) -> None:
    login("manager")
    week = client.get(f"/reports/tickets?{PERIOD}&period=week&dimension=period&key=2026-03-09")
    assert week.status_code == 200
    assert sorted(re.findall(r">(R-t\d+)</a>", week.text)) == ["R-t10", "R-t4", "R-t5"]
    north = client.get(f"/reports/tickets?{PERIOD}&dimension=region&key=north")
    assert sorted(re.findall(r">(R-t\d+)</a>", north.text)) == ["R-t10", "R-t3", "R-t4", "R-t7"]
    backlog = client.get(f"/reports/tickets?{PERIOD}&state=open")
    assert sorted(re.findall(r">(R-t\d+)</a>", backlog.text)) == [
        "R-t5", "R-t6", "R-t7", "R-t8", "R-t9",
    ]  # fmt: skip
    assert 'href="/tickets/R-t5"' in backlog.text


def test_openapi_documents_the_report_endpoints(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").json
    assert "/reports/dashboard" in document["paths"]
    assert "/reports/kpis/{kpi}" in document["paths"]
    assert PARAMS.date_from.isoformat() == "2026-03-01"
