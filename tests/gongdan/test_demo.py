"""Demo data: every role can log in, tickets are pinned, and loading twice adds nothing."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from gongdan.accounts.models import Department, User
from gongdan.customers.models import Customer
from gongdan.db import db
from gongdan.definitions.models import DefinitionRevision
from gongdan.demo import DEMO_LOGINS, DEMO_PASSWORD
from gongdan.tickets.models import Ticket, TicketEvent

MODELS: tuple[Any, ...] = (Department, User, Customer, Ticket, TicketEvent, DefinitionRevision)


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in MODELS
        }


def test_init_demo_twice_creates_the_same_rows(app: Flask, runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["init", "--demo"])
    assert first.exit_code == 0, first.output
    after_first = _counts(app)
    second = runner.invoke(args=["init", "--demo"])
    assert second.exit_code == 0, second.output
    assert _counts(app) == after_first
    assert "Demo data: 0 rows created" in second.output
    assert after_first["Ticket"] >= 5 and after_first["User"] == len(DEMO_LOGINS)
    for username, password, role in DEMO_LOGINS:
        assert f"{username}" in second.output and password == DEMO_PASSWORD and role


def test_demo_covers_every_role_and_pins_tickets_to_active_revisions(
    app: Flask, runner: FlaskCliRunner
) -> None:
    assert runner.invoke(args=["init", "--demo"]).exit_code == 0
    with app.app_context():
        roles = set(db.session.scalars(select(User.role)))
        assert roles == {
            "admin",
            "manager",
            "dispatcher",
            "agent",
            "engineer",
            "customer",
            "quality_inspector",
            "service_manager",
        }
        engineers = db.session.scalars(select(User).where(User.role == "engineer")).all()
        # Field service, the repair centre, technical support and key accounts each have one.
        assert len(engineers) == 5
        assert {e.department.key for e in engineers} >= {"field_service", "tech_support"}
        assert all(e.skills and e.last_lat and e.capacity for e in engineers)
        tiers = {c.tier for c in db.session.scalars(select(Customer))}
        assert {"vip", "normal"} <= tiers
        keys = set(db.session.scalars(select(Department.key)))
        assert {"customer_service", "tech_support", "field_service", "repair_center",
                "quality", "callback", "service_management"} <= keys  # fmt: skip
        tickets = db.session.scalars(select(Ticket)).all()
        assert len({t.state for t in tickets}) >= 4
        for ticket in tickets:
            pinned = db.session.get(DefinitionRevision, ticket.ticket_type_revision_id)
            workflow = db.session.get(DefinitionRevision, ticket.workflow_revision_id)
            assert (pinned.kind, pinned.key, pinned.status) == (
                "TicketType",
                ticket.type_key,
                "active",
            )
            assert workflow.kind == "Workflow"
            assert workflow.key == pinned.document["spec"]["workflow"]
            states = {s["key"]: s for s in workflow.document["spec"]["states"]}
            assert states[ticket.state]["category"] == ticket.state_category


def test_demo_users_log_in_with_the_documented_password(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["init", "--demo"]).exit_code == 0
    for username, password, _role in DEMO_LOGINS:
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, username
        assert client.get("/", follow_redirects=True).status_code == 200, username


def test_the_demo_customer_sees_only_its_own_tickets(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["init", "--demo"]).exit_code == 0
    with app.app_context():
        # The portal lists the latest first, a page at a time: the demo's own tickets, not the
        # six months of history (numbers DH-...) behind them.
        theirs = db.session.scalars(
            select(Ticket.number)
            .join(Customer)
            .where(Customer.code == "C-SHUWEI", Ticket.number.not_like("DH-%"))
        ).all()
        others = db.session.scalars(
            select(Ticket.number).join(Customer).where(Customer.code != "C-SHUWEI")
        ).all()
    client = app.test_client()
    client.post("/login", data={"username": "shuwei", "password": DEMO_PASSWORD})
    page = client.get("/", follow_redirects=True).get_data(as_text=True)  # the portal
    assert theirs and all(number in page for number in theirs)
    assert others and not any(number in page for number in others)
