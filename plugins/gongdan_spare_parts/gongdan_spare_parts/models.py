"""Spare parts tables: catalogue, warehouses, serial numbers, the move ledger and balances.

Stock is the sum of its moves: every change is an appended :class:`StockMove` carrying its
effect on the three buckets (on hand, reserved, in transit), and the :class:`StockBalance` row of
that part × warehouse is updated by the same amounts in the same transaction (see
:mod:`gongdan_spare_parts.services`). The balance exists so that "is there one left?" is one
indexed row and a reservation can be a single conditional ``UPDATE``; CHECK constraints keep
every bucket non-negative and the reserved quantity within what is on hand, whatever the code.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongdan.db import Base, UTCDateTime, utcnow

#: Quantities: whole units for most parts, three decimals for parts sold by length or weight.
Quantity = Numeric(14, 3)
Money = Numeric(12, 2)
_JSON = JSON().with_variant(JSONB(), "postgresql")

WAREHOUSE_KINDS = ("central", "regional", "van")


class Part(Base):
    """A spare part in the catalogue (备件)."""

    __tablename__ = "sp_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Product models (the ``product_models`` option values) the part fits.
    compatible_models: Mapped[list[str]] = mapped_column(_JSON, default=list)
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    #: Counted in whole units (a pump) rather than measured (tubing in metres).
    whole_units: Mapped[bool] = mapped_column(Boolean, default=True)
    serial_tracked: Mapped[bool] = mapped_column(Boolean, default=False)
    unit_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    unit_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<Part {self.number!r}>"

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Warehouse(Base):
    """A place stock is kept: the central warehouse, a regional one, or an engineer's van."""

    __tablename__ = "sp_warehouses"
    __table_args__ = (
        CheckConstraint(f"kind IN {WAREHOUSE_KINDS!r}", name="kind"),
        # A van belongs to exactly one engineer; other warehouses to nobody.
        CheckConstraint(
            "(kind = 'van' AND owner_id IS NOT NULL) OR (kind <> 'van' AND owner_id IS NULL)",
            name="van_owner",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    region: Mapped[str | None] = mapped_column(String(64))

    owner = relationship("User")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StockBalance(Base):
    """What one warehouse holds of one part; always the sum of that pair's moves."""

    __tablename__ = "sp_stock_balances"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("in_transit >= 0", name="in_transit_not_negative"),
        Index("ix_sp_stock_balances_warehouse", "warehouse_id", "part_id"),
    )

    part_id: Mapped[int] = mapped_column(
        ForeignKey("sp_parts.id", ondelete="RESTRICT"), primary_key=True
    )
    warehouse_id: Mapped[int] = mapped_column(
        ForeignKey("sp_warehouses.id", ondelete="RESTRICT"), primary_key=True
    )
    on_hand: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    reserved: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    in_transit: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))

    part: Mapped[Part] = relationship()
    warehouse: Mapped[Warehouse] = relationship()


class StockMove(Base):
    """One entry of the append-only ledger: a receipt, transfer, reservation, issue ...

    ``d_on_hand``, ``d_reserved`` and ``d_in_transit`` are the move's effect on the balance of
    ``part_id`` × ``warehouse_id`` (:func:`gongdan_spare_parts.ledger.move_effect` of ``kind``
    and ``quantity``). A transfer is two moves sharing ``transfer_id``: ``transfer_out`` at the
    source, ``transfer_in`` (in transit) at the destination, later ``arrival`` there.
    """

    __tablename__ = "sp_moves"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_sp_moves_part_warehouse", "part_id", "warehouse_id", "id"),
        Index("ix_sp_moves_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    part_id: Mapped[int] = mapped_column(ForeignKey("sp_parts.id", ondelete="RESTRICT"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("sp_warehouses.id", ondelete="RESTRICT"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    d_on_hand: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    d_reserved: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    d_in_transit: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="RESTRICT"), index=True
    )
    part_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("sp_part_lines.id", ondelete="RESTRICT"), index=True
    )
    transfer_id: Mapped[str | None] = mapped_column(String(36), index=True)
    serial: Mapped[str | None] = mapped_column(String(80))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")

    part: Mapped[Part] = relationship()
    warehouse: Mapped[Warehouse] = relationship()


class SerialNumber(Base):
    """One unit of a serial-tracked part: where it is and what became of it."""

    __tablename__ = "sp_serials"
    __table_args__ = (
        UniqueConstraint("part_id", "serial"),
        Index("ix_sp_serials_warehouse", "warehouse_id", "part_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("sp_parts.id", ondelete="RESTRICT"))
    serial: Mapped[str] = mapped_column(String(80))
    #: in_stock · in_transit · issued (to a ticket) · faulty (returned) · written_off
    status: Mapped[str] = mapped_column(String(16), default="in_stock")
    warehouse_id: Mapped[int | None] = mapped_column(
        ForeignKey("sp_warehouses.id", ondelete="RESTRICT")
    )
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="RESTRICT"), index=True
    )

    part: Mapped[Part] = relationship()
    warehouse: Mapped[Warehouse | None] = relationship()


class PartLine(Base):
    """A part requested for a ticket, from request to consumption (or release).

    ``status``: requested → approved → reserved → issued → consumed, or rejected / released;
    ``charged`` is decided per line from the ticket's asset warranty when it is consumed.
    """

    __tablename__ = "sp_part_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_sp_part_lines_status_reserved", "status", "reserved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="RESTRICT"), index=True
    )
    part_id: Mapped[int] = mapped_column(ForeignKey("sp_parts.id", ondelete="RESTRICT"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("sp_warehouses.id", ondelete="RESTRICT"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    serial: Mapped[str | None] = mapped_column(String(80))
    charged: Mapped[bool | None] = mapped_column(Boolean)
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reserved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    part: Mapped[Part] = relationship()
    warehouse: Mapped[Warehouse] = relationship()


class FaultyReturn(Base):
    """A faulty part taken out on a ticket, on its way back: pending → received → closed."""

    __tablename__ = "sp_faulty_returns"
    __table_args__ = (UniqueConstraint("part_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    part_line_id: Mapped[int] = mapped_column(
        ForeignKey("sp_part_lines.id", ondelete="RESTRICT"), index=True
    )
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="RESTRICT"), index=True
    )
    part_id: Mapped[int] = mapped_column(ForeignKey("sp_parts.id", ondelete="RESTRICT"))
    serial: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    part: Mapped[Part] = relationship()


class PurchaseSuggestion(Base):
    """Stock fell below its safety level: order ``quantity`` more. One open per pair."""

    __tablename__ = "sp_purchase_suggestions"
    __table_args__ = (
        Index(
            "uq_sp_purchase_suggestions_open",
            "part_id",
            "warehouse_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("sp_parts.id", ondelete="RESTRICT"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("sp_warehouses.id", ondelete="RESTRICT"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    available: Mapped[Decimal] = mapped_column(Quantity)
    safety_stock: Mapped[Decimal] = mapped_column(Quantity)
    policy: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    part: Mapped[Part] = relationship()
    warehouse: Mapped[Warehouse] = relationship()
