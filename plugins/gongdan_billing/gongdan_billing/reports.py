"""Revenue and cost reports, computed in SQL: by month, region, customer, engineer or product.

Revenue is what customers pay net of tax (``amount``), list value what the work was worth at
list price, cost what it cost the company (parts at unit cost); free and discounted lines show
as the gap between list value and revenue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.customers.models import Asset, Customer
from gongdan.tickets.models import Ticket
from gongdan_billing.models import ChargeLine

GROUPINGS = ("month", "region", "customer", "engineer", "product")


@dataclass(frozen=True)
class RevenueRow:
    """One group of a revenue report."""

    group: str
    tickets: int
    lines: int
    list_value: Decimal
    revenue: Decimal
    cost: Decimal

    @property
    def margin(self) -> Decimal:
        """Revenue minus cost."""
        return self.revenue - self.cost


def _month(session: Session, column: sa.ColumnElement[datetime]) -> sa.ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def revenue(session: Session, *, start: datetime, end: datetime, by: str) -> list[RevenueRow]:
    """Charge lines of ``[start, end)`` grouped ``by`` one of :data:`GROUPINGS`, largest
    revenue first (months in order).

    :raises ValueError: an unknown grouping.
    """
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r} (one of {', '.join(GROUPINGS)})")
    keys = {
        "month": _month(session, ChargeLine.charged_on),
        "region": sa.func.coalesce(Customer.region, ""),
        "customer": sa.func.coalesce(Customer.name, ""),
        "engineer": sa.func.coalesce(User.display_name, ""),
        "product": sa.func.coalesce(Asset.product_model, ""),
    }
    group = keys[by].label("grp")
    revenue_sum = sa.func.coalesce(sa.func.sum(ChargeLine.amount), 0)
    query = (
        sa.select(
            group,
            sa.func.count(sa.distinct(ChargeLine.ticket_id)).label("tickets"),
            sa.func.count(ChargeLine.id).label("lines"),
            sa.func.coalesce(sa.func.sum(ChargeLine.list_amount), 0).label("list_value"),
            revenue_sum.label("revenue"),
            sa.func.coalesce(sa.func.sum(ChargeLine.cost), 0).label("cost"),
        )
        .select_from(ChargeLine)
        .join(Ticket, Ticket.id == ChargeLine.ticket_id)
        .outerjoin(Customer, Customer.id == ChargeLine.customer_id)
        .outerjoin(User, User.id == ChargeLine.engineer_id)
        .outerjoin(Asset, Asset.id == Ticket.asset_id)
        .where(ChargeLine.charged_on >= start, ChargeLine.charged_on < end)
        .group_by(group)
    )
    query = query.order_by(group) if by == "month" else query.order_by(revenue_sum.desc(), group)
    return [
        RevenueRow(
            group=str(r.grp), tickets=int(r.tickets), lines=int(r.lines),
            list_value=Decimal(r.list_value).quantize(Decimal("0.01")),
            revenue=Decimal(r.revenue).quantize(Decimal("0.01")),
            cost=Decimal(r.cost).quantize(Decimal("0.01")),
        )
        for r in session.execute(query)
    ]  # fmt: skip
