"""Data the reference-data and operations tests share: an admin, departments, a customer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from gongdan.accounts.models import Department
from gongdan.customers.models import Address, Asset, Contact, Customer, ServiceContract
from gongdan.db import db


@dataclass(frozen=True)
class World:
    """Ids of what :func:`build_world` created."""

    admin_id: int
    engineer_id: int
    manager_id: int
    department_id: int
    customer_id: int
    asset_id: int
    contract_id: int


def build_world(app: Flask, make_user: Callable[..., Any]) -> World:
    """An admin, a manager, an engineer in 现场服务部, and customer ACME with its installed base."""
    with app.app_context():
        department = Department(
            key="field_service", title_zh="现场服务部", title_en="Field service"
        )
        customer = Customer(code="ACME", name="Acme 咖啡", tier="normal", region="east")
        db.session.add_all([department, customer])
        db.session.flush()
        site = Address(customer=customer, label="Shop", city="上海", line="南京西路 1 号")
        contract = ServiceContract(
            customer=customer, number="SC-1", level="standard",
            starts_on=date(2020, 1, 1), ends_on=date(2099, 12, 31),
        )  # fmt: skip
        asset = Asset(
            customer=customer, address=site, contract=contract, product_model="CM-200",
            serial_number="SN-0001", warranty_end=date(2000, 1, 1),
        )  # fmt: skip
        db.session.add_all([site, contract, asset, Contact(customer=customer, name="王店长")])
        db.session.commit()
        ids = (department.id, customer.id, asset.id, contract.id)
    admin = make_user("root", "admin", display_name="管理员")
    manager = make_user("manager", "manager", display_name="王经理")
    engineer = make_user("eng", "engineer", display_name="张工", department_id=ids[0])
    return World(admin.id, engineer.id, manager.id, *ids)


def login_admin(client: FlaskClient) -> None:
    """Log ``client`` in as the world's admin."""
    from tests.conftest import TEST_PASSWORD

    response = client.post("/login", data={"username": "root", "password": TEST_PASSWORD})
    assert response.status_code == 302


def invalid_fields(page: str) -> set[str]:
    """Ids of the form fields a page marks invalid (their error is shown under them)."""
    import re

    return set(re.findall(r'class="[^"]*\bis-invalid\b[^"]*"[^>]*\bid="([^"]+)"', page))
