"""The ``gongdan`` command: set up, serve and administer a Gongdan installation.

``main`` is a Flask CLI group bound to :func:`gongdan.create_app`; the commands themselves live
on ``app.cli`` (attached by :func:`init_app`), so ``gongdan ...``, ``flask --app gongdan ...``
and ``app.test_cli_runner()`` all see the same set, including plugins' commands.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy.exc import DBAPIError

import gongdan
from gongdan.app import create_app
from gongdan.db import db
from gongdan.errors import DefinitionError, GongdanError

#: Author recorded on revisions installed from the command line.
CLI_AUTHOR = "gongdan init"


def default_pack_path() -> Path:
    """The pack ``init`` installs: ``GONGDAN_DEFAULT_PACK`` or ``definitions/after_sales``."""
    configured = os.environ.get("GONGDAN_DEFAULT_PACK")
    if configured:
        return Path(configured).resolve()
    return Path(gongdan.__file__).resolve().parents[2] / "definitions" / "after_sales"


def _fail(message: str, details: Iterable[str] = ()) -> None:
    """Print ``message`` (and details) to stderr and exit 1 — never a traceback."""
    click.secho(f"Error: {message}", fg="red", err=True)
    for line in details:
        click.echo(f"  {line}", err=True)
    sys.exit(1)


def _fail_definitions(error: DefinitionError) -> None:
    _fail(error.message, [problem.format() for problem in error.problems])


def friendly_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Turn Gongdan and database errors into a one-paragraph message and exit status 1."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except DefinitionError as error:
            _fail_definitions(error)
        except GongdanError as error:
            _fail(error.message)
        except DBAPIError as error:
            _fail(
                f"the database refused the command: {error.orig}",
                ["Is the database reachable, and was `gongdan init` run?"],
            )

    return run


def migrate_database(app: Flask) -> str | None:
    """Bring the app's database to the latest schema; returns the revision reached."""
    from gongdan.migrations import current_revision, upgrade_database

    with app.app_context():
        upgrade_database(db.engine, plugins=app.extensions["gongdan.plugins"])
        return current_revision(db.engine)


def plugin_pack_paths(app: Flask) -> list[Path]:
    """Packs the loaded plugins ship (``gongdan_definition_packs`` hook)."""
    manager = app.extensions["gongdan.plugins"]
    return [Path(path) for paths in manager.hook.gongdan_definition_packs() for path in paths or ()]


def install_packs(app: Flask, paths: Sequence[Path]) -> list[tuple[str, Any]]:
    """Install each pack in ``paths`` in order; an unchanged pack writes nothing.

    Returns each pack's key (from its ``pack.yaml``) with what was installed.

    :raises DefinitionError: a pack has errors (with every problem found).
    """
    from gongdan.definitions.extensions import extensions_from_plugins
    from gongdan.definitions.packs import load_pack
    from gongdan.definitions.registry import install_pack

    extensions = extensions_from_plugins(app.extensions["gongdan.plugins"])
    reports = []
    with app.app_context():
        for path in paths:
            pack = load_pack(path)
            report = install_pack(db.session, pack, author=CLI_AUTHOR, extensions=extensions)
            reports.append((pack.key, report))
    return reports


def print_logins(logins: Iterable[tuple[str, str, str]]) -> None:
    """Print demo logins as an aligned table."""
    rows = [("username", "password", "role"), *logins]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for index, row in enumerate(rows):
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo(("  " + "  ".join(cells)).rstrip())
        if index == 0:
            click.echo("  " + "  ".join("-" * width for width in widths))


