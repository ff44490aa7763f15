"""A repair waits for a part (its SLA paused) and goes back to work when the part arrives."""

from __future__ import annotations

import sqlalchemy as sa
from gongdan_spare_parts.errors import NotAllowed
from tests.gongdan.fieldwork.factories import dispatched_repair, step
from tests.plugins.spare_parts.factories import Depot, ledger_snapshot

from gongdan.db import db
from gongdan.jobs import job_runner
from gongdan.tickets.models import TicketEvent
from gongdan_spare_parts import requests, services

GEO = {"lat": 31.2, "lng": 121.4, "accuracy": 20, "at": "2026-11-24T08:00:00+00:00"}


def test_a_waiting_repair_is_dispatched_again_when_its_part_arrives(depot: Depot) -> None:
    site = depot.site
    number = dispatched_repair(site)
    step(site, number, "engineer", "check_in", fields={"check_in_location": GEO})
    step(site, number, "engineer", "wait_for_parts", comment="水泵坏了，车上没有")
    with site.app.app_context():
        ticket = site.ticket(number)
        assert ticket.state == "waiting_parts"
        line = requests.request_part(
            db.session, ticket=ticket, part=depot.part("pump"), quantity=1,
            engineer=site.user("engineer"),
        )  # fmt: skip
        assert line.warehouse.code == "WH-SH"  # nothing in the van: the central warehouse
        requests.approve(db.session, line, approver=site.user("dispatcher"))
        assert line.status == "approved"

        services.receive(
            db.session, part=depot.part("pump"), warehouse=depot.warehouse("WH-SH"), quantity=1,
            serials=["PMP-NEW-1"],
        )  # fmt: skip
    job_runner(site.app).run_pending()

    with site.app.app_context():
        ticket = site.ticket(number)
        assert ticket.state == "dispatched"
        kinds = list(
            db.session.scalars(
                sa.select(TicketEvent.kind)
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(TicketEvent.id)
            )
        )
        arrived = kinds.index("spare_parts.arrived")
        assert "transition" in kinds[arrived:]


def test_only_the_roles_of_the_approval_flow_may_approve(depot: Depot) -> None:
    with depot.site.app.app_context():
        number = dispatched_repair(depot.site)
        line = requests.request_part(
            db.session, ticket=depot.site.ticket(number), part=depot.part("filter"), quantity=1,
            engineer=depot.site.user("engineer"),
        )  # fmt: skip
        before = ledger_snapshot()

        try:
            requests.approve(db.session, line, approver=depot.site.user("engineer"))
        except NotAllowed as error:
            assert "engineer (engineer) may not approve" in error.message
        else:
            raise AssertionError("an engineer approved their own request")

        assert ledger_snapshot() == before
        assert line.status == "requested"
