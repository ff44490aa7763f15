"""The job queues page: RQ counts, failed jobs and requeue on real Redis; the in-process runner."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import SimpleWorker
from tests.admin.people_world import login_admin
from tests.services import missing_service, redis_problem, redis_url

from gongdan.audit.models import AuditEntry
from gongdan.db import db, utcnow
from gongdan.jobs import job_runner
from gongdan.jobs.inprocess import InProcessRunner
from gongdan.jobs.rq_runner import RqRunner, run_named_job


@pytest.fixture
def rq_app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The app on the shared Redis with a queue of its own, deleted afterwards."""
    problem = redis_problem()
    if problem:
        missing_service(problem)
    queue = f"test-admin-{uuid.uuid4().hex[:10]}"
    app = make_app(REDIS_URL=redis_url(), RQ_QUEUE=queue, JOBS_REDIS_RETRY_SECONDS=0)
    yield app
    connection = Redis.from_url(redis_url())
    keys = list(connection.scan_iter(match=f"*{queue}*", count=1000))
    if keys:
        connection.delete(*keys)


@pytest.mark.redis
def test_the_rq_page_counts_jobs_shows_a_failure_and_requeues_it(
    rq_app: Flask, make_user: Callable[..., Any]
) -> None:
    runner = job_runner(rq_app)
    assert isinstance(runner, RqRunner)
    queue = runner.queue()
    # A job whose name is not registered fails in the worker (as a job of a removed plugin would).
    failing = queue.enqueue(run_named_job, "plugin.removed_job", 7, job_id=f"{queue.name}-broken")
    SimpleWorker([queue], connection=runner.connection).work(burst=True)
    runner.enqueue("notifications.sweep")
    runner.enqueue("notifications.sweep", job_id="later", at=utcnow() + timedelta(hours=1))
    make_user("root", "admin")
    client = rq_app.test_client()
    login_admin(client)

    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert runner.queue_name in page
    for key, count in (("queued", 1), ("failed", 1), ("scheduled", 1), ("started", 0)):
        assert f'data-count="{key}">{count}<' in page, key
    assert f'data-job="{failing.id}"' in page and "plugin.removed_job" in page
    assert "UnknownJob: no job named &#39;plugin.removed_job&#39;" in page  # its error line

    response = client.post("/admin/jobs/requeue", data={"job_id": failing.id})
    assert response.status_code == 302
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert 'data-count="failed">0<' in page and 'data-count="queued">2<' in page
    with rq_app.app_context():
        [entry] = db.session.scalars(sa.select(AuditEntry)).all()
    assert (entry.action, entry.target_type, entry.target_id) == ("requeue", "RqJob", failing.id)


@pytest.mark.redis
def test_requeueing_an_unknown_job_says_so(rq_app: Flask, make_user: Callable[..., Any]) -> None:
    make_user("root", "admin")
    client = rq_app.test_client()
    login_admin(client)
    response = client.post("/admin/jobs/requeue", data={"job_id": "no-such-job"})
    assert response.status_code == 302
    assert "alert-danger" in client.get("/admin/jobs/").get_data(as_text=True)


def test_without_redis_the_page_shows_the_waiting_jobs_and_the_last_sweep(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    runner = job_runner(app)
    assert isinstance(runner, InProcessRunner)
    runner.enqueue("notifications.deliver", 41, at=utcnow() + timedelta(minutes=5))
    make_user("root", "admin")
    login_admin(client)
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert "notifications.deliver" in page and "<code>41</code>" in page
    assert 'id="last-sweep"' in page and "尚未运行" in page
    runner._sweep()  # what the runner's thread does every JOBS_SWEEP_SECONDS
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert "尚未运行" not in page and "<code>outbox</code>" in page
    assert client.post("/admin/jobs/requeue", data={"job_id": "x"}).status_code == 302
