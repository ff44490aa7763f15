"""Factories for the installed base: a customer with contacts, sites, assets and a contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from gongdan.customers import services
from gongdan.customers.models import (
    Address,
    Asset,
    Contact,
    Customer,
    ServiceContract,
    service_today,
)


@dataclass
class InstalledBase:
    """One customer's rows, as the factory made them."""

    customer: Customer
    contact: Contact
    address: Address
    covered: Asset
    expired: Asset
    contract: ServiceContract


@pytest.fixture
def installed_base(session: Session) -> InstalledBase:
    """Customer C-TEST: one contact, one site, an in-warranty and an expired asset, a contract."""
    today = service_today()
    customer = services.create_customer(
        session, {"code": "C-TEST", "name": "测试咖啡", "tier": "vip", "phone": "021-5555 0101"}
    )
    contact = services.add_contact(
        session, customer, {"name": "孙店长", "mobile": "138 0000 1111", "is_primary": True}
    )
    address = services.add_address(
        session,
        customer,
        {"label": "总店", "region": "east", "city": "上海", "line": "南京西路 1266 号",
         "lat": 31.2304, "lng": 121.4737, "is_default": True},
    )  # fmt: skip
    contract = services.add_contract(
        session,
        customer,
        {"number": "SC-2026-001", "level": "premium", "starts_on": today - timedelta(days=30),
         "ends_on": today + timedelta(days=335)},
    )  # fmt: skip
    covered = services.add_asset(
        session,
        customer,
        {"product_model": "es_pro_2", "serial_number": "esp2-0001", "address_id": address.id,
         "warranty_end": today + timedelta(days=100)},
    )  # fmt: skip
    expired = services.add_asset(
        session,
        customer,
        {"product_model": "gr_64", "serial_number": "GR64-0002",
         "warranty_end": today - timedelta(days=1), "contract_id": contract.id},
    )  # fmt: skip
    return InstalledBase(customer, contact, address, covered, expired, contract)
