"""Two engineers reserving the last unit at once: exactly one gets it, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import sqlalchemy as sa
from gongdan_spare_parts.models import PartLine, StockMove
from tests.gongdan.fieldwork.factories import create_repair
from tests.plugins.spare_parts.factories import Depot

from gongdan.db import db
from gongdan.tickets.models import Ticket
from gongdan_spare_parts import requests, services


def _approved_line(depot: Depot, engineer: str) -> int:
    number = create_repair(depot.site)
    ticket_id = db.session.scalar(sa.select(Ticket.id).where(Ticket.number == number))
    line = PartLine(
        ticket_id=ticket_id, part_id=depot.parts["filter"], warehouse_id=depot.warehouses["WH-SH"],
        quantity=Decimal(1), status="requested", requested_by_id=depot.site.users[engineer],
    )  # fmt: skip
    db.session.add(line)
    db.session.commit()
    return line.id


def test_two_engineers_reserving_the_last_unit_at_once_exactly_one_gets_it(depot: Depot) -> None:
    app = depot.site.app
    with app.app_context():
        services.receive(
            db.session, part=depot.part("filter"), warehouse=depot.warehouse("WH-SH"), quantity=1
        )
        first, second = _approved_line(depot, "engineer"), _approved_line(depot, "engineer2")

    first_holds_its_lock = threading.Event()
    outcome: dict[str, object] = {}

    def first_engineer() -> None:
        # Reserves and keeps its transaction open a moment, so the second really overlaps.
        with app.app_context():
            line = db.session.get(PartLine, first)
            assert line is not None
            line.status = "approved"
            outcome["first"] = requests.try_reserve(db.session, line)
            first_holds_its_lock.set()
            time.sleep(0.6)
            db.session.commit()

    def second_engineer() -> None:
        first_holds_its_lock.wait(5)
        with app.app_context():
            line = db.session.get(PartLine, second)
            assert line is not None
            started = time.monotonic()
            outcome["second"] = requests.approve(
                db.session, line, approver=depot.site.user("dispatcher")
            ).status
            outcome["waited"] = time.monotonic() - started

    threads = [threading.Thread(target=first_engineer), threading.Thread(target=second_engineer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert outcome["first"] is True
    assert outcome["second"] == "approved"  # approved, but waiting: nothing left to reserve
    assert outcome["waited"] >= 0.3  # it did run into the first one's open transaction
    with app.app_context():
        level = depot.level("filter", "WH-SH")
        assert (level.on_hand, level.reserved, level.available) == (1, 1, 0)
        reservations = db.session.scalar(
            sa.select(sa.func.count()).select_from(StockMove).where(StockMove.kind == "reservation")
        )
        assert reservations == 1
        assert services.balance_mismatches(db.session) == []


def test_many_engineers_racing_for_three_units_get_exactly_three(depot: Depot) -> None:
    app = depot.site.app
    with app.app_context():
        services.receive(
            db.session, part=depot.part("filter"), warehouse=depot.warehouse("WH-SH"), quantity=3
        )
        lines = [_approved_line(depot, "engineer") for _ in range(6)]
    start = threading.Barrier(len(lines))
    statuses: list[str] = []

    def approve(line_id: int) -> None:
        with app.app_context():
            line = db.session.get(PartLine, line_id)
            assert line is not None
            start.wait(5)
            statuses.append(
                requests.approve(db.session, line, approver=depot.site.user("dispatcher")).status
            )

    threads = [threading.Thread(target=approve, args=(line_id,)) for line_id in lines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(statuses) == ["approved"] * 3 + ["reserved"] * 3
    with app.app_context():
        assert depot.level("filter", "WH-SH").available == 0
        assert services.balance_mismatches(db.session) == []
