"""Demo installed base: every demo customer gets contacts, sites, assets; loading is idempotent."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongdan.cli import default_pack_path, install_packs
from gongdan.customers.demo import load_installed_base
from gongdan.customers.models import Address, Asset, Contact, Customer, ServiceContract
from gongdan.customers.validation import option_values
from gongdan.db import db
from gongdan.demo import load_demo

MODELS = (Contact, Address, Asset, ServiceContract)


def _customers(session: Session) -> dict[str, Customer]:
    customers = {
        "C-RUIKA": Customer(code="C-RUIKA", name="瑞咖", tier="vip"),
        "C-SHUWEI": Customer(code="C-SHUWEI", name="蜀味", tier="normal"),
    }
    session.add_all(customers.values())
    session.flush()
    return customers


def test_each_demo_customer_gets_its_installed_base(session: Session) -> None:
    customers = _customers(session)
    created: list[bool] = []
    assets = load_installed_base(session, customers, created.append)
    session.commit()
    assert all(created) and len(assets) == 6
    for customer in customers.values():
        session.refresh(customer)
        assert len(customer.contacts) == 2 and customer.contacts[0].is_primary
        regions = {a.region for a in customer.addresses}
        assert len(regions) == 2
        assert all(a.lat is not None and a.lng is not None for a in customer.addresses)
        warranty = {a.in_warranty for a in customer.assets}
        assert warranty == {True, False}
    vip = customers["C-RUIKA"]
    assert [c.active for c in vip.contracts] == [True]
    covered = [a for a in vip.assets if not a.in_warranty]
    assert covered and all(a.contract is not None and a.contract.active for a in covered)
    assert customers["C-SHUWEI"].contracts == []


def test_loading_twice_creates_nothing(session: Session) -> None:
    customers = _customers(session)
    load_installed_base(session, customers, lambda created: None)
    session.commit()
    again: list[bool] = []
    load_installed_base(session, customers, again.append)
    assert again and not any(again)


def test_load_demo_loads_the_installed_base_once(app: Flask) -> None:
    install_packs(app, [default_pack_path()])
    with app.app_context():
        load_demo(db.session)
        assert load_demo(db.session).created == 0
        counts = {
            m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS
        }
        # Contacts: two each for C-RUIKA and C-SHUWEI, one for DEMO-FAST (the ladder demo).
        assert counts == {"Contact": 5, "Address": 4, "Asset": 6, "ServiceContract": 1}
        # The active pack's option lists accept every demo value.
        models = set(db.session.scalars(select(Asset.product_model)))
        assert models <= set(option_values(db.session, "product_models") or ())
        regions = set(db.session.scalars(select(Address.region)))
        assert regions <= set(option_values(db.session, "regions") or ())
