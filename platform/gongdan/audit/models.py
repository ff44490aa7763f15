"""Audit entries: one row per admin change, with the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gongdan.db import Base, JSONType, UTCDateTime, utcnow


class AuditEntry(Base):
    """One change made by a person (or the system) outside the ticket lifecycle.

    Tickets have their own event log; this records changes to definitions, users, departments,
    customers, reference data and operations (an outbox retry). ``before`` and ``after`` hold
    the changed values only; ``actor_name`` survives the user's deletion.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_target", "target_type", "target_id"),
        Index("ix_audit_entries_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_name: Mapped[str] = mapped_column(String(100))
    #: ``create``, ``update``, ``delete``, ``publish``, ``rollback``, ``install``, ``retry`` ...
    action: Mapped[str] = mapped_column(String(32))
    #: What was changed: a model name (``User``) or a definition kind (``TicketType``).
    target_type: Mapped[str] = mapped_column(String(100))
    target_id: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.target_type}/{self.target_id}>"
