"""Who may do what: roles of an actor, seeing a ticket, creating a type, Role permissions.

The rules mirror :func:`gongdan.tickets.visibility.visible_tickets` (the SQL side): customers
see their own organisation's tickets; engineers and quality inspectors what is assigned to them
or owned by their department; staff roles see everything; an unknown role sees nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gongdan.accounts.models import User

if TYPE_CHECKING:
    from gongdan.definitions.compiled import CompiledSet, CompiledTicketType
    from gongdan.tickets.models import Ticket

#: The role of changes made by Gongdan itself (automations, inbound channels): ``actor=None``.
SYSTEM_ROLE = "system"

#: Roles that see every ticket.
SEE_ALL_ROLES = frozenset({"admin", "manager", "dispatcher", "agent", "service_manager"})

#: Roles that see tickets assigned to them or owned by their department.
DEPARTMENT_ROLES = frozenset({"engineer", "quality_inspector"})

#: Staff roles: everyone but customers (internal comments, dispatching ...).
STAFF_ROLES = SEE_ALL_ROLES | DEPARTMENT_ROLES


def actor_roles(user: User | None) -> frozenset[str]:
    """The roles ``user`` acts in (``{"system"}`` for ``None``; none when inactive)."""
    if user is None:
        return frozenset({SYSTEM_ROLE})
    if not user.active:
        return frozenset()
    return frozenset({user.role})


def is_customer(user: User | None) -> bool:
    """Whether ``user`` is a customer's own user (not staff, not the system)."""
    return user is not None and user.role == "customer"


def is_staff(user: User | None) -> bool:
    """Whether ``user`` is active staff (any role but customer; the system counts as staff)."""
    return user is None or (user.active and user.role in STAFF_ROLES)


def user_department_key(user: User) -> str | None:
    """The key of ``user``'s department, or ``None``."""
    department = user.department
    return department.key if department is not None else None


def may_view_ticket(user: User | None, ticket: Ticket) -> bool:
    """Whether ``user`` may see ``ticket`` (the same rule as ``visible_tickets``)."""
    if user is None:
        return True
    if not user.active:
        return False
    if user.role in SEE_ALL_ROLES:
        return True
    if user.role == "customer":
        return user.customer_id is not None and ticket.customer_id == user.customer_id
    if user.role in DEPARTMENT_ROLES:
        if ticket.assignee_id == user.id:
            return True
        department = user_department_key(user)
        return department is not None and ticket.department_key == department
    return False


def may_create_type(user: User | None, ticket_type: CompiledTicketType) -> bool:
    """Whether ``user`` may create tickets of ``ticket_type`` (its ``permissions.create``).

    A type that lists no roles may be created by staff and the system, not by customers.
    """
    roles = actor_roles(user)
    allowed = ticket_type.permissions.create
    if not allowed:
        return not is_customer(user) and bool(roles)
    return SYSTEM_ROLE in roles or bool(roles & allowed) or "admin" in roles


def has_permission(user: User | None, permission: str, compiled_set: CompiledSet) -> bool:
    """Whether one of ``user``'s roles grants ``permission`` in the Role definitions.

    The system has every permission; ``admin`` has every one too when the pack defines no admin
    role.
    """
    if user is None:
        return True
    for role in actor_roles(user):
        definition = compiled_set.roles.get(role)
        if definition is None:
            if role == "admin":
                return True
            continue
        if permission in definition.permissions:
            return True
    return False
