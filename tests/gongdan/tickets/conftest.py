"""Fixtures of the ticket service tests: the default pack installed, people and customers."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.customers.models import Address, Asset, Contact, Customer
from gongdan.db import db
from gongdan.definitions.packs import LoadedPack, load_pack
from gongdan.definitions.registry import install_pack
from gongdan.tickets.models import Ticket, TicketAttachment, TicketComment, TicketEvent
from gongdan.tickets.pinning import clear_pinned_cache

PACK_ROOT = Path(__file__).resolve().parents[3] / "definitions" / "after_sales"


@functools.cache
def after_sales_pack() -> LoadedPack:
    return load_pack(PACK_ROOT)


@dataclass
class World:
    """Who and what the tests act with (users are rows of ``session``)."""

    session: Session
    users: dict[str, User]
    customers: dict[str, Customer]
    contacts: dict[str, Contact]
    addresses: dict[str, Address]
    assets: dict[str, Asset]

    def user(self, name: str) -> User:
        return self.users[name]


def repair_fields(world: World, **overrides: Any) -> dict[str, Any]:
    """Valid fields of a ``repair`` ticket for customer ``acme``."""
    fields: dict[str, Any] = {
        "customer": world.customers["acme"].id,
        "contact": world.contacts["acme"].id,
        "service_mode": "on_site",
        "visit_address": {"region": "east", "city": "上海", "line": "南京西路 1 号"},
        "serial_no": "SN-LOOSE-1",
        "product_model": "es_pro_2",
        "symptom": "不出水",
        "impact": "degraded",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def counts(session: Session) -> dict[str, int]:
    """Rows of every ticket table: a failed call must leave these unchanged."""
    session.rollback()
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Ticket, TicketEvent, TicketComment, TicketAttachment)
    }


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    clear_pinned_cache()
    with app.app_context():
        session = db.session
        install_pack(session, after_sales_pack(), author="test")
        departments = {}
        for key in (
            "customer_service",
            "tech_support",
            "field_service",
            "repair_center",
            "quality",
            "callback",
            "key_accounts",
        ):
            departments[key] = Department(key=key, title_zh=key, title_en=key)
        session.add_all(departments.values())
        customers = {
            "acme": Customer(code="C-ACME", name="Acme", tier="normal"),
            "vip": Customer(code="C-VIP", name="VIP Co", tier="vip"),
        }
        session.add_all(customers.values())
        session.flush()
        contacts = {
            key: Contact(customer_id=c.id, name=f"{key} contact", phone="13800000000")
            for key, c in customers.items()
        }
        addresses = {
            key: Address(customer_id=c.id, region="east", city="上海", line="路 1 号")
            for key, c in customers.items()
        }
        session.add_all([*contacts.values(), *addresses.values()])
        session.flush()
        today = date.today()
        assets = {
            "warranty": Asset(
                customer_id=customers["acme"].id,
                product_model="es_pro_2",
                serial_number="SN-W-1",
                warranty_end=today + timedelta(days=30),
            ),
            "expired": Asset(
                customer_id=customers["acme"].id,
                product_model="es_pro_2",
                serial_number="SN-X-1",
                warranty_end=today - timedelta(days=30),
            ),
            "vip": Asset(
                customer_id=customers["vip"].id,
                product_model="gr_64",
                serial_number="SN-V-1",
                warranty_end=today - timedelta(days=30),
            ),
        }
        session.add_all(assets.values())
        users = {}
        for name, role, department, extra in (
            ("agent", "agent", "customer_service", {}),
            ("dispatcher", "dispatcher", "customer_service", {}),
            ("engineer", "engineer", "field_service", {}),
            ("other_engineer", "engineer", "repair_center", {}),
            ("off_engineer", "engineer", "field_service", {"availability": "off"}),
            ("inspector", "quality_inspector", "quality", {}),
            ("admin", "admin", None, {}),
            ("stranger", "visitor", None, {}),
            ("acme_user", "customer", None, {"customer_id": customers["acme"].id}),
            ("vip_user", "customer", None, {"customer_id": customers["vip"].id}),
        ):
            users[name] = User(
                username=name,
                display_name=name,
                role=role,
                department_id=departments[department].id if department else None,
                **extra,
            )
        session.add_all(users.values())
        session.commit()
        yield World(session, users, customers, contacts, addresses, assets)
        session.rollback()
    clear_pinned_cache()


@pytest.fixture
def new_repair(world: World) -> Callable[..., Ticket]:
    """Create a repair ticket as the agent (overrides go to ``create_ticket``)."""
    from gongdan.tickets.services import create_ticket

    def build(actor: str = "agent", **overrides: Any) -> Ticket:
        arguments: dict[str, Any] = {
            "type_key": "repair",
            "channel": "phone",
            "fields": repair_fields(world),
        }
        arguments.update(overrides)
        return create_ticket(world.session, world.user(actor), **arguments)

    return build
