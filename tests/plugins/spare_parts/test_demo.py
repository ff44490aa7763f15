"""``gongdan init --demo`` with the plugin: parts, stock, and the repair that waits for a part,
gets it, uses it and returns the faulty one — twice without duplicates."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from gongdan_spare_parts.demo import STORY_SUBJECT
from gongdan_spare_parts.models import FaultyReturn, Part, PartLine, StockMove

from gongdan.db import db
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan_spare_parts import services


def _counts() -> tuple[int, int, int]:
    count = sa.func.count()
    return (
        db.session.scalar(sa.select(count).select_from(Part)) or 0,
        db.session.scalar(sa.select(count).select_from(StockMove)) or 0,
        db.session.scalar(sa.select(count).select_from(PartLine)) or 0,
    )


def test_the_demo_tells_the_waiting_repair_story_once(sp_app: Flask) -> None:
    runner = sp_app.test_cli_runner()

    first = runner.invoke(args=["init", "--demo"])
    assert first.exit_code == 0, first.output
    assert "waited for, got, used and returned an RO membrane" in first.output
    with sp_app.app_context():
        after_first = _counts()
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.subject == STORY_SUBJECT))
        assert ticket is not None
        assert ticket.state == "dispatched"  # resumed by the automation on spare_parts.arrived
        line = db.session.scalar(sa.select(PartLine).where(PartLine.ticket_id == ticket.id))
        assert line is not None
        assert (line.status, line.serial) == ("consumed", "RO-400-2611-0031")
        assert db.session.scalar(sa.select(FaultyReturn.serial)) == "RO-400-2302-0877"
        kinds = db.session.scalars(
            sa.select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)
        ).all()
        assert "spare_parts.arrived" in kinds
        assert services.balance_mismatches(db.session) == []

    second = runner.invoke(args=["init", "--demo"])
    assert second.exit_code == 0, second.output
    with sp_app.app_context():
        assert _counts() == after_first
