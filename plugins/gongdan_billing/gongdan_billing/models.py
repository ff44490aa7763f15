"""Billing tables: quotes, charge lines and the customer's sign-off of a service report.

Money is ``Numeric(12, 2)`` (Decimal in Python), quantities ``Numeric(14, 3)``. The database
itself refuses what must never happen: a negative price or quantity (CHECK), a line charged
twice for the same source (UNIQUE ticket × source), two open quotes on one ticket or two
sign-offs of one report (UNIQUE).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongdan.accounts.models import User
from gongdan.db import Base, UTCDateTime, utcnow

Money = Numeric(12, 2)
Quantity = Numeric(14, 3)
Rate = Numeric(6, 4)
_JSON = JSON().with_variant(JSONB(), "postgresql")

#: draft → sent → approved | declined; a draft or sent quote is ``superseded`` by a new one.
QUOTE_STATUSES = ("draft", "sent", "approved", "declined", "superseded", "expired")


class Quote(Base):
    """A quote for a ticket: its priced lines (after coverage) and totals, frozen when sent.

    ``content_hash`` fingerprints lines, totals and currency
    (:func:`gongdan_billing.pricing.content_hash`): approving checks the quote is still what
    was sent and what the customer saw.
    """

    __tablename__ = "bl_quotes"
    __table_args__ = (
        Unique("ticket_id", "revision"),
        CheckConstraint("total >= 0 AND subtotal >= 0 AND tax >= 0", name="amounts_not_negative"),
        CheckConstraint(f"status IN {QUOTE_STATUSES!r}", name="status"),
        # One quote in play per ticket: a second "send" cannot double the approval.
        Index(
            "uq_bl_quotes_open",
            "ticket_id",
            unique=True,
            sqlite_where=text("status IN ('draft', 'sent')"),
            postgresql_where=text("status IN ('draft', 'sent')"),
        ),
        # The expiry sweep's query: sent quotes by the end of their validity.
        Index(
            "ix_bl_quotes_sent_valid_until",
            "valid_until",
            sqlite_where=text("status = 'sent'"),
            postgresql_where=text("status = 'sent'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="RESTRICT"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    price_list: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    tax_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(_JSON, default=list)
    subtotal: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    tax: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ChargeLine(Base):
    """One line of what a ticket costs: labour, travel, a part, a service or a diagnosis fee.

    ``decision`` (free / discounted / charged) and ``rule`` (the coverage rule, or
    ``list_price``) say why the customer pays ``amount`` (net of tax) instead of
    ``list_amount``. ``cost`` is what the line cost the company (parts at unit cost), for the
    margin reports. ``source`` names what made the line; UNIQUE per ticket, so nothing is
    charged twice.
    """

    __tablename__ = "bl_charge_lines"
    __table_args__ = (
        Unique("ticket_id", "source"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "unit_price >= 0 AND list_amount >= 0 AND amount >= 0 AND cost >= 0",
            name="amounts_not_negative",
        ),
        CheckConstraint("decision IN ('free', 'discounted', 'charged')", name="decision"),
        Index("ix_bl_charge_lines_charged_on", "charged_on", "ticket_id"),
        Index("ix_bl_charge_lines_customer_charged_on", "customer_id", "charged_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="RESTRICT"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    engineer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("bl_quotes.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    list_amount: Mapped[Decimal] = mapped_column(Money)
    decision: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(64))
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    amount: Mapped[Decimal] = mapped_column(Money)
    cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    tax_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    price_list: Mapped[str] = mapped_column(String(64))
    charged_on: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    engineer: Mapped[User | None] = relationship()


class ReportSignoff(Base):
    """The customer's signature under a service report's charges: the total they saw."""

    __tablename__ = "bl_signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="RESTRICT"), unique=True
    )
    signer_name: Mapped[str] = mapped_column(String(120))
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signature_attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_attachments.id", ondelete="SET NULL")
    )
    subtotal: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    content_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
