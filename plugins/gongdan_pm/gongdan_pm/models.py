"""PM tables: one schedule per plan × asset, one visit per schedule × due date.

* :class:`PmSchedule` — derived from a ``pm.MaintenancePlan``: the anchor its visits are counted
  from, the number and due date of the next visit not yet generated (``next_due`` is ``NULL``
  while a plan that follows completion waits for the open visit to be done), the plan revision
  it was planned under (a new revision re-plans the visits not yet generated, never the others).
* :class:`PmVisit` — a generated visit: its ticket (``NULL`` for a visit recorded as missed
  while catching up), status ``open`` → ``done`` / ``cancelled``, or ``missed``. The UNIQUE
  ``(schedule_id, due_date)`` key is what makes generation idempotent: a second scheduler
  generating the same visit fails to insert it and rolls back its ticket with it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongdan.customers.models import Asset, Customer
from gongdan.db import Base, UTCDateTime, utcnow
from gongdan.tickets.models import Ticket

#: Visit statuses.
VISIT_STATUSES: tuple[str, ...] = ("open", "done", "cancelled", "missed")


class PmSchedule(Base):
    """The PM schedule of one asset under one plan."""

    __tablename__ = "pm_schedules"
    __table_args__ = (
        UniqueConstraint("plan_key", "asset_id", name="uq_pm_schedules_plan_asset"),
        # Generation: the active schedules of a plan falling due by a date.
        Index("ix_pm_schedules_due", "plan_key", "active", "next_due"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_key: Mapped[str] = mapped_column(String(64))
    plan_revision_id: Mapped[int] = mapped_column(Integer)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    anchor_date: Mapped[date] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    next_due: Mapped[date | None] = mapped_column(Date)
    follows_completion: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    asset: Mapped[Asset] = relationship()
    customer: Mapped[Customer] = relationship()

    def __repr__(self) -> str:
        return f"<PmSchedule {self.plan_key} asset {self.asset_id} next {self.next_due}>"


class PmVisit(Base):
    """One visit of a schedule: due on ``due_date``, done through its ticket."""

    __tablename__ = "pm_visits"
    __table_args__ = (
        UniqueConstraint("schedule_id", "due_date", name="uq_pm_visits_schedule_due"),
        CheckConstraint("status IN ('open', 'done', 'cancelled', 'missed')", name="status_known"),
        # The calendar and the compliance report: visits by due date.
        Index("ix_pm_visits_due_status", "due_date", "status"),
        Index("ix_pm_visits_asset_due", "asset_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("pm_schedules.id", ondelete="CASCADE"))
    plan_key: Mapped[str] = mapped_column(String(64))
    plan_revision_id: Mapped[int] = mapped_column(Integer)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), unique=True
    )
    completed_on: Mapped[date | None] = mapped_column(Date)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    schedule: Mapped[PmSchedule] = relationship()
    asset: Mapped[Asset] = relationship()
    customer: Mapped[Customer] = relationship()
    ticket: Mapped[Ticket | None] = relationship()

    def __repr__(self) -> str:
        return f"<PmVisit {self.plan_key} asset {self.asset_id} due {self.due_date} {self.status}>"
