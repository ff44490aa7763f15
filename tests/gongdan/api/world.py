"""The data API and inbound-channel tests act on: the default pack, staff, two customers, tokens."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from gongdan.accounts.models import Department, User
from gongdan.accounts.tokens import create_token
from gongdan.customers.models import Contact, Customer
from gongdan.db import db
from gongdan.definitions.packs import LoadedPack, load_pack
from gongdan.definitions.registry import install_pack
from gongdan.tickets.pinning import clear_pinned_cache

PACK_ROOT = Path(__file__).resolve().parents[3] / "definitions" / "after_sales"


@functools.cache
def after_sales_pack() -> LoadedPack:
    return load_pack(PACK_ROOT)


@dataclass
class ApiWorld:
    """Ids and bearer tokens by name; ``call`` sends a request as one of the users."""

    client: FlaskClient
    tokens: dict[str, str]
    customers: dict[str, int]
    contacts: dict[str, int]

    def call(self, method: str, path: str, who: str | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}) or {})
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.client.open(path, method=method, headers=headers, **kwargs)


def build_world(app: Flask) -> ApiWorld:
    clear_pinned_cache()
    with app.app_context():
        session = db.session
        install_pack(session, after_sales_pack(), author="test")
        for key in ("customer_service", "tech_support", "field_service", "quality"):
            session.add(Department(key=key, title_zh=key, title_en=key))
        customers = {
            "acme": Customer(code="C-ACME", name="Acme Coffee", tier="normal"),
            "other": Customer(code="C-OTHER", name="Other Tea", tier="normal"),
        }
        session.add_all(customers.values())
        session.flush()
        contacts = {
            "acme": Contact(customer_id=customers["acme"].id, name="Ann", phone="13800000001",
                            email="ann@acme.example"),
            "other": Contact(customer_id=customers["other"].id, name="Otto", phone="13900000002",
                             email="otto@other.example"),
        }  # fmt: skip
        session.add_all(contacts.values())
        users = {
            "agent": User(username="agent", role="agent", display_name="Agent"),
            "admin": User(username="admin", role="admin", display_name="Admin"),
            "acme_user": User(username="acme_user", role="customer", display_name="Ann",
                              customer_id=customers["acme"].id),
            "other_user": User(username="other_user", role="customer", display_name="Otto",
                               customer_id=customers["other"].id),
        }  # fmt: skip
        for user in users.values():
            user.set_password("correct horse")
        session.add_all(users.values())
        session.flush()
        tokens = {name: create_token(session, user).secret for name, user in users.items()}
        session.commit()
        return ApiWorld(
            client=app.test_client(),
            tokens=tokens,
            customers={k: c.id for k, c in customers.items()},
            contacts={k: c.id for k, c in contacts.items()},
        )


def consultation(world: ApiWorld, customer: str = "acme", **extra: Any) -> dict[str, Any]:
    """A valid ``POST /tickets`` body of a consultation."""
    body: dict[str, Any] = {
        "type": "consultation",
        "channel": "phone",
        "customer_id": world.customers[customer],
        "contact_id": world.contacts[customer],
        "fields": {"topic": "cleaning", "question": "How often to clean the grinder?"},
    }
    body.update(extra)
    return body
