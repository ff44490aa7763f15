"""Installed-base models: constraints, and warranty / contract rules agreeing in Python and SQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongdan.customers.models import (
    Address,
    Asset,
    Customer,
    ServiceContract,
    service_today,
)


def _customer(session: Session) -> Customer:
    customer = Customer(code="C-1", name="一号客户")
    session.add(customer)
    session.commit()
    return customer


def test_serial_numbers_are_unique_in_the_database(session: Session) -> None:
    customer = _customer(session)
    session.add(Asset(customer_id=customer.id, product_model="gr_64", serial_number="S-1"))
    session.commit()
    session.add(Asset(customer_id=customer.id, product_model="gr_83", serial_number="S-1"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_coordinates_out_of_range_are_refused_by_the_database(session: Session) -> None:
    customer = _customer(session)
    session.add(Address(customer_id=customer.id, city="上海", lat=91.0, lng=121.0))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_a_contract_cannot_end_before_it_starts(session: Session) -> None:
    customer = _customer(session)
    session.add(
        ServiceContract(
            customer_id=customer.id,
            number="SC-1",
            starts_on=date(2026, 5, 1),
            ends_on=date(2026, 4, 30),
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_deleting_a_customer_deletes_its_installed_base(session: Session) -> None:
    customer = _customer(session)
    session.add(Asset(customer_id=customer.id, product_model="gr_64", serial_number="S-9"))
    session.commit()
    session.delete(customer)
    session.commit()
    assert session.scalars(select(Asset)).all() == []


def test_in_warranty_agrees_in_python_and_sql(session: Session) -> None:
    customer = _customer(session)
    today = service_today()
    ends = {
        "yesterday": today - timedelta(days=1),
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "never": None,
    }
    for serial, end in ends.items():
        session.add(
            Asset(customer_id=customer.id, product_model="gr_64", serial_number=serial,
                  warranty_end=end)
        )  # fmt: skip
    session.commit()
    in_python = {a.serial_number for a in session.scalars(select(Asset)) if a.in_warranty}
    in_sql = set(session.scalars(select(Asset.serial_number).where(Asset.in_warranty)))
    not_in_sql = set(session.scalars(select(Asset.serial_number).where(~Asset.in_warranty)))
    assert in_python == in_sql == {"today", "tomorrow"}
    assert not_in_sql == {"yesterday", "never"}


def test_in_warranty_on_a_given_day(session: Session) -> None:
    customer = _customer(session)
    asset = Asset(customer_id=customer.id, product_model="gr_64", serial_number="S",
                  warranty_end=date(2026, 6, 30))  # fmt: skip
    session.add(asset)
    session.commit()
    assert asset.in_warranty_on(date(2026, 6, 30)) and not asset.in_warranty_on(date(2026, 7, 1))
    found = session.scalars(select(Asset).where(Asset.in_warranty_on(date(2026, 7, 1)))).all()
    assert found == []


def test_contract_active_agrees_in_python_and_sql(session: Session) -> None:
    customer = _customer(session)
    today = service_today()
    periods = {
        "past": (today - timedelta(days=60), today - timedelta(days=1)),
        "ends_today": (today - timedelta(days=60), today),
        "starts_today": (today, today + timedelta(days=60)),
        "future": (today + timedelta(days=1), today + timedelta(days=60)),
    }
    for number, (start, end) in periods.items():
        session.add(ServiceContract(customer_id=customer.id, number=number, level="basic",
                                    starts_on=start, ends_on=end))  # fmt: skip
    session.commit()
    contracts = session.scalars(select(ServiceContract)).all()
    in_python = {c.number for c in contracts if c.active}
    in_sql = set(session.scalars(select(ServiceContract.number).where(ServiceContract.active)))
    assert in_python == in_sql == {"ends_today", "starts_today"}


def test_relationships_order_primary_contact_and_default_address_first(session: Session) -> None:
    customer = _customer(session)
    session.add_all(
        [
            Address(customer_id=customer.id, label="仓库", city="北京"),
            Address(customer_id=customer.id, label="总店", city="上海", is_default=True),
        ]
    )
    session.commit()
    session.expire_all()
    assert [a.label for a in customer.addresses] == ["总店", "仓库"]
    assert customer.addresses[0].one_line == "上海"
