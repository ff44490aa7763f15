"""Which tickets a user may see: the one rule every list, search and report applies.

:func:`gongdan.accounts.policy.may_view_ticket` is the same rule for one loaded ticket.
"""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from gongdan.accounts.models import Department, User
from gongdan.accounts.policy import DEPARTMENT_ROLES, SEE_ALL_ROLES
from gongdan.tickets.models import Ticket

__all__ = ["SEE_ALL_ROLES", "visible_tickets"]


def visible_tickets(user: User | None) -> Select[tuple[Ticket]]:
    """A query of the tickets ``user`` may see (``None``: the system, sees all).

    Customers see their organisation's tickets; engineers and quality inspectors those assigned
    to them or owned by their department; staff roles see all. Anyone else (and inactive users)
    sees nothing.
    """
    query = select(Ticket)
    if user is None:
        return query
    if not user.active:
        return query.where(false())
    if user.role in SEE_ALL_ROLES:
        return query
    if user.role == "customer":
        if user.customer_id is None:
            return query.where(false())
        return query.where(Ticket.customer_id == user.customer_id)
    if user.role in DEPARTMENT_ROLES:
        department_key = (
            select(Department.key).where(Department.id == user.department_id).scalar_subquery()
        )
        return query.where(
            or_(Ticket.assignee_id == user.id, Ticket.department_key == department_key)
        )
    return query.where(false())
