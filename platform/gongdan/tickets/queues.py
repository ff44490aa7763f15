"""The agent workspace's queues, filters and search: one SQL query per list, paginated.

Every query starts from :func:`gongdan.tickets.visibility.visible_tickets`, so a queue never
shows a ticket its viewer may not see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import Session, selectinload

from gongdan.accounts.models import User
from gongdan.customers.models import Asset, Contact, Customer
from gongdan.db import utcnow
from gongdan.sla.models import SlaClock
from gongdan.tickets.models import Ticket
from gongdan.tickets.visibility import SEE_ALL_ROLES, visible_tickets

#: Queue keys in the order the workspace shows them.
QUEUES: tuple[str, ...] = ("mine", "department", "unassigned", "overdue", "open", "all")
#: State categories of tickets still being worked on.
OPEN_CATEGORIES: tuple[str, ...] = ("open", "paused")
#: Filters the list understands (query string name → ticket column).
FILTER_COLUMNS: Mapping[str, Any] = {
    "state": Ticket.state,
    "department": Ticket.department_key,
    "priority": Ticket.priority,
    "type": Ticket.type_key,
    "channel": Ticket.channel,
    "customer": Ticket.customer_id,
}
#: Tickets per page.
PAGE_SIZE = 25


def overdue_ticket_ids(now: datetime | None = None) -> Select[tuple[int]]:
    """Ids of tickets with a running clock (not stopped, not paused) whose deadline has passed.

    Read through the partial index ``ix_sla_clocks_running_due``: the cost follows the number
    of overdue clocks, not of tickets.
    """
    moment = now or utcnow()
    return select(SlaClock.ticket_id).where(
        SlaClock.stopped_at.is_(None),
        SlaClock.paused_at.is_(None),
        SlaClock.due_at < moment,
    )


def overdue_condition(now: datetime | None = None) -> ColumnElement[bool]:
    """Tickets that :func:`overdue_ticket_ids` names."""
    return Ticket.id.in_(overdue_ticket_ids(now))


def available_queues() -> tuple[str, ...]:
    """The queues this installation offers."""
    return QUEUES


def _department_key(user: User) -> str | None:
    return user.department.key if user.department is not None else None


def _narrowing(queue: str, user: User) -> ColumnElement[bool] | None:
    """What ``queue`` asks of an open ticket besides being open (``None``: nothing more)."""
    if queue == "mine":
        return Ticket.assignee_id == user.id
    if queue == "department":
        department = _department_key(user)
        return Ticket.department_key == department if department else false()
    if queue == "unassigned":
        return Ticket.assignee_id.is_(None)
    if queue == "overdue":
        return overdue_condition()
    return None


def queue_condition(queue: str, user: User) -> ColumnElement[bool]:
    """The WHERE clause of ``queue`` for ``user`` (unknown queues mean all open)."""
    if queue == "all":
        return true()
    is_open = Ticket.state_category.in_(OPEN_CATEGORIES)
    narrowing = _narrowing(queue, user)
    return is_open if narrowing is None else and_(narrowing, is_open)


def search_condition(text: str) -> ColumnElement[bool] | None:
    """Tickets whose number, subject, customer, contact, phone or serial number contains ``text``.

    The subject carries the symptom (or the type's first text field), so text search covers what
    the caller described. Written as a union of ticket ids, one indexed branch each: on
    PostgreSQL every ``ILIKE '%…%'`` is answered by a trigram index (migration 0006), so a
    search over a million tickets reads only the matching rows. ``%`` and ``_`` typed by the
    user match themselves.
    """
    text = text.strip()
    if not text:
        return None
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def like(column: ColumnElement[Any]) -> ColumnElement[bool]:
        return column.ilike(pattern, escape="\\")

    customer_ids = select(Customer.id).where(
        or_(like(Customer.name), like(Customer.code), like(Customer.phone))
    )
    contact_customer_ids = select(Contact.customer_id).where(
        or_(like(Contact.name), like(Contact.phone), like(Contact.mobile))
    )
    matches = union(
        select(Ticket.id).where(like(Ticket.number)),
        select(Ticket.id).where(like(Ticket.subject)),
        select(Ticket.id).where(Ticket.customer_id.in_(union(customer_ids, contact_customer_ids))),
        select(Ticket.id).where(
            Ticket.asset_id.in_(select(Asset.id).where(like(Asset.serial_number)))
        ),
    )
    return Ticket.id.in_(matches)


@dataclass(frozen=True)
class TicketPage:
    """One page of a ticket list."""

    tickets: list[Ticket]
    page: int
    has_next: bool


def filtered_tickets(
    user: User, *, queue: str, filters: Mapping[str, str], search: str = ""
) -> Select[tuple[Ticket]]:
    """The query of ``queue`` with the chosen filters and search, newest first."""
    query = visible_tickets(user).where(queue_condition(queue, user))
    for name, value in filters.items():
        column = FILTER_COLUMNS.get(name)
        if column is None or value == "":
            continue
        if name == "customer":
            if not value.isdigit():
                continue
            query = query.where(column == int(value))
        else:
            query = query.where(column == value)
    condition = search_condition(search)
    if condition is not None:
        query = query.where(condition)
    return query.order_by(Ticket.created_at.desc(), Ticket.id.desc())


def list_page(
    session: Session,
    user: User,
    *,
    queue: str,
    filters: Mapping[str, str],
    search: str = "",
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> TicketPage:
    """One page (1-based) of the list; one more row is read to know whether a next page exists."""
    page = max(page, 1)
    query = filtered_tickets(user, queue=queue, filters=filters, search=search)
    # The customer and assignee of a page's rows come in one more query each, not one per row.
    query = query.options(selectinload(Ticket.customer), selectinload(Ticket.assignee))
    rows = list(session.scalars(query.limit(page_size + 1).offset((page - 1) * page_size)))
    return TicketPage(rows[:page_size], page, len(rows) > page_size)


def queue_counts(session: Session, user: User) -> dict[str, int]:
    """How many visible open tickets each queue holds, read from indexes only.

    On PostgreSQL an index-only scan of ``ix_tickets_category_department`` counts the open
    tickets, and one of ``ix_sla_clocks_running_due`` the overdue ones. For staff who see every
    ticket the overdue count needs no ticket at all: only open tickets have running clocks.

    ``all`` is not counted: counting every closed ticket of the history on each page view
    would cost more than the rest of the page together and tell an agent nothing.
    """
    queues = [queue for queue in available_queues() if queue != "all"]
    sees_all = user.active and user.role in SEE_ALL_ROLES
    counted = [queue for queue in queues if not (sees_all and queue == "overdue")]
    columns = []
    for queue in counted:
        narrowing = _narrowing(queue, user)
        count = func.count() if narrowing is None else func.count().filter(narrowing)
        columns.append(count.label(queue))
    query = (
        visible_tickets(user)
        .with_only_columns(*columns)
        .select_from(Ticket)
        .where(Ticket.state_category.in_(OPEN_CATEGORIES))
    )
    row = session.execute(query).one()
    counts = {queue: int(row._mapping[queue]) for queue in counted}
    if "overdue" in queues and "overdue" not in counts:
        overdue = overdue_ticket_ids().with_only_columns(
            func.count(func.distinct(SlaClock.ticket_id))
        )
        counts["overdue"] = int(session.scalar(overdue) or 0)
    return {queue: counts[queue] for queue in queues}
