"""``gongdan worker`` (RQ workers with the scheduler) and ``gongdan scheduler`` (the sweeps)."""

from __future__ import annotations

import logging
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from gongdan.db import db


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _dispose_engines_in_child(app: Flask) -> None:
    """A forked job must not reuse the parent's database connections (they are shared sockets)."""
    with app.app_context():
        engines = list(db.engines.values())

    def dispose() -> None:
        for engine in engines:
            engine.dispose(close=False)

    os.register_at_fork(after_in_child=dispose)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--queue", "queue_name", default=None, help="Queue name (default RQ_QUEUE).")
@click.option(
    "--fork/--no-fork", default=True, show_default=True, help="Run each job in a forked child."
)
@with_appcontext
def worker_command(burst: bool, queue_name: str | None, fork: bool) -> None:
    """Run an RQ worker (with RQ's scheduler for delayed jobs); needs REDIS_URL.

    Start several to run jobs in parallel; run ``gongdan scheduler`` once for the sweeps.
    """
    from rq import Queue, SimpleWorker, Worker

    from gongdan.jobs.rq_runner import RqRunner, use_app
    from gongdan.jobs.runner import job_runner

    _logging()
    app = _app()
    runner = job_runner(app)
    if not isinstance(runner, RqRunner):
        click.secho(
            "Error: REDIS_URL is not set. Without Redis, background work runs in a thread of "
            "`gongdan serve`; set REDIS_URL to run workers.",
            fg="red",
            err=True,
        )
        sys.exit(1)
    use_app(app)
    _dispose_engines_in_child(app)
    worker_class = Worker if fork else SimpleWorker
    queue = runner.queue()
    if queue_name is not None:
        queue = Queue(queue_name, connection=runner.connection)
    worker = worker_class([queue], connection=runner.connection)
    worker.work(burst=burst, with_scheduler=True)


@click.command("scheduler")
@click.option(
    "--interval", type=float, default=30.0, show_default=True, help="Seconds between sweeps."
)
@click.option("--once", is_flag=True, help="Run the sweeps once (if no other scheduler runs).")
@with_appcontext
def scheduler_command(interval: float, once: bool) -> None:
    """Run the periodic sweeps (SLA, automations, outbox retry); one scheduler at a time."""
    from gongdan.jobs.scheduler import run_scheduler

    _logging()
    ticks = run_scheduler(_app(), interval, once=once)
    if once:
        click.echo(f"Sweeps run: {ticks}.")


outbox_cli = AppGroup("outbox", help="The notification outbox: what waits, failed or died.")


@outbox_cli.command("list")
@click.option(
    "--status",
    type=click.Choice(["pending", "sending", "sent", "failed", "dead"]),
    default="dead",
    show_default=True,
)
@click.option("--limit", type=int, default=50, show_default=True)
def outbox_list_command(status: str, limit: int) -> None:
    """List outbox rows with STATUS, newest first, with their last error."""
    import sqlalchemy as sa

    from gongdan.notifications.models import NotificationOutbox as Outbox

    rows = db.session.scalars(
        sa.select(Outbox).where(Outbox.status == status).order_by(Outbox.id.desc()).limit(limit)
    ).all()
    if not rows:
        click.echo(f"No {status} notifications.")
    for row in rows:
        click.echo(
            f"{row.id:>7}  {row.created_at:%Y-%m-%d %H:%M}  {row.template_key}/{row.channel}  "
            f"{row.recipient_address}  attempts={row.attempts}  {row.last_error or ''}".rstrip()
        )


@outbox_cli.command("retry")
@click.argument("outbox_ids", type=int, nargs=-1, required=True)
def outbox_retry_command(outbox_ids: tuple[int, ...]) -> None:
    """Deliver dead or failed notifications again, with a fresh set of attempts."""
    from gongdan.notifications.tasks import retry_dead

    for outbox_id in outbox_ids:
        if retry_dead(outbox_id):
            click.echo(f"Notification {outbox_id} queued again.")
        else:
            click.echo(f"Notification {outbox_id} is not dead or failed; left alone.", err=True)


def init_app(app: Flask) -> None:
    """Attach ``worker``, ``scheduler`` and ``outbox`` to ``app.cli``."""
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(outbox_cli)
