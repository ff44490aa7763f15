"""Which tickets a user may see: the one rule every list, search and report applies."""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from gongdan.accounts.models import Department, User
from gongdan.tickets.models import Ticket

#: Roles that see every ticket.
SEE_ALL_ROLES = frozenset({"admin", "manager", "dispatcher", "agent"})


def visible_tickets(user: User) -> Select[tuple[Ticket]]:
    """A query of the tickets ``user`` may see.

    Customers see their organisation's tickets; engineers those assigned to them or owned by
    their department; staff roles see all. Anyone else sees nothing.
    """
    query = select(Ticket)
    if user.role in SEE_ALL_ROLES:
        return query
    if user.role == "customer":
        if user.customer_id is None:
            return query.where(false())
        return query.where(Ticket.customer_id == user.customer_id)
    if user.role == "engineer":
        department_key = (
            select(Department.key).where(Department.id == user.department_id).scalar_subquery()
        )
        return query.where(
            or_(Ticket.assignee_id == user.id, Ticket.department_key == department_key)
        )
    return query.where(false())
