"""The job queues: with Redis, the RQ queue's counts and failed jobs (requeue); without, the
in-process runner's waiting jobs and its last sweep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from gongdan.audit.services import record_change
from gongdan.db import db
from gongdan.jobs import job_runner
from gongdan.jobs.inprocess import InProcessRunner
from gongdan.jobs.rq_runner import RqRunner
from gongdan_admin.audited import acting_user
from gongdan_admin.security import SecuredView

#: Most failed jobs listed at once (newest first).
FAILED_SHOWN = 50


@dataclass(frozen=True)
class FailedJob:
    """One job in the RQ failed registry, as the page shows it."""

    id: str
    name: str
    args: str
    ended_at: datetime | None
    error: str

    @property
    def error_line(self) -> str:
        """The last line of the traceback: the exception and its message."""
        lines = [line for line in self.error.strip().splitlines() if line.strip()]
        return lines[-1] if lines else ""


def _failed_job(job: Job) -> FailedJob:
    name, *args = job.args or ("?",)
    result = job.latest_result()
    error = (result.exc_string or "") if result is not None else ""
    return FailedJob(job.id, str(name), ", ".join(repr(a) for a in args), job.ended_at, error)


def rq_status(runner: RqRunner) -> dict[str, Any]:
    """Counts of queued, started, failed and scheduled jobs and the latest failed jobs."""
    queue = runner.queue()
    failed_registry = FailedJobRegistry(queue=queue)
    failed_ids = failed_registry.get_job_ids(0, FAILED_SHOWN - 1, desc=True)
    jobs = [job for job in Job.fetch_many(failed_ids, connection=runner.connection) if job]
    return {
        "queue": runner.queue_name,
        "counts": {
            "queued": queue.count,
            "started": StartedJobRegistry(queue=queue).count,
            "failed": failed_registry.count,
            "scheduled": ScheduledJobRegistry(queue=queue).count,
        },
        "failed": [_failed_job(job) for job in jobs],
    }


class JobQueuesView(SecuredView):
    """What the background job runner holds right now."""

    @expose("/")
    def index(self) -> str:
        runner = job_runner()
        if isinstance(runner, RqRunner):
            try:
                status = rq_status(runner)
            except RedisError as error:
                return self.render("admin/gongdan/jobs.html", kind="rq", problem=str(error))
            return self.render("admin/gongdan/jobs.html", kind="rq", problem=None, **status)
        waiting = runner.waiting_jobs() if isinstance(runner, InProcessRunner) else []
        return self.render(
            "admin/gongdan/jobs.html",
            kind="inprocess",
            waiting=waiting,
            last_sweep_at=getattr(runner, "last_sweep_at", None),
            last_sweep_results=getattr(runner, "last_sweep_results", {}),
        )

    @expose("/requeue", methods=("POST",))
    def requeue(self) -> Any:
        """Put a failed RQ job back on its queue, and audit that."""
        runner = job_runner()
        job_id = request.form.get("job_id", "")
        if not isinstance(runner, RqRunner):
            flash(gettext("Jobs run in-process: there is no failed job to requeue."), "error")
            return redirect(url_for(".index"))
        try:
            FailedJobRegistry(queue=runner.queue()).requeue(job_id)
        except (NoSuchJobError, ValueError, RedisError) as error:
            flash(gettext("Job %(id)s could not be requeued: %(error)s", id=job_id, error=error),
                  "error")  # fmt: skip
            return redirect(url_for(".index"))
        record_change(
            db.session, actor=acting_user(), action="requeue", target_type="RqJob",
            target_id=job_id, summary=f"queue {runner.queue_name}", address=request.remote_addr,
        )  # fmt: skip
        db.session.commit()
        flash(gettext("Job %(id)s is queued again.", id=job_id), "success")
        return redirect(url_for(".index"))
