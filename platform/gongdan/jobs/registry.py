"""Named job functions: the runner looks jobs up here, never by a dotted path from data.

A job function takes plain arguments (ids), runs inside an application context, re-reads the
database and does nothing when its work is already done. The core registers its jobs from the
modules in :data:`CORE_JOB_MODULES` (each exposes ``JOBS: dict[str, callable]``); plugins call
:func:`register_job` from their ``gongdan_init_app`` hook.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Callable
from typing import Any

from gongdan.errors import GongdanError

JobFunction = Callable[..., Any]

#: Modules whose ``JOBS`` mapping is registered on first use (a missing one is skipped).
CORE_JOB_MODULES: tuple[str, ...] = (
    "gongdan.notifications.tasks",
    "gongdan.automations.tasks",
    "gongdan.sla.tasks",
    "gongdan.tickets.tasks",
    "gongdan.surveys.tasks",
)

_jobs: dict[str, JobFunction] = {}
_loaded = False
_lock = threading.Lock()


class UnknownJob(GongdanError):
    """A job name nobody registered."""

    code = "unknown_job"
    status = 500


def register_job(name: str, function: JobFunction) -> None:
    """Make ``function`` runnable as job ``name`` (re-registering the same function is fine).

    :raises GongdanError: another function already has that name.
    """
    existing = _jobs.get(name)
    if existing is not None and existing is not function:
        raise GongdanError(f"job name {name!r} is already registered to {existing!r}")
    _jobs[name] = function


def _load_core_jobs() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        for module_name in CORE_JOB_MODULES:
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            for name, function in getattr(module, "JOBS", {}).items():
                register_job(name, function)
        _loaded = True


def job_function(name: str) -> JobFunction:
    """The function registered as ``name``.

    :raises UnknownJob: no such job.
    """
    _load_core_jobs()
    try:
        return _jobs[name]
    except KeyError:
        known = ", ".join(sorted(_jobs)) or "none"
        raise UnknownJob(f"no job named {name!r} (known: {known})") from None


def registered_jobs() -> tuple[str, ...]:
    """Every registered job name, sorted."""
    _load_core_jobs()
    return tuple(sorted(_jobs))
