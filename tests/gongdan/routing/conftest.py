"""Fixtures of the routing tests: the default pack plus test rules, departments and engineers."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from gongdan import routing
from gongdan.accounts.models import Department, User
from gongdan.customers.models import Address, Contact, Customer
from gongdan.db import db
from gongdan.definitions.packs import LoadedPack, load_pack
from gongdan.definitions.registry import install_pack
from gongdan.tickets.models import Ticket
from gongdan.tickets.pinning import clear_pinned_cache

PACK_ROOT = Path(__file__).resolve().parents[3] / "definitions" / "after_sales"

#: Rules for the events the default pack does not route on (transfer, state, field change).
EXTRA_RULES = """\
kind: RoutingRule
key: transfers_to_field_service
spec:
  order: 600
  on: [transferred]
  when: {field: ticket.department, op: eq, value: field_service}
  assign: {department: field_service, strategy: round_robin}
  fallback: {queue: field_service}
---
kind: RoutingRule
key: business_down_to_key_accounts
spec:
  order: 610
  on: ["field_changed:impact"]
  when: {field: ticket.impact, op: eq, value: business_down}
  assign: {department: key_accounts, strategy: least_loaded}
  fallback: {queue: key_accounts}
---
kind: RoutingRule
key: waiting_customer_back_to_agents
spec:
  order: 620
  on: ["state_entered:waiting_customer"]
  assign: {department: customer_service, strategy: least_loaded}
  fallback: {queue: customer_service}
"""

#: username → (role, department, attributes). Locations: Shanghai city centre and Hangzhou.
PEOPLE: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    "amy": ("agent", "customer_service", {}),
    "al": ("agent", "customer_service", {}),
    "dispatcher": ("dispatcher", "customer_service", {}),
    "tina": ("engineer", "tech_support", {"skills": ["espresso"], "capacity": 12}),
    "tom": ("engineer", "tech_support", {"skills": ["grinder"]}),
    "tess": ("engineer", "tech_support", {"skills": ["espresso"], "availability": "off"}),
    "kim": ("engineer", "key_accounts", {"skills": ["espresso", "senior"]}),
    "fay": ("engineer", "field_service", {"skills": ["espresso"], "last_lat": 31.20,
                                          "last_lng": 121.45}),
    "fu": ("engineer", "field_service", {"skills": ["espresso"], "last_lat": 30.2741,
                                         "last_lng": 120.1551}),
    "rita": ("engineer", "repair_center", {"skills": ["espresso"]}),
    "eli": ("engineer", "field_service_east", {"skills": ["espresso"]}),
    "admin": ("admin", None, {}),
}  # fmt: skip


@dataclass
class World:
    """Who and what the tests act with (rows of ``session``)."""

    session: Session
    users: dict[str, User]
    customers: dict[str, Customer]
    contacts: dict[str, Contact]
    address: Address

    def user(self, name: str) -> User:
        return self.users[name]

    def id(self, name: str) -> int:
        return self.users[name].id


@pytest.fixture
def routed_app(app: Flask) -> Flask:
    """The test app with automatic routing switched on."""
    app.config["GONGDAN_AUTO_ROUTING"] = True
    routing.init_app(app)
    return app


@pytest.fixture(scope="session")
def routing_pack(tmp_path_factory: pytest.TempPathFactory) -> LoadedPack:
    """The default pack plus :data:`EXTRA_RULES`, loaded once (loading takes seconds)."""
    pack_root = tmp_path_factory.mktemp("routing") / "pack"
    shutil.copytree(PACK_ROOT, pack_root)
    (pack_root / "routing" / "test_rules.yaml").write_text(EXTRA_RULES, encoding="utf-8")
    return load_pack(pack_root)


@pytest.fixture
def world(routed_app: Flask, routing_pack: LoadedPack) -> Iterator[World]:
    clear_pinned_cache()
    with routed_app.app_context():
        session = db.session
        install_pack(session, routing_pack, author="test")
        departments = {
            key: Department(key=key, title_zh=key, title_en=key)
            for key in ("customer_service", "tech_support", "key_accounts", "field_service",
                        "field_service_east", "repair_center", "quality", "callback")
        }  # fmt: skip
        session.add_all(departments.values())
        customers = {
            "acme": Customer(code="C-ACME", name="Acme", tier="normal"),
            "vip": Customer(code="C-VIP", name="VIP Co", tier="vip"),
        }
        session.add_all(customers.values())
        session.flush()
        contacts = {
            key: Contact(customer_id=customer.id, name=f"{key} contact", phone="13800000000")
            for key, customer in customers.items()
        }
        session.add_all(contacts.values())
        address = Address(customer_id=customers["acme"].id, region="east", city="上海",
                          line="南京西路 1 号")  # fmt: skip
        session.add(address)
        users = {
            name: User(
                username=name,
                display_name=name.title(),
                role=role,
                department_id=departments[department].id if department else None,
                **attributes,
            )
            for name, (role, department, attributes) in PEOPLE.items()
        }
        session.add_all(users.values())
        session.commit()
        yield World(session, users, customers, contacts, address)
        session.rollback()
    clear_pinned_cache()


def repair_fields(world: World, customer: str = "acme", **overrides: Any) -> dict[str, Any]:
    """Valid fields of a ``repair`` ticket (an espresso machine, on site in Shanghai)."""
    fields: dict[str, Any] = {
        "customer": world.customers[customer].id,
        "contact": world.contacts[customer].id,
        "service_mode": "on_site",
        "visit_address": {"region": "east", "city": "上海", "line": "人民广场",
                          "lat": 31.2304, "lng": 121.4737},
        "serial_no": "SN-1",
        "product_model": "es_pro_2",
        "symptom": "不出水",
        "impact": "degraded",
    }  # fmt: skip
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


@pytest.fixture
def new_ticket(world: World) -> Callable[..., Ticket]:
    """Create a ticket through the ticket services (a repair by phone unless told otherwise)."""
    from gongdan.tickets.services import create_ticket

    def build(actor: str = "amy", customer: str = "acme", **overrides: Any) -> Ticket:
        arguments: dict[str, Any] = {
            "type_key": "repair",
            "channel": "phone",
            "fields": repair_fields(world, customer),
            "customer_id": world.customers[customer].id,
        }
        arguments.update(overrides)
        return create_ticket(world.session, world.user(actor), **arguments)

    return build
