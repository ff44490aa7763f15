"""The demo's escalation ladder: ``gongdan init --demo`` leaves one DEMO-FAST ticket that climbs
every rung of the ``demo_fast`` policy within minutes, visible in the outbox and the timeline."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select
from tests.gongdan.sla.conftest import after_sales_pack

from gongdan import routing, sla
from gongdan.customers.models import Contact, Customer
from gongdan.db import db, utcnow
from gongdan.definitions.registry import install_pack
from gongdan.demo import DEMO_PASSWORD, load_demo
from gongdan.notifications.models import NotificationOutbox
from gongdan.sla.ladder import run_escalation_sweep
from gongdan.sla.models import SlaClock, SlaEscalation
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.pinning import clear_pinned_cache


def _demo_app(make_app: Callable[..., Flask]) -> Flask:
    clear_pinned_cache()
    app = make_app(GONGDAN_SLA=True, GONGDAN_AUTO_ROUTING=True)
    sla.init_app(app)
    routing.init_app(app)
    return app


def _ladder_tickets() -> list[Ticket]:
    query = select(Ticket).join(Customer, Customer.id == Ticket.customer_id)
    return list(db.session.scalars(query.where(Customer.code == "DEMO-FAST")))


def test_demo_ladder_ticket_exists_once_and_climbs(make_app: Callable[..., Flask]) -> None:
    app = _demo_app(make_app)
    with app.app_context():
        install_pack(db.session, after_sales_pack(), author="test")
        load_demo(db.session)
        load_demo(db.session)  # a second `gongdan init --demo` adds nothing

        customers = db.session.scalars(select(Customer).where(Customer.code == "DEMO-FAST"))
        (customer,) = list(customers)
        assert customer.name == "演示快速升级客户"
        assert (
            db.session.scalar(
                select(func.count()).select_from(Contact).where(Contact.customer_id == customer.id)
            )
            == 1
        )
        (ticket,) = _ladder_tickets()
        assert ticket.channel == "api" and ticket.state_category == "open"
        assert abs(utcnow() - ticket.created_at) < timedelta(minutes=1)
        clocks = list(db.session.scalars(select(SlaClock).where(SlaClock.ticket_id == ticket.id)))
        assert {c.policy_key for c in clocks} == {"demo_fast"}
        assert {c.metric for c in clocks} >= {"first_response", "resolution"}
        priority_before = ticket.priority
        assert priority_before != "urgent"

        # Nothing is due yet; ten minutes later every rung has fired, in order, once.
        assert run_escalation_sweep(db.session, utcnow()).fired == []
        later = utcnow() + timedelta(minutes=10)
        run_escalation_sweep(db.session, later)
        assert run_escalation_sweep(db.session, later).fired == []

        fired = list(
            db.session.execute(
                select(SlaEscalation.metric, SlaEscalation.at_percent)
                .where(SlaEscalation.ticket_id == ticket.id)
                .order_by(SlaEscalation.due_at, SlaEscalation.id)
            )
        )
        assert [tuple(row) for row in fired] == [
            ("first_response", 100.0),
            ("resolution", 50.0),
            ("resolution", 100.0),
            ("resolution", 150.0),
        ]
        db.session.expire_all()
        assert db.session.get(Ticket, ticket.id).priority == "urgent"  # type: ignore[union-attr]
        breached = db.session.scalars(
            select(NotificationOutbox.recipient_address).where(
                NotificationOutbox.ticket_id == ticket.id,
                NotificationOutbox.template_key == "sla_breached",
            )
        )
        assert "manager@demo.gongdan.example" in set(breached)
        escalated = db.session.scalar(
            select(func.count())
            .select_from(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "escalated")
        )
        assert escalated == 4
        number = ticket.number

    client = app.test_client()
    client.post("/login", data={"username": "manager", "password": DEMO_PASSWORD})
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    entries = re.findall(r'<li[^>]*data-event-kind="escalated".*?</li>', page, re.S)
    assert len(entries) == 4
    assert "阈值 150%" in entries[-1] or "阈值 150%" in entries[0]
    # The panel reads the clocks at the real now, a few seconds after the demo was loaded.
    assert 'data-testid="sla-clock-resolution"' in page
