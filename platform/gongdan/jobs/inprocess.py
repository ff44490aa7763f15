"""The embedded runner: a daemon thread per process with a timed queue and the sweeps.

Used when ``REDIS_URL`` is unset. Jobs run one at a time in the thread, each in its own
application context. Nothing here is durable, on purpose: the work a job does is described by
database rows (outbox, SLA deadlines, automation runs), and the periodic sweeps run by the same
thread pick up whatever a stopped process left behind.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from gongdan.jobs.registry import job_function
from gongdan.jobs.runner import JobRunner, check_due_time, run_job

log = logging.getLogger(__name__)

#: Longest the thread sleeps without looking at its queue (seconds).
MAX_IDLE = 5.0


def _show_job_logs() -> None:
    """Print what background work does (e.g. the folder channel's messages) when nothing
    else configured logging, as under ``gongdan serve``."""
    logger = logging.getLogger("gongdan")
    if logging.getLogger().handlers or logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


@dataclass(order=True)
class _Entry:
    when: float
    sequence: int
    name: str = field(compare=False)
    args: tuple[Any, ...] = field(compare=False)
    job_id: str | None = field(compare=False, default=None)


class InProcessRunner(JobRunner):
    """Jobs in a thread of this process; sweeps every ``JOBS_SWEEP_SECONDS`` (default 30).

    :meth:`run_pending` runs the due jobs in the calling thread instead, which is how tests
    (where the thread does not start) drive it.
    """

    kind = "inprocess"

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        self.sweep_interval = float(app.config.get("JOBS_SWEEP_SECONDS", 30))
        self.sweeps_enabled = bool(app.config.get("JOBS_RUN_SWEEPS", True))
        self._queue: list[_Entry] = []
        self._waiting_ids: set[str] = set()
        self._condition = threading.Condition()
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._stopping = False
        self._next_sweep = 0.0
        #: When the thread last ran the sweeps (``None``: not yet), and what each returned.
        self.last_sweep_at: datetime | None = None
        self.last_sweep_results: dict[str, Any] = {}

    def enqueue(
        self, name: str, *args: Any, job_id: str | None = None, at: datetime | None = None
    ) -> None:
        job_function(name)  # an unknown name is a programming error: fail at the caller
        check_due_time(at)
        when = at.timestamp() if at is not None else time.time()
        with self._condition:
            if job_id is not None:
                if job_id in self._waiting_ids:
                    return
                self._waiting_ids.add(job_id)
            heapq.heappush(self._queue, _Entry(when, next(self._sequence), name, args, job_id))
            self._condition.notify()

    def waiting(self) -> int:
        """How many jobs wait in the queue (due or not)."""
        with self._condition:
            return len(self._queue)

    def waiting_jobs(self) -> list[tuple[datetime, str, tuple[Any, ...]]]:
        """The waiting jobs, soonest first: when each is due, its name and arguments."""
        with self._condition:
            entries = sorted(self._queue)
        return [(datetime.fromtimestamp(e.when, UTC), e.name, e.args) for e in entries]

    def _pop_due(self, now: float) -> _Entry | None:
        with self._condition:
            if not self._queue or self._queue[0].when > now:
                return None
            entry = heapq.heappop(self._queue)
            if entry.job_id is not None:
                self._waiting_ids.discard(entry.job_id)
            return entry

    def _run(self, entry: _Entry) -> None:
        try:
            run_job(self.app, entry.name, entry.args)
        except Exception:  # one failing job must not stop the others; its rows remain
            log.exception("job %s%r failed", entry.name, entry.args)

    def run_pending(self, now: datetime | None = None) -> int:
        """Run every job due at ``now`` (default: now) in this thread; returns how many ran.

        Jobs those jobs enqueue run too when they are due.
        """
        moment = now.timestamp() if now is not None else time.time()
        count = 0
        while (entry := self._pop_due(moment)) is not None:
            self._run(entry)
            count += 1
        return count

    def start(self) -> None:
        """Start the thread (once per process; again in a forked child)."""
        with self._condition:
            if self._pid != os.getpid():  # forked (gunicorn --preload): threads did not follow
                self._pid, self._thread = os.getpid(), None
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping = False
            _show_job_logs()
            self._thread = threading.Thread(target=self._loop, name="gongdan-jobs", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop and wait for it."""
        with self._condition:
            self._stopping = True
            self._condition.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _loop(self) -> None:
        log.info("in-process job runner started (sweeps every %ss)", self.sweep_interval)
        while not self._stopping:
            now = time.time()
            if self.sweeps_enabled and now >= self._next_sweep:
                self._next_sweep = now + self.sweep_interval
                self._sweep()
            entry = self._pop_due(time.time())
            if entry is not None:
                self._run(entry)
                continue
            with self._condition:
                wait = MAX_IDLE
                if self._queue:
                    wait = min(wait, self._queue[0].when - time.time())
                if self.sweeps_enabled:
                    wait = min(wait, self._next_sweep - time.time())
                if wait > 0 and not self._stopping:
                    self._condition.wait(wait)

    def _sweep(self) -> None:
        from gongdan.jobs.scheduler import run_sweeps

        try:
            self.last_sweep_results = run_sweeps(self.app)
        except Exception:  # logged; the next tick tries again
            log.exception("periodic sweeps failed")
        self.last_sweep_at = datetime.now(UTC)
