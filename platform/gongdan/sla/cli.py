"""``gongdan sla``: run the escalation sweep, show a ticket's clocks, time-travel a demo ticket."""

from __future__ import annotations

from datetime import UTC, datetime

import click
import isodate
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from gongdan.db import db, utcnow
from gongdan.sla.ladder import run_escalation_sweep
from gongdan.sla.services import advance_clocks, sla_status
from gongdan.tickets.models import Ticket

sla_cli = AppGroup("sla", help="SLA clocks and the escalation ladder.")


def _instant(text: str | None) -> datetime:
    if not text:
        return utcnow()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 date-time") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _ticket(number: str) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None and number.isdigit():
        ticket = db.session.get(Ticket, int(number))
    if ticket is None:
        raise click.ClickException(f"no ticket {number!r}")
    return ticket


def _print_report(now: datetime) -> None:
    report = run_escalation_sweep(db.session, now)
    for fired in report.fired:
        click.echo(
            f"ticket {fired['ticket_id']}: {fired['metric']} level {fired['level']} "
            f"({fired['at_percent']:g}%) fired"
        )
    for problem in report.failed:
        click.echo(f"failed: {problem}", err=True)
    summary = report.summary()
    click.echo(
        f"Sweep at {now.isoformat()}: {summary['examined']} due clock(s), "
        f"{summary['fired']} rung(s) fired, {summary['skipped']} skipped, "
        f"{summary['failed']} failed."
    )


@sla_cli.command("sweep")
@click.option(
    "--now", "now_text", help="Sweep as if it were this instant (ISO 8601; UTC if naive)."
)
def sweep_command(now_text: str | None) -> None:
    """Fire every escalation rung that is due, in order, once each."""
    _print_report(_instant(now_text))


@sla_cli.command("status")
@click.argument("number")
def status_command(number: str) -> None:
    """Show the SLA clocks of ticket NUMBER (or id)."""
    ticket = _ticket(number)
    views = sla_status(db.session, ticket)
    if not views:
        click.echo(f"{ticket.number}: no SLA policy attached")
    for view in views:
        due = view.due_at.isoformat() if view.due_at else "-"
        click.echo(
            f"{ticket.number} {view.metric:<15} {view.state:<8} {view.percent:>6.1f}%  "
            f"due {due}  remaining {view.remaining}  (policy {view.policy})"
        )


@sla_cli.command("travel")
@click.argument("number")
@click.option("--by", "by_text", required=True, help="Business time to add, e.g. PT45M or P1D.")
@click.option("--sweep/--no-sweep", default=True, show_default=True, help="Sweep afterwards.")
def travel_command(number: str, by_text: str, sweep: bool) -> None:
    """Time travel for demos: ticket NUMBER's open clocks use BY more business time.

    The ticket then climbs the ladder at the sweep, as if it had waited that much longer.
    """
    try:
        by = isodate.parse_duration(by_text)
    except (isodate.ISO8601Error, ValueError):
        raise click.BadParameter(f"{by_text!r} is not an ISO 8601 duration") from None
    if isinstance(by, isodate.Duration):
        raise click.BadParameter("use days, hours and minutes, not months or years")
    ticket = _ticket(number)
    rows = advance_clocks(db.session, ticket.id, by)
    db.session.commit()
    click.echo(f"{ticket.number}: {len(rows)} clock(s) advanced by {by}.")
    if sweep:
        _print_report(utcnow())


@sla_cli.command("attach")
def attach_command() -> None:
    """Attach SLA policies to open tickets that have no clocks (tickets created before)."""
    from gongdan.sla.models import SlaClock
    from gongdan.sla.services import attach_sla, sync_clocks

    session = db.session
    query = (
        select(Ticket)
        .where(Ticket.state_category.not_in(("resolved", "closed")))
        .where(~select(SlaClock.id).where(SlaClock.ticket_id == Ticket.id).exists())
        .order_by(Ticket.id)
    )
    attached = 0
    for ticket in session.scalars(query).all():
        if attach_sla(session, ticket, at=ticket.created_at):
            sync_clocks(session, ticket, utcnow())
            attached += 1
        session.commit()
    click.echo(f"SLA clocks attached to {attached} ticket(s).")


def init_app(app: Flask) -> None:
    """Attach the ``sla`` command group to ``app.cli``."""
    app.cli.add_command(sla_cli)
