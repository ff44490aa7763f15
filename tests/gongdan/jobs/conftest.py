"""Fixtures of the job tests: apps on a real Redis (own queue) and a private redis-server."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from redis import Redis
from tests.gongdan.jobs.servers import RedisServer, free_port
from tests.services import missing_service, redis_problem, redis_url

from gongdan.tickets.pinning import clear_pinned_cache


def _clear_queue(connection: Redis, queue: str) -> None:
    keys = list(connection.scan_iter(match=f"*{queue}*", count=1000))
    if keys:
        connection.delete(*keys)


@pytest.fixture
def rq_app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The app with the RQ runner on the shared Redis, on a queue of its own (cleared after)."""
    problem = redis_problem()
    if problem:
        missing_service(problem)
    queue = f"test-{uuid.uuid4().hex[:10]}"
    clear_pinned_cache()
    app = make_app(REDIS_URL=redis_url(), RQ_QUEUE=queue, JOBS_REDIS_RETRY_SECONDS=0)
    yield app
    _clear_queue(Redis.from_url(redis_url()), queue)
    clear_pinned_cache()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        missing_service("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()
