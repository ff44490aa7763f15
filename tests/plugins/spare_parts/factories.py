"""Test data for the spare parts plugin: a site (tests.gongdan's) plus warehouses and parts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from gongdan_spare_parts.models import Part, StockMove, Warehouse
from gongdan_spare_parts.services import StockLevel, stock_of
from tests.gongdan.fieldwork.factories import Site, build_site

from gongdan.db import db
from gongdan.definitions.extensions import current_extensions
from gongdan.definitions.packs import load_pack
from gongdan.definitions.registry import install_pack
from gongdan_spare_parts import plugin


@dataclass
class Depot:
    """A site with a central and a regional warehouse, two engineers' vans and three parts."""

    site: Site
    warehouses: dict[str, int]
    parts: dict[str, int]

    def warehouse(self, code: str) -> Warehouse:
        found = db.session.get(Warehouse, self.warehouses[code])
        assert found is not None
        return found

    def part(self, key: str) -> Part:
        found = db.session.get(Part, self.parts[key])
        assert found is not None
        return found

    def level(self, part: str, warehouse: str) -> StockLevel:
        return stock_of(db.session, self.parts[part], self.warehouses[warehouse])


def build_depot(app: Flask) -> Depot:
    """Build the site (the default pack installed) with the plugin's pack, and the stock
    places; no stock yet."""
    site = build_site(app)
    with app.app_context():
        for path in plugin.gongdan_definition_packs():
            install_pack(
                db.session, load_pack(Path(path)), author="test", extensions=current_extensions()
            )
        warehouses = [
            Warehouse(code="WH-SH", name="上海中心库", kind="central"),
            Warehouse(code="WH-EAST", name="华东区域库", kind="regional", region="east"),
            Warehouse(
                code="VAN-1", name="工程师车载库", kind="van", owner_id=site.users["engineer"]
            ),
            Warehouse(
                code="VAN-2", name="二号车载库", kind="van", owner_id=site.users["engineer2"]
            ),
        ]
        parts = {
            "pump": Part(
                number="P-PUMP-01", name="水泵", serial_tracked=True,
                compatible_models=["es_pro_2"], unit_cost=Decimal("180"), unit_price=Decimal("320"),
            ),
            "filter": Part(
                number="P-FLT-02", name="滤芯", compatible_models=["es_pro_2"],
                unit_cost=Decimal("20"), unit_price=Decimal("45"),
            ),
            "tubing": Part(
                number="P-TUBE-03", name="硅胶管", unit="m", whole_units=False,
                unit_cost=Decimal("3"), unit_price=Decimal("8"),
            ),
        }  # fmt: skip
        db.session.add_all([*warehouses, *parts.values()])
        db.session.commit()
        return Depot(
            site=site,
            warehouses={w.code: w.id for w in warehouses},
            parts={key: part.id for key, part in parts.items()},
        )


def ledger_snapshot() -> tuple[int, list[tuple[object, ...]]]:
    """The number of moves and every balance row: what a refused operation must not change."""
    moves = db.session.scalar(sa.select(sa.func.count()).select_from(StockMove)) or 0
    balances = db.session.execute(
        sa.text(
            "SELECT part_id, warehouse_id, on_hand, reserved, in_transit FROM sp_stock_balances"
            " ORDER BY part_id, warehouse_id"
        )
    ).all()
    return moves, [tuple(row) for row in balances]
