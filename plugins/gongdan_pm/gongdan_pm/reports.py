"""PM compliance, in SQL: of the visits due in a period, how many were done on time, late,
missed, and how many are still open — per plan, one grouped query.

* **on time** — done on or before its due date;
* **late** — done after its due date;
* **missed** — recorded as missed while catching up, or still open when the schedule's next
  visit was already due (``as_of``): nobody came before the following visit;
* **open** — neither done nor missed yet (``overdue`` when past its due date).

Cancelled visits count in none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from gongdan_pm.models import PmVisit


@dataclass(frozen=True)
class ComplianceRow:
    """One plan's figures (``plan`` is ``"*"`` for the total)."""

    plan: str
    on_time: int
    late: int
    missed: int
    open: int
    overdue: int

    @property
    def due(self) -> int:
        """Visits counted (cancelled ones are not)."""
        return self.on_time + self.late + self.missed + self.open

    @property
    def on_time_rate(self) -> float | None:
        """Share of the visits done or missed that were done on time (``None``: none yet)."""
        settled = self.on_time + self.late + self.missed
        return self.on_time / settled if settled else None


def compliance(
    session: Session,
    start: date,
    end: date,
    as_of: date,
    *,
    customer_id: int | None = None,
) -> list[ComplianceRow]:
    """Per plan (then the total) for the visits due from ``start`` to ``end`` inclusive."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    later = aliased(PmVisit)
    superseded = sa.exists().where(
        later.schedule_id == PmVisit.schedule_id,
        later.due_date > PmVisit.due_date,
        later.due_date <= as_of,
    )
    done = PmVisit.status == "done"
    missed = sa.or_(PmVisit.status == "missed", sa.and_(PmVisit.status == "open", superseded))
    still_open = sa.and_(PmVisit.status == "open", sa.not_(superseded))

    def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    query = (
        sa.select(
            PmVisit.plan_key,
            count(sa.and_(done, PmVisit.completed_on <= PmVisit.due_date)),
            count(sa.and_(done, PmVisit.completed_on > PmVisit.due_date)),
            count(missed),
            count(still_open),
            count(sa.and_(still_open, PmVisit.due_date < as_of)),
        )
        .where(PmVisit.due_date >= start, PmVisit.due_date <= end, PmVisit.status != "cancelled")
        .group_by(PmVisit.plan_key)
        .order_by(PmVisit.plan_key)
    )
    if customer_id is not None:
        query = query.where(PmVisit.customer_id == customer_id)
    rows = [ComplianceRow(str(r[0]), *(int(v) for v in r[1:])) for r in session.execute(query)]
    total = ComplianceRow(
        "*",
        *(
            sum(getattr(r, name) for r in rows)
            for name in ("on_time", "late", "missed", "open", "overdue")
        ),
    )
    return [*rows, total]
