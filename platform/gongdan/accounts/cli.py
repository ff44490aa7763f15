"""``gongdan token ...``: API tokens from the command line."""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from gongdan.accounts.models import ApiToken, User
from gongdan.accounts.tokens import create_token, find_token, list_tokens, revoke_token
from gongdan.db import db, utcnow
from gongdan.errors import GongdanError, NotFound

token_cli = AppGroup("token", help="API tokens for the REST API (Authorization: Bearer ...).")


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


@token_cli.command("create")
@click.argument("username")
@click.option("--name", default="", help="What the token is for (shown in lists).")
@click.option(
    "--expires-days",
    type=click.IntRange(min=1),
    default=None,
    help="Days until the token stops working (default: never).",
)
def token_create_command(username: str, name: str, expires_days: int | None) -> None:
    """Create a token acting as USERNAME and print it (only this once)."""
    try:
        issued = create_token(
            db.session,
            _user(username),
            name=name,
            expires_in=timedelta(days=expires_days) if expires_days else None,
        )
        db.session.commit()
    except GongdanError as error:
        _fail(error.message)
        return
    token = issued.token
    expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "no expiry"
    click.echo(f"Created API token {token.prefix} for {username!r} ({expiry}).", err=True)
    click.echo("Copy it now; it is not stored and cannot be shown again:", err=True)
    click.echo(issued.secret)


@token_cli.command("revoke")
@click.argument("reference")
def token_revoke_command(reference: str) -> None:
    """Revoke the token with prefix (or id) REFERENCE."""
    try:
        token = find_token(db.session, reference)
        changed = revoke_token(db.session, token)
        db.session.commit()
    except GongdanError as error:
        _fail(error.message)
        return
    state = "Revoked" if changed else "Already revoked:"
    click.echo(f"{state} API token {token.prefix} of {token.user.username!r}.")


@token_cli.command("list")
@click.argument("username", required=False)
def token_list_command(username: str | None) -> None:
    """List tokens (of USERNAME if given); secrets are never shown."""
    try:
        tokens = list_tokens(db.session, _user(username) if username else None)
    except GongdanError as error:
        _fail(error.message)
        return
    if not tokens:
        click.echo("No API tokens.")
        return
    now = utcnow()
    click.echo(f"{'id':>5}  {'prefix':8}  {'user':16}  {'state':8}  {'last used':16}  name")
    for token in tokens:
        last = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "-"
        click.echo(
            f"{token.id:>5}  {token.prefix:8}  {token.user.username:16}  "
            f"{_state(token, now):8}  {last:16}  {token.name}"
        )


def _state(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "active" if token.usable_at(now) else "expired"
