"""Fixtures of the SLA tests: the default pack, people, customers, and a clock the tests move."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

import gongdan.db
from gongdan import sla
from gongdan.accounts.models import Department, User
from gongdan.customers.models import Contact, Customer
from gongdan.db import db
from gongdan.definitions.packs import LoadedPack, load_pack
from gongdan.definitions.registry import install_pack
from gongdan.sla.models import SlaClock
from gongdan.tickets import services as ticket_services
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.pinning import clear_pinned_cache

PACK_ROOT = Path(__file__).resolve().parents[3] / "definitions" / "after_sales"

#: Tuesday 24 November 2026, 10:00 in Shanghai: a plain working day.
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@functools.cache
def after_sales_pack() -> LoadedPack:
    return load_pack(PACK_ROOT)


class FrozenClock:
    """``utcnow`` for the code under test: stands still until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """Every ``gongdan`` module's ``utcnow`` returns :attr:`FrozenClock.now` (starts at T0)."""
    frozen = FrozenClock(T0)
    original = gongdan.db.utcnow
    for name, module in list(sys.modules.items()):
        if name.startswith("gongdan") and getattr(module, "utcnow", None) is original:
            monkeypatch.setattr(module, "utcnow", frozen)
    return frozen


@dataclass
class World:
    """The session and the rows the tests act with."""

    session: Session
    users: dict[str, User]
    customers: dict[str, Customer]
    contacts: dict[str, Contact]

    def user(self, name: str) -> User:
        return self.users[name]

    def repair(self, customer: str = "acme", actor: str = "agent", **overrides: Any) -> Ticket:
        """A repair ticket created through the ticket service."""
        fields: dict[str, Any] = {
            "customer": self.customers[customer].id,
            "contact": self.contacts[customer].id,
            "service_mode": "on_site",
            "visit_address": {"region": "east", "city": "上海", "line": "南京西路 1 号"},
            "serial_no": "SN-1",
            "product_model": "es_pro_2",
            "symptom": "不出水",
            "impact": "degraded",
        }
        fields.update(overrides.pop("fields", {}))
        return ticket_services.create_ticket(
            self.session, self.user(actor), type_key="repair", channel="phone", fields=fields,
            **overrides,
        )  # fmt: skip

    def clocks(self, ticket_id: int) -> dict[str, SlaClock]:
        self.session.expire_all()
        rows = self.session.scalars(select(SlaClock).where(SlaClock.ticket_id == ticket_id))
        return {row.metric: row for row in rows}

    def events(self, ticket_id: int, kind: str) -> list[TicketEvent]:
        query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
        return list(self.session.scalars(query.where(TicketEvent.kind == kind).order_by("id")))

    def ticket(self, ticket_id: int) -> Ticket:
        found = self.session.get(Ticket, ticket_id, populate_existing=True)
        assert found is not None
        return found


@pytest.fixture
def sla_app(make_app: Callable[..., Flask], request: pytest.FixtureRequest) -> Flask:
    """The app with SLA clocks; automatic routing off unless the test asks for ``routing_on``."""
    routed = "routing_on" in request.fixturenames
    app = make_app(GONGDAN_AUTO_ROUTING=routed, GONGDAN_SLA=True)
    sla.init_app(app)
    return app


@pytest.fixture
def routing_on() -> bool:
    """Request it to run a test with automatic routing, as the application does by default."""
    return True


@pytest.fixture
def world(sla_app: Flask, clock: FrozenClock) -> Iterator[World]:
    clear_pinned_cache()
    with sla_app.app_context():
        session = db.session
        install_pack(session, after_sales_pack(), author="test")
        departments = {
            key: Department(key=key, title_zh=key, title_en=key)
            for key in (
                "customer_service", "tech_support", "field_service", "repair_center", "quality",
                "callback", "key_accounts",
            )
        }  # fmt: skip
        session.add_all(departments.values())
        customers = {
            "acme": Customer(code="C-ACME", name="Acme", tier="normal", email="i@acme.cn"),
            "vip": Customer(code="C-VIP", name="VIP Co", tier="vip"),
        }
        session.add_all(customers.values())
        session.flush()
        contacts = {
            key: Contact(customer_id=c.id, name=f"{key} contact", email=f"{key}@example.cn")
            for key, c in customers.items()
        }
        session.add_all(contacts.values())
        users = {}
        for name, role, department in (
            ("agent", "agent", "customer_service"),
            ("lead", "manager", "customer_service"),
            ("engineer", "engineer", "field_service"),
            ("boss", "service_manager", None),
            ("acme_user", "customer", None),
        ):
            users[name] = User(
                username=name, display_name=name, role=role, email=f"{name}@example.cn",
                department_id=departments[department].id if department else None,
                customer_id=customers["acme"].id if role == "customer" else None,
            )  # fmt: skip
        session.add_all(users.values())
        session.flush()
        departments["customer_service"].lead_id = users["lead"].id
        session.commit()
        yield World(session, users, customers, contacts)
        session.rollback()
    clear_pinned_cache()


@pytest.fixture
def shanghai() -> Callable[..., datetime]:
    """``shanghai(2026, 11, 24, 15)``: a Shanghai wall time as an aware UTC datetime."""
    from zoneinfo import ZoneInfo

    def build(*args: int) -> datetime:
        return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)

    return build
