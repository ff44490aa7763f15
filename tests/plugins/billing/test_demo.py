"""``gongdan init --demo`` with the plugin — the issue's "done when": an out-of-warranty depot
repair from request to quote to approval to repair to a signed report with the right total and
a statement; an in-warranty one costing nothing with every line saying why; twice, no
duplicates."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Flask
from gongdan_billing.demo import BILLED_SUBJECT, WAITING_SUBJECT, WARRANTY_SUBJECT
from gongdan_billing.models import ChargeLine, Quote, ReportSignoff

from gongdan.db import db
from gongdan.tickets.models import Ticket, TicketEvent


def _ticket(subject: str) -> Ticket:
    found = db.session.scalar(sa.select(Ticket).where(Ticket.subject == subject))
    assert found is not None
    return found


def _counts() -> tuple[int, int, int]:
    count = sa.func.count()
    return (
        db.session.scalar(sa.select(count).select_from(Quote)) or 0,
        db.session.scalar(sa.select(count).select_from(ChargeLine)) or 0,
        db.session.scalar(sa.select(count).select_from(ReportSignoff)) or 0,
    )


def test_the_demo_runs_the_billed_and_the_warranty_repairs_once(bl_app: Flask) -> None:
    runner = bl_app.test_cli_runner()
    first = runner.invoke(args=["init", "--demo"])
    assert first.exit_code == 0, first.output
    assert "Billing demo: RMA-" in first.output and "repaired under warranty" in first.output
    with bl_app.app_context():
        billed = _ticket(BILLED_SUBJECT)
        steps = db.session.scalars(
            sa.select(TicketEvent.data["transition"].as_string())
            .where(TicketEvent.ticket_id == billed.id, TicketEvent.kind == "transition")
            .order_by(TicketEvent.id)
        ).all()
        assert [s for s in steps if s] == [
            "authorise", "receive", "start_diagnosis", "quote", "send_quote", "approve_quote",
            "repair_done",
        ]  # fmt: skip
        assert billed.created_by_id is not None  # the customer's own request
        signoff = db.session.scalar(
            sa.select(ReportSignoff).where(ReportSignoff.ticket_id == billed.id)
        )
        assert signoff is not None and signoff.total == Decimal("777.44")

        waiting = _ticket(WAITING_SUBJECT)
        assert waiting.state == "waiting_approval"
        assert Decimal(str(waiting.fields["quote_amount"])) == Decimal("248.15")

        warranty = _ticket(WARRANTY_SUBJECT)
        lines = db.session.scalars(
            sa.select(ChargeLine).where(ChargeLine.ticket_id == warranty.id)
        ).all()
        assert lines and {(x.decision, x.rule, x.amount) for x in lines} == {
            ("free", "warranty", Decimal("0.00"))
        }
        after_first = _counts()

    second = runner.invoke(args=["init", "--demo"])
    assert second.exit_code == 0, second.output
    with bl_app.app_context():
        assert _counts() == after_first
        billed = _ticket(BILLED_SUBJECT)
    agent = bl_app.test_client()
    agent.post("/login", data={"username": "agent1", "password": "demo1234"})
    statement = agent.get(f"/billing/tickets/{billed.number}/statement").get_data(as_text=True)
    assert 'data-testid="statement-total">¥777.44' in statement
    # Each part line says what the part is, not only its number.
    assert '<span data-testid="part-name">锥刀组 64mm</span>' in statement
    # Labour says the rate level's title from the price list, not its key.
    assert "高级工程师</span>" in statement and ">senior<" not in statement
    assert 'id="statement-signed"' in statement
