"""Per-asset schedules derived from the active plans (idempotent; commits).

:func:`sync_schedules` runs on every sweep (the safety net) and right after an asset or a
contract is saved (for that asset only). For each active plan it

* creates the schedule of every matching asset that has none (``INSERT … ON CONFLICT DO
  NOTHING``: two schedulers at once create one), the first visit on or after today, counted
  from the asset's install date or its contract's start;
* switches off the schedules of assets that no longer match (their generated visits stay) and
  switches back on, from today, those that match again;
* re-plans the schedules planned under an older revision of the plan: the visits already
  generated stay as they are; the next one is counted from the last of them.

Schedules of plans no longer active are switched off.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.customers.models import Asset
from gongdan.db import utcnow
from gongdan_pm.models import PmSchedule, PmVisit
from gongdan_pm.plans import Plan, active_plans
from gongdan_pm.schedule import first_sequence_on_or_after, nth_due, replan_anchor
from gongdan_pm.selection import matching_assets

#: Rows written per statement when many schedules are created or re-planned at once.
BATCH = 1000


@dataclass
class SyncResult:
    """What :func:`sync_schedules` changed."""

    created: int = 0
    replanned: int = 0
    paused: int = 0
    resumed: int = 0


def _insert(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def first_visit(plan: Plan, anchor: date, today: date) -> tuple[int, date]:
    """``(sequence, due date)`` of a new schedule's first visit: on or after ``today``."""
    sequence = first_sequence_on_or_after(plan.recurrence, anchor, today)
    return sequence, nth_due(plan.recurrence, anchor, sequence)


def sync_schedules(
    session: Session, today: date, *, asset_ids: Sequence[int] | None = None
) -> SyncResult:
    """Bring the schedules in line with the active plans (only ``asset_ids`` when given)."""
    result = SyncResult()
    plans = active_plans(session)
    for plan in plans:
        _sync_plan(session, plan, today, asset_ids, result)
    stale = sa.update(PmSchedule).where(PmSchedule.active.is_(True))
    if plans:
        stale = stale.where(PmSchedule.plan_key.not_in([plan.key for plan in plans]))
    if asset_ids is not None:
        stale = stale.where(PmSchedule.asset_id.in_(asset_ids))
    result.paused += session.execute(stale.values(active=False, updated_at=utcnow())).rowcount
    session.commit()
    return result


def _sync_plan(
    session: Session,
    plan: Plan,
    today: date,
    asset_ids: Sequence[int] | None,
    result: SyncResult,
) -> None:
    matching = matching_assets(plan.when, today)
    if asset_ids is not None:
        matching = matching.where(Asset.id.in_(asset_ids))
    matching_ids = matching.with_only_columns(Asset.id).subquery()
    mine = sa.and_(PmSchedule.plan_key == plan.key)
    if asset_ids is not None:
        mine = sa.and_(mine, PmSchedule.asset_id.in_(asset_ids))

    # Assets that no longer match: their schedule pauses (history kept).
    result.paused += session.execute(
        sa.update(PmSchedule)
        .where(
            mine, PmSchedule.active.is_(True), PmSchedule.asset_id.not_in(sa.select(matching_ids))
        )
        .values(active=False, updated_at=utcnow())
    ).rowcount

    # New assets: a schedule each.
    unscheduled = matching.where(
        ~sa.exists().where(PmSchedule.plan_key == plan.key, PmSchedule.asset_id == Asset.id)
    )
    rows = session.execute(unscheduled.order_by(Asset.id)).all()
    for start in range(0, len(rows), BATCH):
        values = [_new_schedule(plan, row, today) for row in rows[start : start + BATCH]]
        statement = (
            _insert(session)(PmSchedule)
            .values(values)
            .on_conflict_do_nothing()
            .returning(PmSchedule.id)
        )
        result.created += len(session.execute(statement).all())

    # Matching again after a pause, or planned under another revision: plan from here on.
    to_replan = session.scalars(
        sa.select(PmSchedule).where(
            mine,
            PmSchedule.asset_id.in_(sa.select(matching_ids)),
            sa.or_(PmSchedule.active.is_(False), PmSchedule.plan_revision_id != plan.revision_id),
        )
    ).all()
    for schedule in to_replan:
        if not schedule.active:
            result.resumed += 1
            sequence, due = first_visit(plan, schedule.anchor_date, today)
            schedule.sequence, schedule.next_due, schedule.active = sequence, due, True
        else:
            result.replanned += 1
            _replan(session, plan, schedule, today)
        schedule.plan_revision_id = plan.revision_id
        schedule.follows_completion = plan.follows_completion
        schedule.updated_at = utcnow()
    session.flush()


def _new_schedule(plan: Plan, row: Any, today: date) -> dict[str, Any]:
    asset_id, install_date, contract_start, customer_id = row
    start = contract_start if plan.start == "contract_start" else install_date
    anchor = start or install_date or contract_start or today
    sequence, due = first_visit(plan, anchor, today)
    now = utcnow()
    return {
        "plan_key": plan.key, "plan_revision_id": plan.revision_id, "asset_id": asset_id,
        "customer_id": customer_id, "anchor_date": anchor, "sequence": sequence,
        "next_due": due, "follows_completion": plan.follows_completion, "active": True,
        "created_at": now, "updated_at": now,
    }  # fmt: skip


def _replan(session: Session, plan: Plan, schedule: PmSchedule, today: date) -> None:
    """Count the visits not yet generated under the new revision (see the module docstring)."""
    open_visit = session.scalar(
        sa.select(PmVisit.id).where(PmVisit.schedule_id == schedule.id, PmVisit.status == "open")
    )
    if schedule.next_due is None and open_visit is not None:
        return  # waiting for the open visit to be done: its completion plans the next one
    last_due = session.scalar(
        sa.select(sa.func.max(PmVisit.due_date)).where(PmVisit.schedule_id == schedule.id)
    )
    anchor, sequence = replan_anchor(plan.recurrence, schedule.anchor_date, last_due, today)
    schedule.anchor_date, schedule.sequence = anchor, sequence
    schedule.next_due = nth_due(plan.recurrence, anchor, sequence)


def asset_ids_of(rows: Iterable[Any]) -> list[int]:
    """The asset ids behind saved installed-base rows (an asset, or a contract's assets)."""
    ids: list[int] = []
    for row in rows:
        if hasattr(row, "serial_number"):
            ids.append(row.id)
        else:
            ids.extend(asset.id for asset in getattr(row, "assets", ()))
    return ids
