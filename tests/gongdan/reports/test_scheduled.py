"""The weekly report Automation: once per slot, mailed through the outbox with the right numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from tests.admin.people_world import login_admin
from tests.conftest import TEST_PASSWORD
from tests.gongdan.definitions.fixtures.minimal_set import validate_edited, where
from tests.gongdan.notifications.factories import install_world, new_repair, outbox_rows

from gongdan.accounts.models import User
from gongdan.automations.models import AutomationSlotRun
from gongdan.automations.tasks import run_scheduled_automations
from gongdan.customers.models import SERVICE_TIME_ZONE
from gongdan.db import db, utcnow
from gongdan.reports.names import KPI_NAMES
from gongdan.reports.params import ReportParams, service_date
from gongdan.reports.queries import KPI_QUERIES
from gongdan.reports.scheduled import report_dates
from gongdan.reports.services import dashboard
from gongdan.tickets.models import Ticket

KEY = "weekly_service_report"


def test_the_validator_knows_every_kpi() -> None:
    assert KPI_NAMES == tuple(KPI_QUERIES)


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("yesterday", date(2026, 12, 6), date(2026, 12, 6)),
        ("last_week", date(2026, 11, 30), date(2026, 12, 6)),
        ("last_month", date(2026, 11, 1), date(2026, 11, 30)),
        ("last_7_days", date(2026, 11, 30), date(2026, 12, 6)),
    ],
)
def test_report_periods(period: str, first: date, last: date) -> None:
    assert report_dates(period, date(2026, 12, 7)) == (first, last)  # a Monday


def _next_monday_morning() -> datetime:
    """09:00 (service time) on the Monday after today: its 08:00 slot reports this week."""
    today = service_date(utcnow())
    monday = today + timedelta(days=7 - today.weekday())
    return datetime.combine(monday, time(9), tzinfo=SERVICE_TIME_ZONE).astimezone(UTC)


def test_the_weekly_report_runs_once_per_slot_with_the_dashboard_numbers(
    session: Session,
) -> None:
    people = install_world(session)
    # The world's service manager "boss" reads English; one more has no e-mail address.
    session.execute(sa.update(User).where(User.username == "boss").values(locale="en"))
    session.add(User(username="report_mute", display_name="No Mail", role="service_manager"))
    session.commit()
    tickets = [new_repair(session, people).id for _ in range(3)]
    session.execute(
        sa.update(Ticket)
        .where(Ticket.id == tickets[0])
        .values(state_category="resolved", resolved_at=utcnow())
    )
    session.commit()
    now = _next_monday_morning()
    # Installed on the Sunday before: last Monday's report is not mailed at once.
    installed = run_scheduled_automations(session, now - timedelta(days=1))
    assert KEY not in installed and outbox_rows(session, template_key="report_dashboard") == []

    first = run_scheduled_automations(session, now)
    second = run_scheduled_automations(session, now)  # the sweep runs again: nothing more
    again = run_scheduled_automations(session, now + timedelta(hours=2))

    assert first[KEY] == 1
    assert KEY not in second and KEY not in again
    runs = session.scalars(sa.select(AutomationSlotRun)).all()
    assert [(r.automation_key, r.outcome) for r in runs] == [(KEY, "done")]
    (mail,) = outbox_rows(session, template_key="report_dashboard")
    assert (mail.channel, mail.recipient_address, mail.ticket_id) == ("email", "boss@example.cn",
                                                                      None)  # fmt: skip
    week = report_dates("last_week", service_date(now))
    assert week[0] <= service_date(utcnow()) <= week[1]
    headline = dashboard(session, ReportParams(*week, now=now)).headline
    assert headline["tickets"] == 3
    assert f"Service report dashboard: {week[0]} to {week[1]}" == mail.subject
    assert "Tickets: 3\n" in mail.body
    assert f"Open now: {headline['backlog']}\n" in mail.body
    assert f"/reports/export/dashboard.xlsx?from={week[0]}&to={week[1]}" in mail.body
    assert runs[0].actions[0]["messages"] == 1 and runs[0].actions[0]["tickets"] == 3


def test_a_report_first_seen_just_after_its_slot_still_runs(session: Session) -> None:
    """Published at 07:59 on Monday, swept at 08:10: that morning's report goes out."""
    install_world(session)
    now = _next_monday_morning() - timedelta(minutes=50)  # 08:10
    assert run_scheduled_automations(session, now)[KEY] == 1
    assert len(outbox_rows(session, template_key="report_dashboard")) == 1


REPORT = """kind: Automation
key: weekly_report
spec:
  schedule: {cron: "0 8 * * 1"}
  actions:
    - {do: send_report, report: REPORT, period: PERIOD, format: FORMAT, to: ["TO"]}
"""
FILE = "automations/weekly_report.yaml"


def _problems(
    report: str = "dashboard", period: str = "last_week", fmt: str = "xlsx", to: str = "role:agent"
) -> tuple[list[tuple[str, str, int, int]], dict[str, str]]:
    text = (
        REPORT.replace("REPORT", report).replace("PERIOD", period).replace("FORMAT", fmt)
        .replace("TO", to)
    )  # fmt: skip
    problems, texts = validate_edited(extra={FILE: text})
    return [(p.code, p.message, p.line, p.column) for p in problems if p.file == FILE], texts


def test_a_valid_report_automation_has_no_problem() -> None:
    assert _problems()[0] == []


@pytest.mark.parametrize(
    ("kwargs", "needle", "code", "words"),
    [
        ({"report": "dashbord"}, "dashbord", "ref.unknown_report", "unknown report 'dashbord'"),
        ({"period": "last_year"}, "last_year", "schema", "is not a report period"),
        ({"fmt": "pdf"}, "pdf", "schema", "is not a report format"),
        ({"fmt": "csv"}, "csv", "action.report_format", "use format xlsx"),
        ({"to": "customer"}, '"customer"', "action.report_recipient", "not 'customer'"),
    ],
)
def test_bad_report_actions_are_positioned_errors(
    kwargs: dict[str, str], needle: str, code: str, words: str
) -> None:
    found, texts = _problems(**kwargs)
    assert len(found) == 1, found
    (found_code, message, line, column) = found[0]
    assert found_code.startswith(code) and words in message
    assert (FILE, line, column) == where(texts, FILE, needle)


def test_a_report_in_a_ticket_automation_is_refused() -> None:
    text = REPORT.replace("REPORT", "volume").replace("PERIOD", "yesterday")
    text = text.replace("FORMAT", "csv").replace("TO", "role:agent")
    text = text.replace('schedule: {cron: "0 8 * * 1"}', "on: [created]")
    problems, _ = validate_edited(extra={FILE: text})
    assert [p.code for p in problems if p.file == FILE] == ["action.send_report_needs_schedule"]


def test_admins_see_the_scheduled_runs_in_operations(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    with app.app_context():
        db.session.add(
            AutomationSlotRun(
                automation_key=KEY, occurrence="slot:2026-11-30T00:00", outcome="failed",
                detail="unknown report period 'fortnight'", actions=[],
            )
        )  # fmt: skip
        db.session.commit()
    make_user("root", "admin")
    login_admin(client)
    page = client.get("/admin/scheduled-runs/").get_data(as_text=True)
    assert KEY in page and "slot:2026-11-30T00:00" in page
    assert "unknown report period" in page
    make_user("ops_manager", "manager")
    client.post("/logout")
    client.post("/login", data={"username": "ops_manager", "password": TEST_PASSWORD})
    assert client.get("/admin/scheduled-runs/").status_code == 403
