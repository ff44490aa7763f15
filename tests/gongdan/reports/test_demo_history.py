"""The demo history: meaningful charts after ``gongdan init --demo``, once, and marked as demo."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask
from tests.gongdan.notifications.factories import after_sales_pack

from gongdan.db import db
from gongdan.definitions.registry import install_pack
from gongdan.demo import load_demo
from gongdan.reports.demo_history import (
    NUMBER_PREFIX,
    SUBJECT_PREFIX,
    TICKETS,
    TypeShape,
    history_plan,
)
from gongdan.reports.params import ReportParams, service_date
from gongdan.reports.services import dashboard
from gongdan.tickets.models import Ticket, TicketEvent

STATES = (("new", "open", "customer_service"), ("fixing", "open", "field_service"),
          ("done", "resolved", None), ("closed", "closed", None))  # fmt: skip


def test_the_plan_is_seeded() -> None:
    now = datetime(2026, 12, 6, 4, tzinfo=UTC)
    shape = [TypeShape("repair", 1, 2, STATES)]
    arguments = (now, shape, [1, 2], {None: [7], "field_service": [7]}, ["p1"], ["F1"],
                 {"normal": {"first_response": 14400.0, "resolution": 172800.0}})  # fmt: skip
    first, second = history_plan(*arguments, count=200), history_plan(*arguments, count=200)
    assert first == second
    assert history_plan(*arguments, count=200, seed=1) != first
    assert all(t["subject"].startswith(SUBJECT_PREFIX) for t in first.tickets)
    assert all(t["created_at"] < now for t in first.tickets)
    # Finished tickets keep the department that worked on them.
    finished = [t for t in first.tickets if t["state_category"] == "closed"]
    assert finished and {t["department_key"] for t in finished} == {"field_service"}


def test_init_demo_writes_six_months_once_and_the_dashboard_shows_them(app: Flask) -> None:
    with app.app_context():
        session = db.session
        install_pack(session, after_sales_pack(), author="test")
        load_demo(session)
        load_demo(session)  # a second run adds nothing
        history = sa.select(sa.func.count()).where(Ticket.number.startswith(NUMBER_PREFIX))
        assert session.scalar(history) == TICKETS
        assert (
            session.scalar(
                sa.select(sa.func.count()).where(
                    Ticket.number.startswith(NUMBER_PREFIX),
                    ~Ticket.subject.startswith(SUBJECT_PREFIX),
                )
            )
            == 0
        )
        transfers = sa.select(sa.func.count()).where(TicketEvent.kind == "transferred")
        assert session.scalar(transfers) > 100
        today = service_date(datetime.now(UTC))
        year = ReportParams(today.replace(year=today.year - 1), today, group_by=None)
        board = dashboard(session, year)
    head = board.headline
    assert head["tickets"] > TICKETS * 0.99
    assert 0.7 < head["on_time_rate"]["resolution"] < 0.95
    assert 0.7 < head["on_time_rate"]["first_response"] < 0.95
    assert 0.02 < head["reopen_rate"] < 0.15
    assert 0 < head["first_contact_rate"] < 1
    assert head["backlog"] > 20
    months = board.charts["volume_by_period"].rows
    assert len(months) >= 6 and all(row["tickets"] > 50 for row in months[-6:-1])
    departments = {row["group_key"] for row in board.charts["volume_by_group"].rows}
    assert {"field_service", "tech_support", "customer_service"} <= departments
    assert len(board.charts["top_fault_codes"].rows) >= 5
    channels = {row["group_key"] for row in board.charts["volume_by_channel"].rows}
    assert {"phone", "wechat", "portal", "email"} <= channels
