"""The plugin's sweep: stale reservations released, purchase suggestions below safety stock —
each once, however often the sweep runs."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from gongdan_spare_parts.models import PartLine, PurchaseSuggestion
from tests.gongdan.fieldwork.factories import create_repair
from tests.plugins.spare_parts.factories import Depot

from gongdan.accounts.models import User
from gongdan.db import db, utcnow
from gongdan.jobs.scheduler import run_sweeps
from gongdan.notifications.models import NotificationOutbox
from gongdan.tickets.models import Ticket
from gongdan_spare_parts import requests, services


def _reserved_line(depot: Depot) -> PartLine:
    number = create_repair(depot.site)
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
    assert ticket is not None
    return requests.request_part(
        db.session, ticket=ticket, part=depot.part("filter"), quantity=1,
        engineer=depot.site.user("engineer"),
    )  # fmt: skip


def test_reservations_not_issued_in_time_are_released_once(depot: Depot) -> None:
    app = depot.site.app
    with app.app_context():
        services.receive(
            db.session, part=depot.part("filter"), warehouse=depot.warehouse("VAN-1"), quantity=2
        )
        old, recent = _reserved_line(depot), _reserved_line(depot)
        old.reserved_at = utcnow() - timedelta(days=8)
        db.session.commit()
        old_id, recent_id = old.id, recent.id

    later = utcnow() + timedelta(minutes=1)
    first = run_sweeps(app, now=later)["spare_parts.stock"]
    second = run_sweeps(app, now=later)["spare_parts.stock"]

    assert (first["released"], second["released"]) == (1, 0)
    with app.app_context():
        statuses = {line.id: line.status for line in db.session.scalars(sa.select(PartLine))}
        assert statuses == {old_id: "released", recent_id: "reserved"}
        assert depot.level("filter", "VAN-1").reserved == 1
        assert services.balance_mismatches(db.session) == []


def test_below_safety_stock_a_purchase_is_suggested_and_announced_once(depot: Depot) -> None:
    app = depot.site.app
    with app.app_context():
        db.session.add(
            User(username="boss", display_name="经理", role="service_manager", email="m@x.cn")
        )
        db.session.commit()
        # Filters in a van: the consumables policy (safety 5) applies before the default.
        services.receive(
            db.session, part=depot.part("filter"), warehouse=depot.warehouse("VAN-1"), quantity=3
        )
        # Tubing centrally: the warehouse default (safety 2); 4 m is enough.
        services.receive(
            db.session, part=depot.part("tubing"), warehouse=depot.warehouse("WH-SH"), quantity=4
        )
        # One pump centrally: below the default's 2.
        services.receive(
            db.session, part=depot.part("pump"), warehouse=depot.warehouse("WH-SH"), quantity=1,
            serials=["PMP-1"],
        )  # fmt: skip

    first = run_sweeps(app)["spare_parts.stock"]
    second = run_sweeps(app)["spare_parts.stock"]

    assert (first["suggestions"], second["suggestions"]) == (2, 0)
    with app.app_context():
        suggestions = {
            (s.part.number, s.warehouse.code): (s.policy, s.quantity, s.available)
            for s in db.session.scalars(sa.select(PurchaseSuggestion))
        }
        assert suggestions == {
            ("P-FLT-02", "VAN-1"): ("consumables", 20, 3),
            ("P-PUMP-01", "WH-SH"): ("warehouse_default", 5, 1),
        }
        mails = list(
            db.session.scalars(
                sa.select(NotificationOutbox).where(
                    NotificationOutbox.template_key == "spare_parts.below_safety"
                )
            )
        )
        # Only the consumables policy names someone to notify.
        assert [(m.recipient_address, "P-FLT-02" in m.subject) for m in mails] == [("m@x.cn", True)]
