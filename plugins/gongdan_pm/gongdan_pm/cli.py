"""``gongdan pm generate --until DATE``: catch up PM visits with a progress bar."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import click
from flask.cli import with_appcontext

from gongdan.customers.models import service_today


@click.group("pm")
def pm_command() -> None:
    """Preventive maintenance (预防性维护): schedules and visits."""


@pm_command.command("generate")
@click.option(
    "--until",
    "until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Generate the visits due by this day, plus their lead time (YYYY-MM-DD; default:"
    " today). Missed and overdue visits are judged on today.",
)
@with_appcontext
def generate_command(until: object) -> None:
    """Create the PM visit tickets due by DATE (plus their lead time), catching up.

    After downtime, the visits the downtime skipped are recorded as missed and the latest one
    is ticketed; with a DATE ahead, the coming visits are ticketed in advance.
    """
    from gongdan.db import db
    from gongdan_pm.generation import generate

    as_of: date = until.date() if until is not None else service_today()  # type: ignore[attr-defined]
    # A DATE in the past replays that day (as a sweep then would have); one ahead generates the
    # coming visits early, judging missed and overdue on the real today.
    today = min(service_today(), as_of)

    def progress(work: Iterable[Any]) -> Any:
        return click.progressbar(work, label=f"PM visits due by {as_of}")

    result = generate(db.session, as_of, today=today, progress=progress)
    click.echo(result.summary())
    for number in result.tickets:
        click.echo(f"  {number}")
    for error in result.errors:
        click.echo(f"  error: {error}", err=True)
