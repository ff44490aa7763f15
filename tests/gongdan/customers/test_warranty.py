"""Warranty decides through the definitions: the default pack derives the charge class."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from tests.gongdan.customers.conftest import InstalledBase

from gongdan.accounts.models import Department, User
from gongdan.customers import services
from gongdan.db import db
from gongdan.definitions.packs import LoadedPack, load_pack
from gongdan.definitions.registry import install_pack
from gongdan.tickets.services import create_ticket

PACK = Path(__file__).resolve().parents[3] / "definitions" / "after_sales"
DEPARTMENTS = ("customer_service", "tech_support", "field_service", "repair_center", "quality",
               "callback", "key_accounts", "service_management")  # fmt: skip


@functools.cache
def _pack() -> LoadedPack:
    return load_pack(PACK)


@pytest.fixture
def agent(app: Flask, session: Session) -> Iterator[User]:
    install_pack(session, _pack(), author="test")
    session.add_all(Department(key=key, title_zh=key) for key in DEPARTMENTS)
    user = User(username="agent", role="agent", display_name="agent")
    session.add(user)
    session.commit()
    yield user
    db.session.rollback()


def _repair(session: Session, agent: User, base: InstalledBase, asset_id: int | None) -> str:
    ticket = create_ticket(
        session,
        agent,
        type_key="repair",
        channel="phone",
        customer_id=base.customer.id,
        contact_id=base.contact.id,
        asset_id=asset_id,
        fields={
            "customer": base.customer.id,
            "contact": base.contact.id,
            "service_mode": "on_site",
            "visit_address": {"region": "east", "city": "上海", "line": "南京西路 1266 号"},
            "product_model": "es_pro_2",
            "symptom": "不出水",
            "impact": "degraded",
            **({"asset": asset_id} if asset_id else {"serial_no": "UNREGISTERED-1"}),
        },
    )
    return str(ticket.charge_class)


def test_an_asset_in_warranty_makes_a_warranty_repair(
    session: Session, agent: User, installed_base: InstalledBase
) -> None:
    assert _repair(session, agent, installed_base, installed_base.covered.id) == "warranty"


def test_an_expired_asset_under_an_active_contract_is_covered_by_it(
    session: Session, agent: User, installed_base: InstalledBase
) -> None:
    assert _repair(session, agent, installed_base, installed_base.expired.id) == "contract"


def test_an_expired_asset_without_a_contract_is_billable(
    session: Session, agent: User, installed_base: InstalledBase
) -> None:
    services.update_asset(session, installed_base.expired, {"contract_id": None})
    # The customer's own contract would still cover it: end it yesterday.
    contract = installed_base.contract
    services.update_contract(
        session, contract, {"starts_on": contract.starts_on, "ends_on": contract.starts_on}
    )
    assert _repair(session, agent, installed_base, installed_base.expired.id) == "billable"
