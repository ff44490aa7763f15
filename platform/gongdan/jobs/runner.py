"""The one job interface, the choice of runner, and "enqueue after commit".

``REDIS_URL`` unset: :class:`~gongdan.jobs.inprocess.InProcessRunner` (a daemon thread per
process, which also runs the periodic sweeps). ``REDIS_URL`` set:
:class:`~gongdan.jobs.rq_runner.RqRunner` (``gongdan worker`` runs the jobs, ``gongdan
scheduler`` the sweeps).

The database is the truth and a job only makes work happen sooner: callers write their rows,
then :func:`enqueue_after_commit` wakes the runner once the transaction committed (never before,
so a job cannot look for a row that is not visible yet, and never after a rollback). A runner
that cannot enqueue logs and carries on; the sweeps pick the work up from the database.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from gongdan.jobs.registry import job_function

log = logging.getLogger(__name__)

_EXTENSION = "gongdan.jobs"
_AFTER_COMMIT = "gongdan.jobs.after_commit"
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


def safe_job_id(job_id: str | None) -> str | None:
    """``job_id`` with every character RQ refuses (anything but letters, digits, _ and -)
    replaced by ``-``."""
    return None if job_id is None else _UNSAFE_ID.sub("-", job_id)[:200]


def check_due_time(at: datetime | None) -> None:
    """Refuse a naive ``at``: Gongdan works in aware UTC times, and a naive one is ambiguous.

    :raises ValueError: ``at`` has no time zone.
    """
    if at is not None and at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r} given as a job's due time; use an aware one")


class JobRunner(ABC):
    """Runs named jobs (:mod:`gongdan.jobs.registry`) soon or at a given time."""

    #: ``"inprocess"`` or ``"rq"``.
    kind: str = ""

    def __init__(self, app: Flask) -> None:
        self.app = app

    @abstractmethod
    def enqueue(
        self, name: str, *args: Any, job_id: str | None = None, at: datetime | None = None
    ) -> None:
        """Run job ``name`` with ``args`` as soon as possible, or not before ``at``.

        A ``job_id`` makes the job unique while it waits: enqueueing the same id again is a
        no-op. Never raises because the queue is unreachable (it logs instead).
        """

    def start(self) -> None:
        """Start this process's background work, if the runner has any (idempotent)."""
        return None

    def stop(self) -> None:
        """Stop what :meth:`start` started."""
        return None


def run_job(app: Flask, name: str, args: tuple[Any, ...]) -> Any:
    """Run job ``name`` in a fresh application context (so it reads the database afresh)."""
    function = job_function(name)
    with app.app_context():
        return function(*args)


def init_app(app: Flask) -> JobRunner:
    """Pick the runner for ``app`` from ``REDIS_URL`` and keep it in ``app.extensions``.

    The in-process runner starts its thread at the first request the app serves (so ``gongdan
    serve`` and gunicorn run jobs and sweeps; CLI commands and tests do not, unless
    ``JOBS_AUTOSTART`` says so).
    """
    url = app.config.get("REDIS_URL")
    runner: JobRunner
    if url:
        from gongdan.jobs.rq_runner import RqRunner

        runner = RqRunner(app, str(url))
    else:
        from gongdan.jobs.inprocess import InProcessRunner

        runner = InProcessRunner(app)
        if app.config.get("JOBS_AUTOSTART", not app.testing):
            app.before_request(runner.start)
    app.extensions[_EXTENSION] = runner
    return runner


def job_runner(app: Flask | None = None) -> JobRunner:
    """The runner of ``app`` (default: the current app)."""
    target = app if app is not None else current_app._get_current_object()  # type: ignore[attr-defined]
    runner = target.extensions.get(_EXTENSION)
    if runner is None:
        runner = init_app(target)
    return runner  # type: ignore[no-any-return]


def enqueue(name: str, *args: Any, job_id: str | None = None, at: datetime | None = None) -> None:
    """:meth:`JobRunner.enqueue` on the current app's runner."""
    job_runner().enqueue(name, *args, job_id=job_id, at=at)


def enqueue_after_commit(
    session: Session, name: str, *args: Any, job_id: str | None = None, at: datetime | None = None
) -> None:
    """Enqueue job ``name`` once ``session``'s transaction commits; forget it on a rollback.

    Outside an application context nothing is queued: the sweeps will find the work.
    """
    if not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    session.info.setdefault(_AFTER_COMMIT, []).append((app, name, args, job_id, at))


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    pending = session.info.pop(_AFTER_COMMIT, None) or []
    for app, name, args, job_id, at in pending:
        try:
            job_runner(app).enqueue(name, *args, job_id=job_id, at=at)
        except Exception:  # the rows are committed; the sweep delivers them later
            log.exception("could not enqueue job %s%r after commit", name, args)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
