"""The tickets a report counts: its scope, filters, group-by dimension and per-ticket rows.

Every KPI query (:mod:`gongdan.reports.queries`) starts from :func:`ticket_rows`: one row per
ticket in scope with its ``group_key`` and the values the KPI aggregates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause, Subquery

from gongdan.customers.models import Customer
from gongdan.reports.params import ReportParams
from gongdan.reports.sql import period_bucket
from gongdan.tickets.models import Ticket

#: State categories of tickets still being worked on, and of finished ones.
OPEN_CATEGORIES: tuple[str, ...] = ("open", "paused")
DONE_CATEGORIES: tuple[str, ...] = ("resolved", "closed")


def product_column() -> ColumnElement[str]:
    """The ticket's product model (``fields.product_model``) as text."""
    return Ticket.fields["product_model"].as_string()


def fault_code_column() -> ColumnElement[str]:
    """The ticket's fault code (``fields.fault_code``) as text."""
    return Ticket.fields["fault_code"].as_string()


def dimension_column(dimension: str, period: str) -> ColumnElement[Any]:
    """The SQL value of ``dimension`` for a ticket (``period``: its creation period)."""
    columns: dict[str, Any] = {
        "region": Customer.region,
        "customer": Ticket.customer_id,
        "department": Ticket.department_key,
        "engineer": Ticket.assignee_id,
        "type": Ticket.type_key,
        "channel": Ticket.channel,
    }
    if dimension == "period":
        return period_bucket(Ticket.created_at, period)
    if dimension == "product":
        return product_column()
    return columns[dimension]


def filter_conditions(filters: Mapping[str, str | int]) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the report's filters."""
    return [dimension_column(name, "day") == value for name, value in filters.items()]


def needs_customers(params: ReportParams) -> bool:
    """Whether the report filters or groups by a column of the customer."""
    return "region" in params.filters or params.group_by == "region"


def tickets_from(params: ReportParams) -> FromClause:
    """The tickets table, joined to customers when the report needs them."""
    tickets: FromClause = Ticket.__table__
    if needs_customers(params):
        tickets = tickets.outerjoin(Customer, Customer.id == Ticket.customer_id)
    return tickets


def in_period(params: ReportParams) -> ColumnElement[bool]:
    """Tickets created in the report's period."""
    return sa.and_(Ticket.created_at >= params.start, Ticket.created_at < params.end)


def still_open(params: ReportParams) -> ColumnElement[bool]:
    """Tickets open now that were created before the end of the period (the snapshot)."""
    return sa.and_(Ticket.state_category.in_(OPEN_CATEGORIES), Ticket.created_at < params.end)


def group_key(params: ReportParams) -> ColumnElement[Any]:
    """The value of the report's group-by dimension (``NULL`` when not grouped)."""
    if params.group_by is None:
        return sa.null()
    return dimension_column(params.group_by, params.period)


def ticket_rows(
    params: ReportParams,
    values: Mapping[str, ColumnElement[Any]],
    *,
    where: Sequence[ColumnElement[bool]] = (),
    scope: ColumnElement[bool] | None = None,
    source: FromClause | None = None,
) -> Subquery:
    """One row per ticket in scope: ``group_key`` and ``values`` (the inner query)."""
    query = (
        sa.select(group_key(params).label("group_key"), *(v.label(k) for k, v in values.items()))
        .select_from(source if source is not None else tickets_from(params))
        .where(in_period(params) if scope is None else scope)
        .where(*filter_conditions(params.filters), *where)
    )
    return query.subquery("ticket_rows")


def with_customers(params: ReportParams, source: FromClause) -> FromClause:
    """``source`` joined to customers when the report needs them."""
    if needs_customers(params):
        return source.outerjoin(Customer, Customer.id == Ticket.customer_id)
    return source
