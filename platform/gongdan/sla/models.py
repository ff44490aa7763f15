"""SLA clocks (one row per ticket and metric) and the record of each escalation rung fired."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gongdan.db import Base, JSONType, UTCDateTime, utcnow

#: The metrics a clock can measure, in the order their targets grow.
METRICS: tuple[str, ...] = ("first_response", "on_site", "resolution")


class SlaClock(Base):
    """One SLA metric of one ticket, measured in business time of the policy's calendar.

    Running: ``running_since`` is set and ``business_seconds_used_before_pause`` holds the
    business time used before it, so the time used at ``now`` is that plus the business time
    from ``running_since`` to ``now``. Paused: ``paused_at`` is set, ``due_at`` and
    ``next_fire_at`` are null. Stopped: ``stopped_at``, ``met`` and ``breached`` are set.

    ``next_level`` is the ladder level (``CompiledEscalation.level``) of this metric's next rung
    and ``next_fire_at`` the instant its threshold is reached; the escalation sweep selects rows
    by ``next_fire_at`` through the partial index ``ix_sla_clocks_due`` and claims a rung with
    ``UPDATE ... WHERE id = :id AND next_level = :level``.
    """

    __tablename__ = "sla_clocks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric"),
        Index(
            "ix_sla_clocks_due",
            "next_fire_at",
            postgresql_where=text("stopped_at IS NULL"),
            sqlite_where=text("stopped_at IS NULL"),
        ),
        # The /reports business times and on-time rates: one metric's clocks started in a
        # period, read by an index-only scan (migration 0008).
        Index(
            "ix_sla_clocks_metric_started",
            "metric",
            "started_at",
            postgresql_include=[
                "ticket_id",
                "stopped_at",
                "met",
                "business_seconds_used_before_pause",
            ],
        ),
        # The overdue queue and its count: running clocks by deadline, with their ticket.
        Index(
            "ix_sla_clocks_running_due",
            "due_at",
            "ticket_id",
            postgresql_where=text("stopped_at IS NULL AND paused_at IS NULL"),
            sqlite_where=text("stopped_at IS NULL AND paused_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(String(32))
    policy_key: Mapped[str] = mapped_column(String(64))
    policy_revision_id: Mapped[int] = mapped_column(
        ForeignKey("definition_revisions.id", ondelete="RESTRICT")
    )
    #: The Calendar revision the policy ran on when attached (null: round the clock, UTC).
    calendar_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("definition_revisions.id", ondelete="RESTRICT")
    )
    #: The ticket priority the clock last followed (the target is that priority's, except after
    #: an escalation raised it: see ``gongdan.sla.ladder``).
    priority: Mapped[str] = mapped_column(String(16))
    target_seconds: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    running_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    business_seconds_used_before_pause: Mapped[float] = mapped_column(Float, default=0.0)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    met: Mapped[bool | None] = mapped_column(Boolean)
    breached: Mapped[bool | None] = mapped_column(Boolean)
    next_level: Mapped[int | None] = mapped_column(Integer)
    next_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<SlaClock ticket={self.ticket_id} {self.metric} due={self.due_at}>"


class SlaEscalation(Base):
    """One rung of the ladder fired for one clock; UNIQUE (clock, level) makes it once-only."""

    __tablename__ = "sla_escalations"
    __table_args__ = (UniqueConstraint("clock_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("sla_clocks.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(32))
    at_percent: Mapped[float] = mapped_column(Float)
    #: When the threshold was reached (by the clock), and when the sweep fired it.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    elapsed_seconds: Mapped[float] = mapped_column(Float)
    target_seconds: Mapped[int] = mapped_column(Integer)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
