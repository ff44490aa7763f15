"""``gongdan mail fetch``: turn unseen IMAP messages into tickets and replies."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from gongdan.channels.imap import fetch_mail
from gongdan.db import db
from gongdan.errors import GongdanError

mail_cli = AppGroup("mail", help="Inbound e-mail.")

_SETTINGS = ("IMAP_HOST", "IMAP_PORT", "IMAP_USER", "IMAP_PASSWORD", "IMAP_FOLDER", "IMAP_SSL")


@mail_cli.command("fetch")
def fetch_command() -> None:
    """Fetch unseen messages from IMAP_HOST and feed them to the e-mail channel."""
    settings = {
        name: current_app.config.get(name, os.environ.get(name))
        for name in _SETTINGS
        if current_app.config.get(name, os.environ.get(name)) is not None
    }
    try:
        report = fetch_mail(db.session, settings)
    except (GongdanError, OSError) as error:
        click.secho(f"Error: {getattr(error, 'message', error)}", fg="red", err=True)
        raise SystemExit(1) from None
    for uid, outcome in report.outcomes:
        click.echo(f"{uid}: {outcome}")
    click.echo(f"{len(report.outcomes)} message(s) processed")


def init_app(app: Flask) -> None:
    """Attach ``gongdan mail`` to ``app.cli``."""
    app.cli.add_command(mail_cli)
