"""Stock moves on SQLite and PostgreSQL: balances are the sum of the ledger; refusals change
nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from gongdan_spare_parts.errors import (
    InsufficientStock,
    InvalidQuantity,
    NotYourVan,
    SerialNotInWarehouse,
    StockError,
)
from gongdan_spare_parts.models import SerialNumber, StockMove
from tests.plugins.spare_parts.factories import Depot, ledger_snapshot

from gongdan.db import db
from gongdan_spare_parts import services


def test_receipt_transfer_and_arrival_move_stock_through_transit(depot: Depot) -> None:
    with depot.site.app.app_context():
        services.receive(
            db.session, part=depot.part("filter"), warehouse=depot.warehouse("WH-SH"), quantity=10
        )
        transfer_id = services.transfer(
            db.session, part=depot.part("filter"), source=depot.warehouse("WH-SH"),
            destination=depot.warehouse("WH-EAST"), quantity="4",
        )  # fmt: skip

        assert depot.level("filter", "WH-SH").on_hand == 6
        in_transit = depot.level("filter", "WH-EAST")
        assert (in_transit.on_hand, in_transit.in_transit) == (0, 4)

        services.arrive(db.session, transfer_id=transfer_id)
        arrived = depot.level("filter", "WH-EAST")
        assert (arrived.on_hand, arrived.in_transit, arrived.available) == (4, 0, 4)
        with pytest.raises(StockError, match="already arrived"):
            services.arrive(db.session, transfer_id=transfer_id)
        assert services.balance_mismatches(db.session) == []


def test_the_balance_is_always_the_sum_of_the_moves(depot: Depot) -> None:
    with depot.site.app.app_context():
        tubing, central = depot.part("tubing"), depot.warehouse("WH-SH")
        services.receive(db.session, part=tubing, warehouse=central, quantity="12.5")
        services.write_off(
            db.session, part=tubing, warehouse=central, quantity="0.75", reason="kinked"
        )
        services.transfer(
            db.session, part=tubing, source=central, destination=depot.warehouse("VAN-1"),
            quantity=2,
        )  # fmt: skip

        sums = db.session.execute(
            sa.select(
                StockMove.warehouse_id, sa.func.sum(StockMove.d_on_hand),
                sa.func.sum(StockMove.d_in_transit),
            ).where(StockMove.part_id == tubing.id).group_by(StockMove.warehouse_id)
        ).all()  # fmt: skip
        for warehouse_id, on_hand, in_transit in sums:
            level = services.stock_of(db.session, tubing.id, warehouse_id)
            assert (level.on_hand, level.in_transit) == (on_hand, in_transit)
        assert depot.level("tubing", "WH-SH").on_hand == Decimal("9.75")
        assert services.balance_mismatches(db.session) == []

        # A balance edited behind the ledger's back is found.
        db.session.execute(sa.text("UPDATE sp_stock_balances SET on_hand = on_hand + 1"))
        assert len(services.balance_mismatches(db.session)) == 2
        db.session.rollback()


@pytest.mark.parametrize(
    ("quantity", "error"),
    [
        (-1, InvalidQuantity),
        ("0", InvalidQuantity),
        ("1.5", InvalidQuantity),
        (11, InsufficientStock),
    ],
)
def test_bad_quantities_leave_the_ledger_unchanged(
    depot: Depot, quantity: object, error: type[Exception]
) -> None:
    with depot.site.app.app_context():
        services.receive(
            db.session, part=depot.part("filter"), warehouse=depot.warehouse("WH-SH"), quantity=10
        )
        before = ledger_snapshot()

        with pytest.raises(error):
            services.write_off(
                db.session, part=depot.part("filter"), warehouse=depot.warehouse("WH-SH"),
                quantity=quantity, reason="broken",
            )  # fmt: skip

        assert ledger_snapshot() == before


def test_serial_numbers_follow_their_units(depot: Depot) -> None:
    with depot.site.app.app_context():
        pump, central = depot.part("pump"), depot.warehouse("WH-SH")
        with pytest.raises(SerialNotInWarehouse, match="2 units need 2 serial numbers"):
            services.receive(db.session, part=pump, warehouse=central, quantity=2, serials=["A"])
        services.receive(db.session, part=pump, warehouse=central, quantity=2, serials=["A", "B"])
        with pytest.raises(SerialNotInWarehouse, match="'A' of P-PUMP-01 already exists"):
            services.receive(db.session, part=pump, warehouse=central, quantity=1, serials=["A"])
        before = ledger_snapshot()

        with pytest.raises(SerialNotInWarehouse, match="'Z' of P-PUMP-01 is not in stock in WH-SH"):
            services.write_off(
                db.session, part=pump, warehouse=central, quantity=1, serials=["Z"], reason="x"
            )
        assert ledger_snapshot() == before

        services.transfer(
            db.session, part=pump, source=central, destination=depot.warehouse("WH-EAST"),
            quantity=1, serials=["B"],
        )  # fmt: skip
        unit = db.session.scalar(sa.select(SerialNumber).where(SerialNumber.serial == "B"))
        assert unit is not None
        assert (unit.status, unit.warehouse_id) == ("in_transit", depot.warehouses["WH-EAST"])


def test_an_engineer_cannot_move_stock_out_of_another_engineers_van(depot: Depot) -> None:
    with depot.site.app.app_context():
        services.receive(
            db.session, part=depot.part("filter"), warehouse=depot.warehouse("VAN-2"), quantity=3
        )
        before = ledger_snapshot()

        with pytest.raises(NotYourVan, match="VAN-2 is another engineer's van"):
            services.transfer(
                db.session, part=depot.part("filter"), source=depot.warehouse("VAN-2"),
                destination=depot.warehouse("VAN-1"), quantity=1,
                actor=depot.site.user("engineer"),
            )  # fmt: skip

        assert ledger_snapshot() == before


def test_the_database_refuses_a_negative_balance_whatever_the_code(depot: Depot) -> None:
    with depot.site.app.app_context():
        services.receive(
            db.session, part=depot.part("filter"), warehouse=depot.warehouse("WH-SH"), quantity=1
        )
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text("UPDATE sp_stock_balances SET reserved = 2"))
        db.session.rollback()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text("UPDATE sp_stock_balances SET on_hand = -1, reserved = 0"))
        db.session.rollback()
