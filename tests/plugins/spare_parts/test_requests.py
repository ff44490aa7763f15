"""Parts on tickets: van first, approval, waiting for stock, issue, consume, faulty returns."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from gongdan_spare_parts.errors import (
    ExceedsReservation,
    NotYourVan,
    SerialNotInWarehouse,
    StockError,
    WrongLineStatus,
)
from gongdan_spare_parts.models import SerialNumber
from tests.gongdan.fieldwork.factories import create_repair
from tests.plugins.spare_parts.factories import Depot, ledger_snapshot

from gongdan.customers.models import Asset
from gongdan.db import db
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan_spare_parts import requests, services


def _ticket(depot: Depot, **fields: object) -> Ticket:
    number = create_repair(depot.site)
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
    assert ticket is not None
    for name, value in fields.items():
        setattr(ticket, name, value)
    db.session.commit()
    return ticket


def _events(ticket: Ticket) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(TicketEvent.kind)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind.like("spare_parts.%"))
            .order_by(TicketEvent.id)
        )
    )


def _stock(depot: Depot, part: str, warehouse: str, quantity: object, **kw: object) -> None:
    services.receive(
        db.session, part=depot.part(part), warehouse=depot.warehouse(warehouse),
        quantity=quantity, **kw,
    )  # fmt: skip


def test_the_engineers_van_comes_first_and_needs_no_approval(depot: Depot) -> None:
    with depot.site.app.app_context():
        _stock(depot, "filter", "VAN-1", 1)
        _stock(depot, "filter", "WH-SH", 5)
        engineer = depot.site.user("engineer")
        ticket = _ticket(depot)

        from_van = requests.request_part(
            db.session, ticket=ticket, part=depot.part("filter"), quantity=1, engineer=engineer
        )
        from_warehouse = requests.request_part(
            db.session, ticket=ticket, part=depot.part("filter"), quantity=1, engineer=engineer
        )

        assert (from_van.warehouse.code, from_van.status) == ("VAN-1", "reserved")
        assert (from_warehouse.warehouse.code, from_warehouse.status) == ("WH-SH", "requested")
        assert _events(ticket) == ["spare_parts.requested", "spare_parts.requested"]


def test_a_ticket_waits_for_a_part_and_is_told_when_it_arrives(depot: Depot) -> None:
    with depot.site.app.app_context():
        ticket = _ticket(depot)
        line = requests.request_part(
            db.session, ticket=ticket, part=depot.part("filter"), quantity=2,
            engineer=depot.site.user("engineer"),
        )  # fmt: skip
        requests.approve(db.session, line, approver=depot.site.user("dispatcher"))
        assert line.status == "approved"  # nothing in stock: it waits

        _stock(depot, "filter", "WH-SH", 1)
        assert line.status == "approved"  # one is not enough for two
        _stock(depot, "filter", "WH-SH", 3)

        assert line.status == "reserved"
        assert depot.level("filter", "WH-SH").available == 2
        assert _events(ticket)[-1] == "spare_parts.arrived"


def test_issuing_more_than_reserved_is_refused_and_less_gives_the_rest_back(depot: Depot) -> None:
    with depot.site.app.app_context():
        _stock(depot, "filter", "WH-SH", 5)
        engineer = depot.site.user("engineer")
        line = requests.request_part(
            db.session, ticket=_ticket(depot), part=depot.part("filter"), quantity=3,
            engineer=engineer,
        )  # fmt: skip
        requests.approve(db.session, line, approver=depot.site.user("dispatcher"))
        before = ledger_snapshot()

        with pytest.raises(ExceedsReservation, match="reserves 3.* cannot issue 4"):
            requests.issue(db.session, line, engineer=engineer, quantity=4)
        assert ledger_snapshot() == before

        requests.issue(db.session, line, engineer=engineer, quantity=2)
        level = depot.level("filter", "WH-SH")
        assert (level.on_hand, level.reserved, line.quantity) == (3, 0, 2)
        assert services.balance_mismatches(db.session) == []


def test_consuming_from_another_engineers_van_is_refused(depot: Depot) -> None:
    with depot.site.app.app_context():
        _stock(depot, "filter", "VAN-1", 2)
        line = requests.request_part(
            db.session, ticket=_ticket(depot), part=depot.part("filter"), quantity=1,
            engineer=depot.site.user("engineer"),
        )  # fmt: skip
        before = ledger_snapshot()

        with pytest.raises(NotYourVan, match="VAN-1 is another engineer's van"):
            requests.consume(db.session, line, engineer=depot.site.user("engineer2"))

        assert ledger_snapshot() == before
        assert line.status == "reserved"


def test_a_serial_part_is_consumed_by_its_serial_and_the_faulty_one_returned(
    depot: Depot,
) -> None:
    with depot.site.app.app_context():
        _stock(depot, "pump", "VAN-1", 1, serials=["PMP-1"])
        _stock(depot, "pump", "WH-SH", 1, serials=["PMP-9"])
        engineer = depot.site.user("engineer")
        ticket = _ticket(depot)
        line = requests.request_part(
            db.session, ticket=ticket, part=depot.part("pump"), quantity=1, engineer=engineer
        )
        before = ledger_snapshot()

        with pytest.raises(
            SerialNotInWarehouse, match="'PMP-9' of P-PUMP-01 is not in stock in VAN-1"
        ):
            requests.consume(db.session, line, engineer=engineer, serial="PMP-9")
        assert ledger_snapshot() == before

        requests.consume(db.session, line, engineer=engineer, serial="PMP-1")
        unit = db.session.scalar(sa.select(SerialNumber).where(SerialNumber.serial == "PMP-1"))
        assert unit is not None and (unit.status, unit.ticket_id) == ("issued", ticket.id)

        faulty = requests.return_faulty(db.session, line, serial="OLD-77", engineer=engineer)
        assert faulty.status == "pending"
        with pytest.raises(StockError, match="already returned"):
            requests.return_faulty(db.session, line, serial="OLD-77", engineer=engineer)
        requests.receive_faulty(db.session, faulty, outcome="received")
        requests.receive_faulty(db.session, faulty, outcome="scrapped")
        with pytest.raises(WrongLineStatus):
            requests.receive_faulty(db.session, faulty, outcome="received")
        assert _events(ticket)[-2:] == ["spare_parts.consumed", "spare_parts.faulty_returned"]


@pytest.mark.parametrize(("days_left", "charged"), [(30, False), (0, False), (-1, True)])
def test_warranty_decides_whether_a_line_is_charged(
    depot: Depot, days_left: int, charged: bool
) -> None:
    with depot.site.app.app_context():
        today = date(2026, 12, 6)
        asset = Asset(
            customer_id=depot.site.customers["acme"], product_model="es_pro_2",
            serial_number=f"ES-{days_left}", warranty_end=today + timedelta(days=days_left),
        )  # fmt: skip
        db.session.add(asset)
        db.session.flush()
        _stock(depot, "filter", "VAN-1", 1)
        engineer = depot.site.user("engineer")
        line = requests.request_part(
            db.session, ticket=_ticket(depot, asset_id=asset.id), part=depot.part("filter"),
            quantity=1, engineer=engineer,
        )  # fmt: skip

        requests.consume(db.session, line, engineer=engineer, day=today)

        assert (line.status, line.charged, line.unit_price) == ("consumed", charged, 45)


def test_releasing_a_reservation_puts_the_part_back_on_the_shelf(depot: Depot) -> None:
    with depot.site.app.app_context():
        _stock(depot, "filter", "VAN-1", 1)
        line = requests.request_part(
            db.session, ticket=_ticket(depot), part=depot.part("filter"), quantity=1,
            engineer=depot.site.user("engineer"),
        )  # fmt: skip
        assert depot.level("filter", "VAN-1").available == 0

        requests.release(db.session, line, actor=None, reason="customer fixed it")

        assert (line.status, depot.level("filter", "VAN-1").available) == ("released", 1)
        with pytest.raises(WrongLineStatus, match="is released, not reserved"):
            requests.issue(db.session, line, engineer=depot.site.user("engineer"))
