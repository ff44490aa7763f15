"""Test data for the PM plugin: a site (tests.gongdan's) with the PM pack, a premium contract
and four machines whose due dates the tests compute by hand.

==========  ============  ===========  ===========================  ==========================
serial      model         installed    plan                         due dates
==========  ============  ===========  ===========================  ==========================
ES-A1       es_pro_2      2026-01-10   premium_quarterly (acme)     04-10 07-10 10-10 01-10
ES-A2       es_pro_3      2026-03-31   premium_quarterly (acme)     06-30 09-30 12-31 03-31
WT-B1       wt_ro_400     2026-02-01   water_filter_change (beta)   04-02 06-01 …, then 60 days
                                                                    after each completion
GR-B2       gr_64         2026-02-01   none (no contract)           —
==========  ============  ===========  ===========================  ==========================

``premium_quarterly``: every 3 months from installation, 14 days' lead;
``water_filter_change``: every 60 days from the last completion, 7 days' lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from gongdan_pm.models import PmVisit
from tests.gongdan.fieldwork.factories import Site, build_site

from gongdan.accounts.models import User
from gongdan.customers.models import Asset, ServiceContract
from gongdan.db import db, utcnow
from gongdan.definitions.extensions import current_extensions
from gongdan.definitions.packs import load_pack
from gongdan.definitions.registry import install_pack
from gongdan.tickets.models import Ticket
from gongdan_pm import plugin


@dataclass
class PmSite:
    """A site with the PM pack, a premium contract for acme and four assets."""

    site: Site
    assets: dict[str, int]

    def visits(self) -> list[tuple[str, str, str, bool]]:
        """``(serial, due date, status, overdue)`` of every visit, in due order."""
        rows = db.session.execute(
            sa.select(Asset.serial_number, PmVisit.due_date, PmVisit.status, PmVisit.overdue)
            .join(Asset, Asset.id == PmVisit.asset_id)
            .order_by(PmVisit.due_date, Asset.serial_number)
        )
        return [(r[0], r[1].isoformat(), r[2], r[3]) for r in rows]

    def ticket_of(self, serial: str, due: str) -> Ticket:
        ticket = db.session.scalar(
            sa.select(Ticket)
            .join(PmVisit, PmVisit.ticket_id == Ticket.id)
            .where(
                PmVisit.asset_id == self.assets[serial], PmVisit.due_date == date.fromisoformat(due)
            )
        )
        assert ticket is not None
        return ticket


def install_pm_pack() -> None:
    for path in plugin.gongdan_definition_packs():
        install_pack(
            db.session, load_pack(Path(path)), author="test", extensions=current_extensions()
        )


def build_pm_site(app: Flask) -> PmSite:
    """Build the site, install the PM pack and add the contract and machines (no schedules)."""
    site = build_site(app)
    with app.app_context():
        install_pm_pack()
        engineer = db.session.get(User, site.users["engineer"])
        assert engineer is not None
        engineer.last_lat, engineer.last_lng = 31.23, 121.47  # near the acme shop, for `nearest`
        engineer.last_located_at = utcnow()
        contract = ServiceContract(
            customer_id=site.customers["acme"], number="SC-ACME-1", level="premium",
            starts_on=date(2026, 1, 1), ends_on=date(2027, 12, 31),
        )  # fmt: skip
        db.session.add(contract)
        db.session.flush()
        specs = {
            "ES-A1": ("acme", "es_pro_2", date(2026, 1, 10), contract.id),
            "ES-A2": ("acme", "es_pro_3", date(2026, 3, 31), contract.id),
            "WT-B1": ("beta", "wt_ro_400", date(2026, 2, 1), None),
            "GR-B2": ("beta", "gr_64", date(2026, 2, 1), None),
        }
        assets = {
            serial: Asset(
                customer_id=site.customers[customer], address_id=site.addresses[customer],
                contract_id=contract_id, product_model=model, serial_number=serial,
                install_date=installed,
            )
            for serial, (customer, model, installed, contract_id) in specs.items()
        }  # fmt: skip
        db.session.add_all(assets.values())
        db.session.commit()
        return PmSite(site=site, assets={k: a.id for k, a in assets.items()})
