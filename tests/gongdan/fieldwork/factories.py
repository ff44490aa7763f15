"""Test data for the engineer pages and the portal: the default pack, people, two customers.

Shared by ``tests/gongdan/fieldwork`` and ``tests/gongdan/portal``. Everything is created in
its own application context and the tests keep only ids and numbers, so requests made with the
test client never share a session with the setup.
"""

from __future__ import annotations

import base64
import functools
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from tests.conftest import TEST_PASSWORD

from gongdan.accounts.models import Department, User
from gongdan.customers.models import Address, Contact, Customer
from gongdan.db import db
from gongdan.definitions.packs import LoadedPack, load_pack
from gongdan.definitions.registry import install_pack
from gongdan.tickets import services
from gongdan.tickets.models import Ticket

PACK_ROOT = Path(__file__).resolve().parents[3] / "definitions" / "after_sales"

DEPARTMENTS = (
    "customer_service",
    "tech_support",
    "field_service",
    "repair_center",
    "quality",
    "callback",
    "key_accounts",
)


@functools.cache
def after_sales_pack() -> LoadedPack:
    return load_pack(PACK_ROOT)


@dataclass
class Site:
    """Ids of the people and customers of one test."""

    app: Flask
    users: dict[str, int]
    customers: dict[str, int]
    contacts: dict[str, int]
    addresses: dict[str, int]

    def user(self, name: str) -> User:
        """The user row (in the current application context's session)."""
        user = db.session.get(User, self.users[name])
        assert user is not None
        return user

    def client(self, username: str, language: str = "en") -> FlaskClient:
        """A new test client logged in as ``username``, speaking ``language`` (en or zh_CN)."""
        client = self.app.test_client()
        response = client.post("/login", data={"username": username, "password": TEST_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        assert client.get(f"/language/{language}").status_code == 302
        return client

    def ticket(self, number: str) -> Ticket:
        """The ticket ``number``, freshly read in a new application context's session."""
        db.session.expire_all()
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        return ticket


def build_site(app: Flask) -> Site:
    """Install the pack and create departments, users and customers ``acme`` and ``beta``."""
    with app.app_context():
        session = db.session
        install_pack(session, after_sales_pack(), author="test")
        departments = {key: Department(key=key, title_zh=key, title_en=key) for key in DEPARTMENTS}
        session.add_all(departments.values())
        customers = {
            "acme": Customer(code="C-ACME", name="Acme 咖啡", tier="normal", phone="021-1"),
            "beta": Customer(code="C-BETA", name="Beta Tea", tier="normal", phone="028-2"),
        }
        session.add_all(customers.values())
        session.flush()
        contacts = {
            key: Contact(
                customer_id=c.id, name=f"{key} 店长", mobile="138 0000 0000", is_primary=True
            )
            for key, c in customers.items()
        }
        addresses = {
            key: Address(
                customer_id=c.id,
                label="门店",
                region="east",
                city="上海",
                line=f"{key} 路 1 号",
                lat=31.23,
                lng=121.47,
                is_default=True,
            )
            for key, c in customers.items()
        }
        session.add_all([*contacts.values(), *addresses.values()])
        people = (
            ("agent", "agent", "customer_service", {}),
            ("dispatcher", "dispatcher", "customer_service", {}),
            ("engineer", "engineer", "field_service", {}),
            ("engineer2", "engineer", "repair_center", {}),
            ("inspector", "quality_inspector", "quality", {}),
            ("acme_user", "customer", None, {"customer_id": customers["acme"].id}),
            ("beta_user", "customer", None, {"customer_id": customers["beta"].id}),
        )
        users: dict[str, User] = {}
        for name, role, department, extra in people:
            user = User(
                username=name,
                display_name=f"{name} 名",
                role=role,
                department_id=departments[department].id if department else None,
                **extra,
            )
            user.set_password(TEST_PASSWORD)
            users[name] = user
        session.add_all(users.values())
        session.commit()
        return Site(
            app=app,
            users={k: v.id for k, v in users.items()},
            customers={k: v.id for k, v in customers.items()},
            contacts={k: v.id for k, v in contacts.items()},
            addresses={k: v.id for k, v in addresses.items()},
        )


def repair_fields(site: Site, customer: str = "acme", **overrides: Any) -> dict[str, Any]:
    """Valid fields of a repair ticket of ``customer``."""
    fields: dict[str, Any] = {
        "customer": site.customers[customer],
        "contact": site.contacts[customer],
        "service_mode": "on_site",
        "visit_address": {"region": "east", "city": "上海", "line": f"{customer} 路 1 号"},
        "serial_no": "SN-1",
        "product_model": "es_pro_2",
        "symptom": "不出水",
        "impact": "degraded",
    }
    fields.update(overrides)
    return fields


def create_repair(
    site: Site,
    customer: str = "acme",
    *,
    actor: str = "agent",
    priority: str | None = None,
    **overrides: Any,
) -> str:
    """Create a repair ticket through the services; returns its number."""
    with site.app.app_context():
        ticket = services.create_ticket(
            db.session,
            site.user(actor),
            type_key="repair",
            channel="phone",
            priority=priority,
            fields=repair_fields(site, customer, **overrides),
            subject=f"{customer} 咖啡机不出水",
            customer_id=site.customers[customer],
            contact_id=site.contacts[customer],
            address_id=site.addresses[customer],
        )
        return ticket.number


def step(site: Site, number: str, actor: str, transition: str, **kwargs: Any) -> None:
    """Run a transition through the services."""
    with site.app.app_context():
        ticket = site.ticket(number)
        services.run_transition(
            db.session,
            site.user(actor),
            ticket.id,
            transition,
            expected_version=ticket.version,
            **kwargs,
        )


def dispatched_repair(
    site: Site, customer: str = "acme", engineer: str = "engineer", priority: str | None = None
) -> str:
    """A repair ticket dispatched on site and assigned to ``engineer``."""
    number = create_repair(site, customer, priority=priority)
    step(site, number, "agent", "accept")
    step(site, number, "dispatcher", "dispatch", fields={"fault_code": "e01_no_water"})
    with site.app.app_context():
        ticket = site.ticket(number)
        services.assign_ticket(
            db.session,
            site.user("dispatcher"),
            ticket.id,
            assignee_id=site.users[engineer],
            reason="nearest",
            expected_version=ticket.version,
        )
    return number


def version_of(site: Site, number: str) -> int:
    with site.app.app_context():
        return site.ticket(number).version


def png_bytes(width: int = 60, height: int = 20) -> bytes:
    """A real (white) PNG image of ``width`` × ``height``."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def png_data_url(data: bytes | None = None) -> str:
    return "data:image/png;base64," + base64.b64encode(data or png_bytes()).decode()


def csrf_token_of(html: str) -> str:
    """The CSRF token rendered in a page."""
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def iter_test_ids(html: str) -> Iterator[str]:
    yield from re.findall(r'data-testid="([^"]+)"', html)
