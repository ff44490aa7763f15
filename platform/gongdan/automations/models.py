"""What automations did: per (automation, ticket, occurrence), per slot, and schedule slots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gongdan.db import Base, JSONType, UTCDateTime, utcnow


class AutomationRun(Base):
    """An automation acted on a ticket for one occurrence (an event id or a schedule slot).

    The unique constraint is what makes automations idempotent: a second sweep, a concurrent
    scheduler or a retried job cannot insert the same run again, so the actions run once.
    """

    __tablename__ = "automation_runs"
    __table_args__ = (UniqueConstraint("automation_key", "ticket_id", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    automation_key: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    occurrence: Mapped[str] = mapped_column(String(64))
    #: ``done``, ``failed`` or ``pending`` (a transition deferred to a job after commit).
    outcome: Mapped[str] = mapped_column(String(16), default="done")
    detail: Mapped[str | None] = mapped_column(Text)
    actions: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AutomationSchedule(Base):
    """The last schedule slot a scheduled automation was run for (so a slot runs once)."""

    __tablename__ = "automation_schedules"

    automation_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_slot_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AutomationSlotRun(Base):
    """A scheduled automation without a ticket condition ran once for one schedule slot.

    Such an automation (a weekly report, say) acts on no ticket, so it is recorded per slot,
    not per ticket: the unique (automation, occurrence) pair is the claim that makes a second
    sweep or a concurrent scheduler a no-op for the same slot.
    """

    __tablename__ = "automation_slot_runs"
    __table_args__ = (UniqueConstraint("automation_key", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    automation_key: Mapped[str] = mapped_column(String(64))
    occurrence: Mapped[str] = mapped_column(String(64))
    #: ``done`` or ``failed``.
    outcome: Mapped[str] = mapped_column(String(16), default="done")
    detail: Mapped[str | None] = mapped_column(Text)
    actions: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
