"""The in-process runner: named jobs, unique ids, delayed jobs, and its thread."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from flask import Flask, current_app

from gongdan.db import utcnow
from gongdan.jobs import job_runner, register_job
from gongdan.jobs.inprocess import InProcessRunner
from gongdan.jobs.registry import UnknownJob
from gongdan.jobs.runner import safe_job_id

calls: list[tuple[str, int]] = []
done = threading.Event()


def _record(ticket_id: int) -> None:
    calls.append((current_app.name, ticket_id))
    done.set()


register_job("test.record", _record)


@pytest.fixture(autouse=True)
def _reset() -> None:
    calls.clear()
    done.clear()


def test_without_redis_the_app_runs_jobs_in_process(app: Flask) -> None:
    runner = job_runner(app)
    assert isinstance(runner, InProcessRunner)
    runner.enqueue("test.record", 7)
    runner.enqueue("test.record", 8)
    assert calls == []  # tests do not start the thread: jobs wait until asked
    assert runner.run_pending() == 2
    assert calls == [("gongdan", 7), ("gongdan", 8)]


def test_a_job_id_waits_only_once(app: Flask) -> None:
    runner = job_runner(app)
    runner.enqueue("test.record", 1, job_id="escalate-1-2")
    runner.enqueue("test.record", 1, job_id="escalate-1-2")
    assert runner.run_pending() == 1
    runner.enqueue("test.record", 1, job_id="escalate-1-2")  # done: may run again
    assert runner.run_pending() == 1


def test_a_delayed_job_runs_when_due(app: Flask) -> None:
    runner = job_runner(app)
    later = utcnow() + timedelta(minutes=5)
    runner.enqueue("test.record", 3, at=later)
    assert runner.run_pending() == 0
    assert runner.run_pending(later) == 1
    assert calls == [("gongdan", 3)]


def test_an_unknown_job_fails_at_the_caller(app: Flask) -> None:
    with pytest.raises(UnknownJob, match="no job named 'gongdan.nope'"):
        job_runner(app).enqueue("gongdan.nope")


def _explode() -> None:
    raise RuntimeError("boom")


register_job("test.explode", _explode)


def test_a_failing_job_does_not_stop_the_others(app: Flask) -> None:
    runner = job_runner(app)
    runner.enqueue("test.explode")
    runner.enqueue("test.record", 5)
    assert runner.run_pending() == 2
    assert calls == [("gongdan", 5)]


def test_the_thread_runs_jobs_and_sweeps(make_app) -> None:
    app = make_app(JOBS_AUTOSTART=True, JOBS_SWEEP_SECONDS=3600)
    runner = job_runner(app)
    assert isinstance(runner, InProcessRunner)
    app.test_client().get("/healthz")  # the first request starts the thread
    try:
        runner.enqueue("test.record", 11)
        assert done.wait(10)
        assert calls == [("gongdan", 11)]
    finally:
        runner.stop()


def test_job_ids_keep_to_what_rq_accepts() -> None:
    assert safe_job_id("sla:12/level 2") == "sla-12-level-2"
    assert safe_job_id(None) is None


def test_a_naive_due_time_is_refused(app: Flask) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        job_runner(app).enqueue("test.record", 1, at=datetime(2026, 11, 24, 9))
