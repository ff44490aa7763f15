"""``gongdan init --demo`` with the plugin: the premium demo contract has PM plans, the visit due
within the lead time becomes a ticket on engineer1's work list, generation twice or after a
week of downtime records nothing twice."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from gongdan_pm.demo import DEMO_SERIAL
from gongdan_pm.generation import generate
from gongdan_pm.models import PmVisit

from gongdan.accounts.models import User
from gongdan.customers.models import service_today
from gongdan.db import db
from gongdan.tickets.models import Ticket


def _visits() -> list[tuple[int, str]]:
    return [
        (row.schedule_id, row.due_date.isoformat())
        for row in db.session.execute(
            sa.select(PmVisit.schedule_id, PmVisit.due_date).order_by(PmVisit.id)
        )
    ]


def test_the_demo_generates_the_due_visit_once_for_the_nearest_engineer(pm_app: Flask) -> None:
    runner = pm_app.test_cli_runner()
    first = runner.invoke(args=["init", "--demo"])
    assert first.exit_code == 0, first.output
    assert "PM: 4 machines on 2 maintenance plans; 1 visit tickets generated (PM-" in first.output
    today = service_today()
    with pm_app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.type_key == "pm_visit"))
        assert ticket is not None
        assert DEMO_SERIAL in ticket.subject
        engineer = db.session.get(User, ticket.assignee_id)
        assert engineer is not None and engineer.username == "engineer1"
        number, after_init = ticket.number, _visits()
        assert len(after_init) == 1

    again = runner.invoke(args=["init", "--demo"])
    assert again.exit_code == 0, again.output
    assert "0 visit tickets generated" in again.output
    with pm_app.app_context():
        assert _visits() == after_init
        # A week without a scheduler, then two runs at once' worth: each visit once.
        week_later = generate(db.session, today + timedelta(days=7))
        assert generate(db.session, today + timedelta(days=7)).tickets == []
        visits = _visits()
        assert len(visits) == len(set(visits)) == 1 + len(week_later.tickets)

    client = pm_app.test_client()
    login = client.post("/login", data={"username": "engineer1", "password": "demo1234"})
    assert login.status_code == 302
    assert number in client.get("/work").get_data(as_text=True)
