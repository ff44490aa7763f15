"""Parts reports, computed in SQL: consumption by part, product, engineer or month, and the
failure rate by part (faulty parts returned per part consumed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.errors import ValidationFailed
from gongdan.tickets.models import Ticket
from gongdan_spare_parts.models import FaultyReturn, Part, PartLine

GROUPINGS = ("part", "product", "engineer", "month")


@dataclass(frozen=True, slots=True)
class ConsumptionRow:
    """One group's consumption: lines, quantity, cost, and what was charged."""

    key: str
    lines: int
    quantity: Decimal
    cost: Decimal
    charged: Decimal


@dataclass(frozen=True, slots=True)
class FailureRow:
    """A part's faulty returns per unit consumed in the period."""

    part: str
    name: str
    consumed: Decimal
    faulty: int

    @property
    def rate(self) -> Decimal | None:
        """Faulty returns per unit consumed; ``None`` when nothing was consumed."""
        return (
            (Decimal(self.faulty) / self.consumed).quantize(Decimal("0.001"))
            if self.consumed
            else None
        )


def _month(session: Session, column: sa.ColumnElement[datetime]) -> sa.ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def consumption(
    session: Session, *, start: datetime, end: datetime, by: str
) -> list[ConsumptionRow]:
    """Parts consumed in ``[start, end)`` grouped ``by`` part, product, engineer or month.

    :raises ValidationFailed: an unknown grouping or an empty period.
    """
    if by not in GROUPINGS:
        raise ValidationFailed(f"group by one of {', '.join(GROUPINGS)}, not {by!r}")
    if end <= start:
        raise ValidationFailed(
            f"the period must end after it starts ({start:%Y-%m-%d} – {end:%Y-%m-%d})"
        )
    key: sa.ColumnElement[str] = {
        "part": Part.number,
        "product": sa.func.coalesce(Ticket.fields["product_model"].as_string(), "-"),
        "engineer": sa.func.coalesce(User.display_name, "-"),
        "month": _month(session, PartLine.consumed_at),
    }[by]
    quantity = sa.func.sum(PartLine.quantity)
    query = (
        sa.select(
            key.label("key"),
            sa.func.count(PartLine.id),
            quantity,
            sa.func.sum(PartLine.quantity * Part.unit_cost),
            sa.func.sum(
                sa.case(
                    (PartLine.charged.is_(True), PartLine.quantity * PartLine.unit_price), else_=0
                )
            ),
        )
        .join(Part, Part.id == PartLine.part_id)
        .where(
            PartLine.status == "consumed",
            PartLine.consumed_at >= start,
            PartLine.consumed_at < end,
        )
        .group_by(key)
        .order_by(quantity.desc(), key)
    )
    if by == "product":
        query = query.join(Ticket, Ticket.id == PartLine.ticket_id)
    if by == "engineer":
        query = query.outerjoin(User, User.id == PartLine.requested_by_id)
    return [
        ConsumptionRow(str(k), int(n), Decimal(q or 0), Decimal(c or 0), Decimal(ch or 0))
        for k, n, q, c, ch in session.execute(query)
    ]


def failure_rate(session: Session, *, start: datetime, end: datetime) -> list[FailureRow]:
    """Per part: units consumed and faulty parts returned in ``[start, end)``."""
    consumed = (
        sa.select(PartLine.part_id, sa.func.sum(PartLine.quantity).label("consumed"))
        .where(
            PartLine.status == "consumed", PartLine.consumed_at >= start, PartLine.consumed_at < end
        )
        .group_by(PartLine.part_id)
        .subquery()
    )
    faulty = (
        sa.select(FaultyReturn.part_id, sa.func.count(FaultyReturn.id).label("faulty"))
        .where(FaultyReturn.created_at >= start, FaultyReturn.created_at < end)
        .group_by(FaultyReturn.part_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(
            Part.number,
            Part.name,
            sa.func.coalesce(consumed.c.consumed, 0),
            sa.func.coalesce(faulty.c.faulty, 0),
        )
        .outerjoin(consumed, consumed.c.part_id == Part.id)
        .outerjoin(faulty, faulty.c.part_id == Part.id)
        .where(sa.or_(consumed.c.part_id.is_not(None), faulty.c.part_id.is_not(None)))
        .order_by(Part.number)
    )
    return [FailureRow(n, name, Decimal(c), int(f)) for n, name, c, f in rows]
