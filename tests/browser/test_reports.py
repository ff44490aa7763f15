"""/reports as the demo's manager over the demo history: figures, charts, drill-down, exports;
and what an agent and a mistyped address get.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from tests.browser.conftest import Browser, LiveSite

from gongdan.reports.params import service_date

pytestmark = pytest.mark.browser


@pytest.fixture
def db_backend() -> str:
    """Only SQLite: the report statements are tested on both databases in tests/gongdan."""
    return "sqlite"


def _chart(page: Any, canvas: str) -> dict[str, Any]:
    """Labels, values and how many pixels the chart painted."""
    return page.evaluate(
        """(id) => {
            const canvas = document.getElementById(id);
            const chart = canvas.reportChart;
            const pixels = canvas.getContext("2d")
                .getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
            return {labels: chart.data.labels.map(String),
                    values: chart.data.datasets[0].data, painted};
        }""",
        canvas,
    )


def _click_bar(page: Any, canvas: str, index: int) -> None:
    """Click the middle of bar ``index`` of a chart, where a manager would."""
    point = page.evaluate(
        """([id, index]) => {
            const element = document.getElementById(id).reportChart.getDatasetMeta(0).data[index];
            return {x: element.x, y: (element.y + element.base) / 2};
        }""",
        [canvas, index],
    )
    page.locator(f"#{canvas}").scroll_into_view_if_needed()
    box = page.locator(f"#{canvas}").bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def _number(page: Any, selector: str) -> int:
    return int(page.locator(selector).inner_text().strip())


def _table(page: Any, kpi: str) -> list[list[str]]:
    rows = page.locator(f"#table-{kpi} tbody tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()]
        for i in range(rows.count())
    ]


def _download(browser: Browser, page: Any, selector: str) -> Path:
    """Click ``selector`` and keep the file (under its own name) beside the screenshots."""
    with page.expect_download() as download:
        page.click(selector)
    path = browser.shots / download.value.suggested_filename
    download.value.save_as(path)
    return path


def test_a_manager_reads_the_dashboard_over_the_demo_history(
    live_site: LiveSite, browser: Browser
) -> None:
    page = browser.person("manager", language="en")
    page.goto(f"{browser.url}/reports")
    browser.shot(page, "01-dashboard-last-30-days")
    tickets_30 = _number(page, "#kpi-tickets")
    assert tickets_30 > 200  # the demo history's last month
    assert page.locator("#kpi-on-time").inner_text().endswith("%")
    assert _number(page, "#kpi-backlog") > 0
    for canvas in ("chart-volume-period", "chart-volume-channel", "chart-volume-group",
                   "chart-backlog", "chart-sla", "chart-faults"):  # fmt: skip
        chart = _chart(page, canvas)
        assert chart["labels"] and sum(chart["values"]) > 0, canvas
        assert chart["painted"] > 1000, f"{canvas} is blank"

    # Six months by week, grouped by channel.
    today = service_date(datetime.now(UTC))
    page.fill("#f-from", (today - timedelta(days=182)).isoformat())
    page.select_option("#f-period", "week")
    page.select_option("#f-group", "channel")
    with page.expect_navigation():
        page.click(".report-filters button[type=submit]")
    browser.shot(page, "02-six-months-by-week-and-channel")
    assert _number(page, "#kpi-tickets") > tickets_30 * 3
    weeks = _chart(page, "chart-volume-period")
    assert len(weeks["labels"]) >= 26 and all(len(label) == 10 for label in weeks["labels"])
    channels = _chart(page, "chart-volume-group")
    assert {"phone", "wechat", "email"} <= set(channels["labels"])
    shown = {row[0]: row[1] for row in _table(page, "volume")}
    assert {k: int(v) for k, v in shown.items()} == dict(
        zip(channels["labels"], channels["values"], strict=True)
    )

    # Exports carry the page's figures.
    body = _download(browser, page, "#table-volume a:has-text('CSV')").read_text(
        encoding="utf-8-sig"
    )
    exported = list(csv.reader(io.StringIO(body)))
    assert [row[:2] for row in exported[1:]] == [row[:2] for row in _table(page, "volume")]
    workbook = load_workbook(_download(browser, page, "#table-volume a:has-text('XLSX')"))
    sheet_rows = list(workbook.active.iter_rows(min_row=2, values_only=True))
    assert [(str(row[0]), row[1]) for row in sheet_rows] == [
        (name, int(count)) for name, count in shown.items()
    ]
    whole = load_workbook(_download(browser, page, "#export-dashboard"))
    assert len(whole.sheetnames) == 11
    volume_sheet = list(whole.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [(str(row[0]), row[1]) for row in volume_sheet] == [
        (name, int(count)) for name, count in shown.items()
    ]

    # A bar of the channel chart lists exactly the tickets it counts.
    phone = channels["labels"].index("phone")
    _click_bar(page, "chart-volume-group", phone)
    browser.shot(page, "03-drill-down-phone")
    assert "/reports/tickets" in page.url and "key=phone" in page.url
    assert _number(page, "#drill-total") == channels["values"][phone]
    assert page.locator("#drill-tickets tbody tr").count() == min(50, channels["values"][phone])


def test_others_are_refused_and_bad_parameters_are_explained(
    live_site: LiveSite, browser: Browser
) -> None:
    agent = browser.person("agent1", language="en")
    response = agent.goto(f"{browser.url}/reports")
    assert response is not None and response.status == 403
    browser.shot(agent, "01-agent-refused")

    page = browser.person("manager", language="en")
    response = page.goto(f"{browser.url}/reports?from=2026-13-45&group_by=colour")
    assert response is not None and response.status == 400
    browser.shot(page, "02-bad-parameters")
    error = page.locator(".report-error").inner_text()
    assert "from" in error and "is not a date" in error
    assert "group_by" in error and "unknown dimension 'colour'" in error
    assert page.locator("canvas").count() == 0
    # The form is still there to put it right.
    page.fill("#f-from", "")
    page.select_option("#f-group", "")
    with page.expect_navigation():
        page.click(".report-filters button[type=submit]")
    assert page.locator(".report-error").count() == 0 and _number(page, "#kpi-tickets") > 0