@click.command("init")
@click.option("--demo", is_flag=True, help="Also load demo users, customers and tickets.")
@with_appcontext
@friendly_errors
def init_command(demo: bool) -> None:
    """Create or upgrade the database and install the default definition pack.

    Safe to run again: nothing is duplicated.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    revision = migrate_database(app)
    click.echo(f"Database {_describe_database(app)} is at schema revision {revision}.")
    for key, report in install_packs(app, [default_pack_path(), *plugin_pack_paths(app)]):
        click.echo(
            f"Pack {key}: {len(report.created)} definitions installed, "
            f"{len(report.unchanged)} unchanged."
        )
    if demo:
        _load_demo(app)


def _describe_database(app: Flask) -> str:
    with app.app_context():
        return db.engine.url.render_as_string(hide_password=True)


def _load_demo(app: Flask) -> None:
    from gongdan.demo import DEMO_LOGINS, load_demo

    with app.app_context():
        summary = load_demo(db.session)
    click.echo(f"Demo data: {summary.created} rows created, {summary.existing} already there.")
    with app.app_context():  # the plugins' demo data, on top of the core's
        for line in app.extensions["gongdan.plugins"].hook.gongdan_demo(session=db.session):
            if line:
                click.echo(line)
    from gongdan.surveys.demo import demo_survey_links

    with app.app_context():
        for number, link in demo_survey_links(db.session):
            click.echo(f"Survey link for closed ticket {number}: {link}")
    click.echo("Demo logins:")
    print_logins(DEMO_LOGINS)


@click.command("demo")
@with_appcontext
@friendly_errors
def demo_command() -> None:
    """Load the demo users, customers and tickets (idempotent; run ``init`` first)."""
    _load_demo(current_app._get_current_object())  # type: ignore[attr-defined]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", "5000")),
    show_default="PORT or 5000",
    help="Port to listen on.",
)
@click.option("--threads/--no-threads", default=True, help="Serve requests in threads.")
@with_appcontext
def serve_command(host: str, port: int, threads: bool) -> None:
    """Serve the web application (embedded server; use gunicorn for production)."""
    from werkzeug.serving import run_simple

    from gongdan.jobs.runner import job_runner

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Start background work now (SLA sweeps, outbox, automations), not at the first request.
    job_runner(app).start()
    click.echo(f"Gongdan is listening on http://{host}:{port}/ (Ctrl+C to stop)")
    run_simple(host, port, app, threaded=threads, use_reloader=False, use_debugger=False)


db_cli = AppGroup("db", help="Database schema commands.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@friendly_errors
def db_upgrade_command(revision: str) -> None:
    """Migrate the database to REVISION (default: the latest)."""
    from gongdan.migrations import current_revision, upgrade_database

    upgrade_database(db.engine, revision, plugins=current_app.extensions["gongdan.plugins"])
    click.echo(f"Database is at schema revision {current_revision(db.engine)}.")


user_cli = AppGroup("user", help="User accounts.")


@user_cli.command("create")
@click.argument("username")
@click.option(
    "--role", required=True, help="admin, manager, dispatcher, agent, engineer or customer."
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default=None, help="Display name (default: username).")
@click.option("--email", default=None)
@friendly_errors
def user_create_command(
    username: str, role: str, password: str, display_name: str | None, email: str | None
) -> None:
    """Create a user who can log in."""
    from gongdan.accounts.services import create_user

    try:
        user = create_user(
            db.session, username, role, password, display_name=display_name, email=email
        )
        db.session.commit()
    except GongdanError as error:
        db.session.rollback()
        _fail(error.message)
    click.echo(f"Created user {user.username!r} with role {user.role!r}.")


def _pack_cli() -> click.Command | None:
    """The ``pack`` command group of :mod:`gongdan.definitions.cli`, once that module exists."""
    if importlib.util.find_spec("gongdan.definitions.cli") is None:
        return None
    from gongdan.definitions.cli import pack_cli

    return pack_cli


def init_app(app: Flask) -> None:
    """Attach the commands to ``app.cli``."""
    from gongdan.accounts.cli import token_cli

    for command in (init_command, demo_command, serve_command, db_cli, user_cli, token_cli):
        app.cli.add_command(command)
    pack_cli = _pack_cli()
    if pack_cli is not None:
        app.cli.add_command(pack_cli)
    from gongdan.channels import cli as channels_cli

    channels_cli.init_app(app)
    from gongdan.jobs import cli as jobs_cli

    jobs_cli.init_app(app)
    from gongdan.sla import cli as sla_cli

    sla_cli.init_app(app)


main = FlaskGroup(
    name="gongdan",
    create_app=create_app,
    add_version_option=True,
    load_dotenv=False,
    help="Gongdan (工单): the after-sales service work-order platform.",
)
