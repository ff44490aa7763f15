"""Routing state kept between decisions: round-robin turns and engineers' last assignments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gongdan.db import Base, UTCDateTime, utcnow


class RoutingCursor(Base):
    """Whose turn it is in one round robin (a rule in a department).

    Read and advanced under a row lock in the routing transaction, so two web processes never
    hand out the same turn. ``position`` counts the turns given so far.
    """

    __tablename__ = "routing_cursors"

    rule_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    department: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<RoutingCursor {self.rule_key!r}/{self.department!r} at {self.position}>"


class EngineerLastAssignment(Base):
    """When a user was last given a ticket (by routing or by hand): least-loaded tie-breaks.

    Kept up to date from every ``assigned`` event, so the candidate query reads one row per
    engineer instead of scanning the event log.
    """

    __tablename__ = "engineer_last_assignments"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
