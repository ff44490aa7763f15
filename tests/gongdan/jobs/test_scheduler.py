"""The periodic sweeps and the lock that keeps them to one scheduler."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from tests.gongdan.notifications.factories import install_world, new_repair, outbox_rows
from tests.services import missing_service, redis_problem, redis_url

from gongdan.db import db
from gongdan.jobs import job_runner
from gongdan.jobs.scheduler import (
    LOCK_NAME,
    FileLock,
    RedisLock,
    run_scheduler,
    run_sweeps,
    scheduler_lock,
)


def test_the_sweeps_deliver_what_is_waiting(app: Flask) -> None:
    with app.app_context():
        new_repair(db.session, install_world(db.session))
    job_runner(app).run_pending()  # what the after-commit wake-up queued ...
    with app.app_context():
        for row in outbox_rows(db.session):
            row.status = "pending"  # ... pretend it never happened
        db.session.commit()
        rows = len(outbox_rows(db.session))

    results = run_sweeps(app)
    with app.app_context():
        # The weekly report automation, seen for the first time, mails only when its slot has
        # just passed (Monday 08:00-09:00, tests/gongdan/reports/test_scheduled.py): whatever
        # it wrote is delivered with the rest.
        reports = len(outbox_rows(db.session, template_key="report_dashboard"))
    assert results["outbox"].enqueued == rows + reports > 0
    assert set(results) == {"sla", "reports", "automations", "surveys", "outbox"}
    job_runner(app).run_pending()
    with app.app_context():
        assert {r.status for r in outbox_rows(db.session)} == {"sent"}


def test_a_failing_sweep_does_not_stop_the_others(app: Flask, monkeypatch) -> None:
    from gongdan.jobs import scheduler

    def broken(now: object) -> None:
        raise RuntimeError("calendar missing")

    monkeypatch.setattr(scheduler, "SWEEPS", (("sla", broken), *scheduler.SWEEPS[1:]))
    results = run_sweeps(app)
    assert results["sla"] == "error: RuntimeError: calendar missing"
    assert results["outbox"].enqueued == 0


def test_only_one_scheduler_holds_the_file_lock(tmp_path: Path) -> None:
    first, second = FileLock(tmp_path / "lock"), FileLock(tmp_path / "lock")
    assert first.acquire() and first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_the_database_decides_which_lock(app: Flask, db_backend: str) -> None:
    lock = scheduler_lock(app, 30)
    assert type(lock).__name__ == {"sqlite": "FileLock", "postgresql": "AdvisoryLock"}[db_backend]
    other = scheduler_lock(app, 30)
    assert lock.acquire()
    assert not other.acquire()
    lock.release()
    assert other.acquire()
    other.release()


@pytest.mark.redis
def test_only_one_scheduler_holds_the_redis_lock() -> None:
    problem = redis_problem()
    if problem:
        missing_service(problem)
    url = redis_url()
    first, second = RedisLock(url, ttl=30), RedisLock(url, ttl=30)
    Redis.from_url(url).delete(LOCK_NAME)
    try:
        assert first.acquire() and first.acquire()  # renewing keeps it
        assert not second.acquire()
        first.release()
        assert second.acquire()
    finally:
        second.release()
        first.release()


def test_a_scheduler_without_the_lock_only_waits(app: Flask, tmp_path: Path) -> None:
    holder = FileLock(tmp_path / "lock")
    assert holder.acquire()
    assert run_scheduler(app, 0.01, once=True, lock=FileLock(tmp_path / "lock")) == 0
    holder.release()
    stop = threading.Event()
    stop.set()
    assert run_scheduler(app, 0.01, stop=stop, lock=FileLock(tmp_path / "lock")) == 0
    assert run_scheduler(app, 0.01, once=True, lock=FileLock(tmp_path / "lock")) == 1


def test_the_scheduler_command_runs_the_sweeps_once(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "Sweeps run: 1." in result.output


def test_the_worker_command_needs_redis(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "REDIS_URL is not set" in result.output
