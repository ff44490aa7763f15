"""The notification outbox and its delivery attempts.

An outbox row is written in the same transaction as the change that caused it, so a message
exists exactly when the change does; jobs only deliver it sooner. ``dedupe_key`` is unique: one
event never produces the same message (template, channel, recipient) twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongdan.db import Base, UTCDateTime, utcnow

#: Outbox statuses: waiting, claimed by a worker, delivered, will retry, given up.
STATUSES: tuple[str, ...] = ("pending", "sending", "sent", "failed", "dead")


class NotificationOutbox(Base):
    """One message to one recipient through one channel, rendered when it was queued.

    ``lease_until`` is set while a worker holds the row (``sending``); a worker that dies
    leaves it behind and the outbox sweep hands the row out again once the lease expired.
    """

    __tablename__ = "notification_outbox"
    __table_args__ = (
        # The sweep's two queries: due rows by status, expired leases.
        Index("ix_notification_outbox_status_due", "status", "next_attempt_at"),
        Index("ix_notification_outbox_status_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(120))
    template_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    recipient_kind: Mapped[str] = mapped_column(String(32))
    recipient_ref: Mapped[str] = mapped_column(String(64), default="")
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    recipient_address: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)

    attempt_log: Mapped[list[NotificationAttempt]] = relationship(
        back_populates="outbox",
        order_by="NotificationAttempt.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<NotificationOutbox {self.id} {self.template_key}/{self.channel} {self.status}>"


class NotificationAttempt(Base):
    """One try to hand a message to its channel, successful or not, and how long it took."""

    __tablename__ = "notification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(
        ForeignKey("notification_outbox.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)

    outbox: Mapped[NotificationOutbox] = relationship(back_populates="attempt_log")
