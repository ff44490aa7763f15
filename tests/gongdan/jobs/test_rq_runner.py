"""The RQ runner against real Redis: delivery, Redis going away, a worker killed mid-job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry
from tests.gongdan.jobs.servers import RedisServer, app_config
from tests.gongdan.notifications.factories import install_world, new_repair, outbox_rows

from gongdan.db import db
from gongdan.jobs import job_runner
from gongdan.jobs.rq_runner import RqRunner
from gongdan.notifications.channels import DeliveryResult, OutgoingMessage, register_channel
from gongdan.notifications.models import NotificationOutbox
from gongdan.notifications.tasks import sweep_outbox

pytestmark = pytest.mark.redis


def _work(app: Flask) -> None:
    runner = job_runner(app)
    assert isinstance(runner, RqRunner)
    worker = SimpleWorker([runner.queue()], connection=runner.connection)
    worker.work(burst=True, with_scheduler=True)


def _files(app: Flask) -> list[Path]:
    return sorted((Path(app.instance_path) / "outbox").glob("*.txt"))


def _statuses(app: Flask) -> dict[int, tuple[str, int]]:
    with app.app_context():
        return {r.id: (r.status, r.attempts) for r in outbox_rows(db.session)}


def test_committed_notifications_are_delivered_by_an_rq_worker(rq_app: Flask) -> None:
    with rq_app.app_context():
        people = install_world(db.session)
        new_repair(db.session, people)
    rows = len(_statuses(rq_app))
    assert rows >= 3  # the customer's notice on three channels (and whatever routing adds)
    assert len(job_runner(rq_app).queue()) == rows

    _work(rq_app)

    assert set(_statuses(rq_app).values()) == {("sent", 1)}
    assert len(_files(rq_app)) == rows


def test_a_failed_delivery_is_scheduled_again_in_redis(rq_app: Flask) -> None:
    class Down:
        def send(self, message: OutgoingMessage) -> DeliveryResult:
            return DeliveryResult(ok=False, error="gateway timeout")

    register_channel(rq_app, "sms", Down())
    with rq_app.app_context():
        new_repair(db.session, install_world(db.session))
    _work(rq_app)
    runner = job_runner(rq_app)
    assert isinstance(runner, RqRunner)
    scheduled = ScheduledJobRegistry(queue=runner.queue()).get_job_ids()
    failed = [i for i, (status, _) in _statuses(rq_app).items() if status == "failed"]
    assert len(failed) == 1
    assert scheduled == [f"{runner.queue_name}-deliver-{failed[0]}-1"]


def test_tickets_created_while_redis_is_down_notify_once_it_is_back(
    make_app, redis_server: RedisServer
) -> None:
    app = make_app(REDIS_URL=redis_server.url, RQ_QUEUE="outage", JOBS_REDIS_RETRY_SECONDS=0)
    with app.app_context():
        people = install_world(db.session)
        new_repair(db.session, people)  # Redis up: its jobs are queued
        redis_server.stop()
        for _ in range(2):  # Redis down: creation still succeeds
            new_repair(db.session, people)
        rows = db.session.query(NotificationOutbox).count()
        assert rows >= 9  # three tickets, three channels each
    assert _files(app) == []

    redis_server.start()  # an empty Redis: the queued jobs of the first ticket are lost too
    with app.app_context():
        assert sweep_outbox().enqueued == rows
    _work(app)
    with app.app_context():  # a second sweep and worker find nothing left to do
        assert sweep_outbox().enqueued == 0
    _work(app)

    assert set(_statuses(app).values()) == {("sent", 1)}
    files = _files(app)
    assert len(files) == rows
    assert len({f.name.split("-")[1] for f in files}) == rows  # one file per outbox row


WORKER_SCRIPT = """
import json, sys, time
from pathlib import Path
from rq import SimpleWorker
from gongdan.app import create_app
from gongdan.jobs import job_runner
from gongdan.notifications.channels import DeliveryResult, register_channel

config = json.loads(sys.argv[1])
started = Path(sys.argv[2])
app = create_app(config)

class Stuck:
    def send(self, message):
        started.write_text(str(message.outbox_id))
        while True:  # the provider never answers: the test kills us here
            time.sleep(0.05)

register_channel(app, "sms", Stuck())
runner = job_runner(app)
with app.app_context():
    SimpleWorker([runner.queue()], connection=runner.connection).work(burst=True)
"""


def test_a_worker_killed_mid_delivery_is_retried_without_a_duplicate(
    rq_app: Flask, tmp_path: Path
) -> None:
    rq_app.config["NOTIFICATION_LEASE_SECONDS"] = 1
    with rq_app.app_context():
        new_repair(db.session, install_world(db.session))
    started = tmp_path / "started"
    script = tmp_path / "worker.py"
    script.write_text(WORKER_SCRIPT)
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, str(script), json.dumps(app_config(rq_app)), str(started)],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": os.getcwd()},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert worker.poll() is None, "the worker exited before it reached the channel"
            assert time.monotonic() < deadline, "the worker never reached the channel"
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait(10)
    stuck = int(started.read_text())
    assert _statuses(rq_app)[stuck] == ("sending", 1)

    time.sleep(1.2)  # the lease expires
    with rq_app.app_context():
        assert sweep_outbox().expired_leases == 1
    _work(rq_app)

    statuses = _statuses(rq_app)
    assert statuses[stuck] == ("sent", 2)
    assert {status for status, _ in statuses.values()} == {"sent"}
    files = _files(rq_app)
    assert len(files) == len(statuses)
    assert len([f for f in files if f"-{stuck:06d}-" in f.name]) == 1


def test_the_worker_command_runs_jobs_in_forked_children(rq_app: Flask) -> None:
    with rq_app.app_context():
        new_repair(db.session, install_world(db.session))
    result = rq_app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert set(_statuses(rq_app).values()) == {("sent", 1)}
    assert len(_files(rq_app)) == len(_statuses(rq_app))
