"""Ticket jobs: moving the open tickets of a revision to a newer one (idempotent)."""

from __future__ import annotations

from typing import Any

from gongdan.db import db
from gongdan.tickets.migration import JOB_NAME, run_migration


def migrate_tickets(migration_id: int) -> dict[str, Any]:
    """Run ticket migration ``migration_id``; does nothing when it is already done."""
    return run_migration(db.session, migration_id)


#: Registered by :mod:`gongdan.jobs.registry` when it lists this module.
JOBS = {JOB_NAME: migrate_tickets}
