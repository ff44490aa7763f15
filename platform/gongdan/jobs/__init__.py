"""Background jobs: one interface, an in-process runner and an RQ runner, periodic sweeps."""

from __future__ import annotations

from flask import Flask

from gongdan.jobs.registry import job_function, register_job, registered_jobs
from gongdan.jobs.runner import (
    JobRunner,
    enqueue,
    enqueue_after_commit,
    job_runner,
)

__all__ = [
    "JobRunner",
    "enqueue",
    "enqueue_after_commit",
    "init_app",
    "job_function",
    "job_runner",
    "register_job",
    "registered_jobs",
]


def init_app(app: Flask) -> None:
    """Pick the job runner, and connect notifications and automations to ticket events."""
    from gongdan import automations, notifications
    from gongdan.jobs import runner

    runner.init_app(app)
    notifications.init_app(app)
    automations.init_app(app)
