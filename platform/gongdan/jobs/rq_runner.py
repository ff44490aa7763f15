"""The scale-out runner: jobs go to an RQ queue in Redis; ``gongdan worker`` runs them.

Every job is the same RQ function, :func:`run_named_job`, with the registered job name as its
first argument, so nothing a definition or a request says can make a worker import a module.
Redis being down never fails the caller: the enqueue is logged and skipped (and further
attempts are skipped for ``JOBS_REDIS_RETRY_SECONDS``) while the outbox sweep of ``gongdan
scheduler`` delivers the waiting rows once Redis is back.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import DuplicateJobError

from gongdan.db import utcnow
from gongdan.jobs.registry import job_function
from gongdan.jobs.runner import JobRunner, check_due_time, run_job, safe_job_id

log = logging.getLogger(__name__)

#: The default queue name (``RQ_QUEUE`` overrides it).
DEFAULT_QUEUE = "gongdan"

_worker_app: Flask | None = None
_worker_app_lock = threading.Lock()


def use_app(app: Flask) -> None:
    """Make ``app`` the application jobs run in when no app context is active (workers)."""
    global _worker_app
    with _worker_app_lock:
        _worker_app = app


def run_named_job(name: str, *args: Any) -> Any:
    """The RQ entry point of every Gongdan job: run registered job ``name`` with ``args``."""
    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    elif _worker_app is not None:
        app = _worker_app
    else:  # a plain `rq worker`: build the app from the environment, once per process
        from gongdan.app import create_app

        app = create_app()
        use_app(app)
    return run_job(app, name, args)


def redis_connection(url: str) -> Redis:
    """A Redis client that gives up quickly when the server is down."""
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)


class RqRunner(JobRunner):
    """Jobs in the RQ queue ``RQ_QUEUE`` on ``REDIS_URL``."""

    kind = "rq"

    def __init__(self, app: Flask, url: str) -> None:
        super().__init__(app)
        self.url = url
        self.queue_name = str(app.config.get("RQ_QUEUE") or DEFAULT_QUEUE)
        self.retry_after = float(app.config.get("JOBS_REDIS_RETRY_SECONDS", 5))
        self._connection: Redis | None = None
        self._pid = os.getpid()
        self._down_until = 0.0
        use_app(app)

    @property
    def connection(self) -> Redis:
        """This process's Redis client (a forked child makes its own)."""
        if self._connection is None or self._pid != os.getpid():
            self._connection, self._pid = redis_connection(self.url), os.getpid()
        return self._connection

    def queue(self) -> Queue:
        """The RQ queue jobs go to."""
        return Queue(self.queue_name, connection=self.connection)

    def enqueue(
        self, name: str, *args: Any, job_id: str | None = None, at: datetime | None = None
    ) -> None:
        job_function(name)  # an unknown name is a programming error: fail at the caller
        check_due_time(at)
        if time.monotonic() < self._down_until:
            log.info("Redis was down moments ago; job %s%r left to the sweep", name, args)
            return
        options: dict[str, Any] = {"args": (name, *args), "failure_ttl": 7 * 24 * 3600}
        # Job ids are prefixed with the queue name: installations sharing a Redis server
        # (each with its own RQ_QUEUE) then never block each other's ids.
        rq_id = safe_job_id(f"{self.queue_name}-{job_id}") if job_id is not None else None
        if rq_id is not None:
            options.update(job_id=rq_id, unique=True)
        try:
            queue = self.queue()
            if at is not None and at > utcnow():
                queue.enqueue_at(at, run_named_job, **options)
            else:
                queue.enqueue(run_named_job, **options)
        except DuplicateJobError:
            log.debug("job %s is already queued", rq_id)
        except (RedisError, OSError) as error:
            self._down_until = time.monotonic() + self.retry_after
            log.warning(
                "could not enqueue job %s%r (%s); the scheduler's sweep will do it", name, args,
                error,
            )  # fmt: skip
