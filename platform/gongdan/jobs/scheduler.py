"""The periodic sweeps and the loop that runs them in exactly one process.

Sweeps, in order: the SLA escalation sweep (``gongdan.sla.tasks.run_sweep``, when that module
exists), scheduled automations, callback surveys, then the outbox (last, so it enqueues what
the others wrote).
Each reads what is due from the database, so a scheduler that was down simply catches up.

``gongdan scheduler`` holds a lock while it runs so a second copy only waits: a Redis lock
when ``REDIS_URL`` is set, else a PostgreSQL advisory lock, else (SQLite) a file lock in the
instance folder. The in-process runner calls :func:`run_sweeps` from its thread instead.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import os
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask

from gongdan.db import db

log = logging.getLogger(__name__)

LOCK_NAME = "gongdan:scheduler"
#: Key of the PostgreSQL advisory lock (any constant shared by every scheduler).
ADVISORY_LOCK_KEY = 0x67_6F_6E_67_64_61_6E


def _sla_sweep(now: datetime | None) -> Any:
    if importlib.util.find_spec("gongdan.sla.tasks") is None:
        return "absent"
    from gongdan.sla import tasks as sla_tasks

    run_sweep: Callable[..., Any] = sla_tasks.run_sweep
    parameters = inspect.signature(run_sweep).parameters
    arguments: dict[str, Any] = {}
    if "session" in parameters:
        arguments["session"] = db.session
    if "now" in parameters and now is not None:
        arguments["now"] = now
    return run_sweep(**arguments)


def _automation_sweep(now: datetime | None) -> Any:
    from gongdan.automations.tasks import sweep_automations

    return sweep_automations(now)


def _survey_sweep(now: datetime | None) -> Any:
    from gongdan.surveys.tasks import sweep_surveys

    return sweep_surveys(now)


def _reports_sweep(now: datetime | None) -> Any:
    from gongdan.reports.tasks import refresh_report_summary

    return refresh_report_summary(now)


def _outbox_sweep(now: datetime | None) -> Any:
    from gongdan.notifications.tasks import sweep_outbox

    return sweep_outbox(now)


#: The sweeps, in the order they run.
SWEEPS: tuple[tuple[str, Callable[[datetime | None], Any]], ...] = (
    ("sla", _sla_sweep),
    ("reports", _reports_sweep),
    ("automations", _automation_sweep),
    ("surveys", _survey_sweep),
    ("outbox", _outbox_sweep),
)


def sweeps_of(app: Flask) -> list[tuple[str, Callable[[datetime | None], Any]]]:
    """The core sweeps with the plugins' (``gongdan_sweeps`` hook) before the outbox, which
    stays last so it delivers what every other sweep wrote."""
    manager = app.extensions.get("gongdan.plugins")
    added = [
        (name, sweep)
        for result in (manager.hook.gongdan_sweeps() if manager is not None else [])
        for name, sweep in dict(result or {}).items()
    ]
    *core, outbox = SWEEPS
    return [*core, *added, outbox]


def run_sweeps(app: Flask, now: datetime | None = None) -> dict[str, Any]:
    """Run every sweep once, each in its own app context; a failing one does not stop the rest."""
    results: dict[str, Any] = {}
    for name, sweep in sweeps_of(app):
        try:
            with app.app_context():
                results[name] = sweep(now)
        except Exception as error:  # logged; the next tick retries from the database
            log.exception("%s sweep failed", name)
            results[name] = f"error: {type(error).__name__}: {error}"
    return results


class SchedulerLock(Protocol):
    """Held by the one scheduler that runs the sweeps."""

    def acquire(self) -> bool:
        """Take the lock if free, or keep it if held; whether we hold it now."""
        ...

    def release(self) -> None:
        """Give the lock up."""
        ...


class RedisLock:
    """A Redis key with a time-to-live, renewed every tick (lost if the holder dies)."""

    def __init__(self, url: str, ttl: float) -> None:
        from gongdan.jobs.rq_runner import redis_connection

        self.connection = redis_connection(url)
        self.ttl_ms = int(ttl * 1000)
        self.token = uuid.uuid4().hex
        self.held = False

    _RENEW = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
    )
    _RELEASE = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('del', KEYS[1]) else return 0 end"
    )

    def acquire(self) -> bool:
        if self.held and self.connection.eval(self._RENEW, 1, LOCK_NAME, self.token, self.ttl_ms):
            return True
        self.held = bool(self.connection.set(LOCK_NAME, self.token, nx=True, px=self.ttl_ms))
        return self.held

    def release(self) -> None:
        if self.held:
            self.connection.eval(self._RELEASE, 1, LOCK_NAME, self.token)
            self.held = False


class AdvisoryLock:
    """A PostgreSQL session advisory lock on a dedicated connection."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.connection: sa.Connection | None = None

    def acquire(self) -> bool:
        if self.connection is not None:
            try:
                self.connection.execute(sa.text("SELECT 1"))
                return True
            except sa.exc.DBAPIError:  # connection lost: so is the lock
                self.connection = None
        connection = self.engine.connect()
        held = connection.execute(
            sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        ).scalar()
        connection.commit()
        if held:
            self.connection = connection
            return True
        connection.close()
        return False

    def release(self) -> None:
        if self.connection is not None:
            self.connection.execute(
                sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
            self.connection.close()
            self.connection = None


class FileLock:
    """An exclusive ``flock`` on a file in the instance folder (one machine, e.g. SQLite)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: Any = None

    def acquire(self) -> bool:
        import fcntl

        if self.handle is not None:
            return True
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def scheduler_lock(app: Flask, interval: float) -> SchedulerLock:
    """The lock that fits ``app``'s setup (see the module docstring)."""
    if app.config.get("REDIS_URL"):
        return RedisLock(str(app.config["REDIS_URL"]), ttl=max(30.0, interval * 3))
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    return FileLock(Path(app.instance_path) / "scheduler.lock")


def run_scheduler(
    app: Flask,
    interval: float = 30.0,
    *,
    once: bool = False,
    stop: threading.Event | None = None,
    lock: SchedulerLock | None = None,
) -> int:
    """Run the sweeps every ``interval`` seconds while holding the lock; ticks run.

    ``once`` runs one tick (when the lock is free) and returns.
    """
    stop = stop or threading.Event()
    lock = lock or scheduler_lock(app, interval)
    ticks = 0
    waiting_logged = False
    try:
        while not stop.is_set():
            try:
                held = lock.acquire()
            except Exception:  # Redis or the database is down: try again next tick
                log.exception("could not take the scheduler lock")
                held = False
            if held:
                waiting_logged = False
                results = run_sweeps(app)
                ticks += 1
                log.info("sweeps (pid %s): %s", os.getpid(), results)
            elif not waiting_logged:
                log.info("another scheduler holds the lock; waiting")
                waiting_logged = True
            if once:
                break
            stop.wait(interval)
    finally:
        try:
            lock.release()
        except Exception:  # the lock expires by itself
            log.exception("could not release the scheduler lock")
    return ticks
