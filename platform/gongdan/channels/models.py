"""The log of inbound messages: which ticket each message made or answered.

It makes delivery idempotent (a gateway or IMAP retry of the same message id changes nothing)
and lets a reply that quotes an earlier message's id in In-Reply-To/References find its ticket.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gongdan.db import Base, UTCDateTime, utcnow


class InboundMessage(Base):
    """One message received on an inbound channel, by its id (Message-ID, gateway id)."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel_key", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_key: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(255), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_comments.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
