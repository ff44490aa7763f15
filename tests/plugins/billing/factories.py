"""Test data for the billing plugin: tests.gongdan's site plus parts, assets, a contract, the
billing pack, and depot repairs placed in diagnosis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from gongdan_spare_parts.models import Part
from tests.gongdan.fieldwork.factories import Site, build_site

from gongdan.customers.models import Asset, Customer, ServiceContract
from gongdan.db import db, utcnow
from gongdan.definitions.extensions import current_extensions
from gongdan.definitions.packs import load_pack
from gongdan.definitions.registry import install_pack
from gongdan.tickets import services as ticket_services
from gongdan.tickets.models import Ticket
from gongdan.tickets.seeding import seed_ticket
from gongdan_billing import plugin

#: Catalogue prices (unit cost, unit price) of the parts the tests use.
PARTS = {
    "P-BURR-64": ("180", "320"),
    "P-MOTOR-BRG": ("25", "60"),
    "P-BREW-UNIT": ("420", "760"),
    "P-TUBE-SIL": ("6", "18"),
}


@dataclass
class Shop:
    """A site with the billing pack, parts, and assets: ``out`` (acme, out of warranty),
    ``in`` (acme, in warranty), ``premium`` (beta, out of warranty, premium contract)."""

    site: Site
    assets: dict[str, int]

    @property
    def app(self) -> Flask:
        return self.site.app

    def depot_repair(self, asset: str, fault: str = "e06_grinder_jam", **fields: Any) -> str:
        """A depot repair of ``asset`` in diagnosis, assigned to engineer2; returns its number."""
        with self.app.app_context():
            row = db.session.get(Asset, self.assets[asset])
            assert row is not None
            customer = db.session.get(Customer, row.customer_id)
            assert customer is not None
            values = {"asset": row.id, "product_model": row.product_model, "symptom": "异响",
                      "received_condition": "完好", "fault_code": fault, **fields}  # fmt: skip
            ticket = seed_ticket(
                db.session, type_key="depot_repair", state="diagnosing", customer=customer,
                creator=self.site.user("agent"), assignee=self.site.user("engineer2"),
                priority="normal", channel="portal", subject=f"{asset} 寄修", fields=values,
                created_at=utcnow() - timedelta(days=1),
            )  # fmt: skip
            return ticket.number

    def step(self, number: str, actor: str, transition: str, **fields: Any) -> None:
        """Take a transition through the core's service."""
        with self.app.app_context():
            ticket = self.site.ticket(number)
            ticket_services.run_transition(
                db.session, self.site.user(actor), ticket.id, transition,
                expected_version=ticket.version, fields=fields or None,
            )  # fmt: skip


def build_shop(app: Flask) -> Shop:
    """Build the site (the default pack installed), the billing pack, parts and assets."""
    site = build_site(app)
    with app.app_context():
        install_pack(
            db.session, load_pack(Path(plugin.gongdan_definition_packs()[0])), author="test",
            extensions=current_extensions(),
        )  # fmt: skip
        for number, (cost, price) in PARTS.items():
            db.session.add(
                Part(number=number, name=number, unit_cost=Decimal(cost), unit_price=Decimal(price))
            )
        today = date.today()
        contract = ServiceContract(
            customer_id=site.customers["beta"], number="SC-BETA", level="premium",
            starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=300),
        )  # fmt: skip
        db.session.add(contract)
        db.session.flush()
        assets = {
            "out": Asset(customer_id=site.customers["acme"], product_model="gr_64",
                         serial_number="GR64-OUT", warranty_end=today - timedelta(days=100)),
            "in": Asset(customer_id=site.customers["acme"], product_model="bc_600",
                        serial_number="BC6-IN", warranty_end=today + timedelta(days=100)),
            "premium": Asset(customer_id=site.customers["beta"], product_model="gr_64",
                             serial_number="GR64-CON", warranty_end=today - timedelta(days=10),
                             contract_id=contract.id),
        }  # fmt: skip
        db.session.add_all(assets.values())
        db.session.commit()
        return Shop(site=site, assets={k: a.id for k, a in assets.items()})


def ticket(number: str) -> Ticket:
    """The ticket, re-read."""
    db.session.expire_all()
    found = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
    assert found is not None
    return found
