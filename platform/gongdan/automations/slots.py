"""Scheduled automations that act on no ticket: run once per schedule slot.

An Automation with a ``schedule``, no ``when`` and only slot actions (``send_report``) is not
about tickets at all: "every Monday at 08:00, mail last week's report". It runs once per slot,
recorded as one :class:`~gongdan.automations.models.AutomationSlotRun`. Inserting that row is
the claim — unique per (automation, slot) — in the same transaction as the actions' outbox
rows, so a second sweep, a retried job or a concurrent scheduler finds the slot taken and does
nothing. A failed run is recorded as ``failed`` with the reason (admin → Operations).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.automations.models import AutomationSlotRun
from gongdan.db import utcnow
from gongdan.definitions.compiled import CompiledAutomation
from gongdan.errors import GongdanError

log = logging.getLogger(__name__)

#: Actions that act on no ticket (they run once per slot).
SLOT_ACTIONS = frozenset({"send_report"})


def runs_per_slot(automation: CompiledAutomation) -> bool:
    """Whether ``automation`` is scheduled, has no ticket condition and only slot actions."""
    scheduled = automation.every is not None or bool(automation.cron)
    return (
        scheduled
        and automation.predicate is None
        and bool(automation.actions)
        and all(action.get("do") in SLOT_ACTIONS for action in automation.actions)
    )


def claim_slot(
    session: Session, automation_key: str, occurrence: str, *,
    outcome: str = "done", detail: str | None = None,
) -> int | None:  # fmt: skip
    """Insert the slot's run row; its id, or ``None`` when the slot already ran."""
    table = AutomationSlotRun.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(table)
        .values(
            automation_key=automation_key,
            occurrence=occurrence[:64],
            outcome=outcome,
            detail=detail,
            actions=[],
            created_at=utcnow(),
        )  # fmt: skip
        .on_conflict_do_nothing(index_elements=["automation_key", "occurrence"])
        .returning(table.c.id)
    )
    return session.execute(statement).scalar_one_or_none()


def _slot_action(
    session: Session, automation: CompiledAutomation, action: Any, occurrence: str, slot: datetime
) -> dict[str, Any]:
    if action.get("do") == "send_report":
        from gongdan.reports.scheduled import send_report

        return send_report(session, action, f"{automation.key}:{occurrence}", slot)
    return {"do": action.get("do"), "skipped": "not an action of a scheduled slot"}


def run_slot(
    session: Session, automation: CompiledAutomation, occurrence: str, slot: datetime
) -> str:
    """Run ``automation``'s actions once for the slot; ``done``, ``already`` or ``failed``."""
    run_id = claim_slot(session, automation.key, occurrence)
    if run_id is None:
        session.rollback()
        return "already"
    try:
        done = [
            _slot_action(session, automation, action, occurrence, slot)
            for action in automation.actions
        ]
    except (GongdanError, ValueError) as error:
        session.rollback()
        message = str(error)[:2000]
        claim_slot(session, automation.key, occurrence, outcome="failed", detail=message)
        session.commit()
        log.warning("automation %s for %s failed: %s", automation.key, occurrence, message)
        return "failed"
    session.execute(
        sa.update(AutomationSlotRun).where(AutomationSlotRun.id == run_id).values(actions=done)
    )
    session.commit()
    return "done"
