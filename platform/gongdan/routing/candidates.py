"""The engineers who could take a ticket, with their open tickets, in ONE query.

Open tickets are counted by an aggregate subquery joined to the users (never a query per
engineer), so routing costs the same with 3 engineers or 300, and only the department's
engineers' open tickets are counted, so it costs the same with 1 000 or 100 000 open tickets.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.routing.models import EngineerLastAssignment
from gongdan.routing.strategies import Candidate
from gongdan.tickets.models import Ticket

#: Roles routing assigns to: engineers, and the call centre's agents (the default pack routes
#: e-mail and WeChat tickets round robin to ``customer_service``, which is staffed by agents).
ASSIGNABLE_ROLES: tuple[str, ...] = ("engineer", "agent")

#: Ticket state categories that still weigh on the assignee (waiting for the customer too).
OPEN_CATEGORIES: tuple[str, ...] = ("open", "paused")


def candidates_query(
    department: str,
    *,
    exclude_ticket_id: int | None = None,
    roles: Sequence[str] = ASSIGNABLE_ROLES,
) -> Select[tuple[object, ...]]:
    """The SELECT behind :func:`load_candidates` (for inspection and tests)."""
    members = (
        select(User.id)
        .join(Department, User.department_id == Department.id)
        .where(Department.key == department, User.active.is_(True), User.role.in_(roles))
    )
    # Only the candidates' open tickets are counted, each engineer's read from the index
    # ix_tickets_assignee_category: the cost follows the department, not the whole backlog.
    count = func.count()
    if exclude_ticket_id is not None:
        # The ticket being routed must not count against its current assignee. A FILTER,
        # not a WHERE: "id <> x" in the WHERE makes PostgreSQL scan every open ticket.
        count = count.filter(Ticket.id != exclude_ticket_id)
    counted = select(Ticket.assignee_id.label("user_id"), count.label("open_count")).where(
        Ticket.assignee_id.in_(members), Ticket.state_category.in_(OPEN_CATEGORIES)
    )
    open_counts = counted.group_by(Ticket.assignee_id).subquery("open_counts")
    return (
        select(
            User.id,
            User.display_name,
            User.skills,
            User.availability,
            User.capacity,
            func.coalesce(open_counts.c.open_count, 0),
            User.last_lat,
            User.last_lng,
            User.last_located_at,
            EngineerLastAssignment.assigned_at,
        )
        .join(Department, User.department_id == Department.id)
        .outerjoin(open_counts, open_counts.c.user_id == User.id)
        .outerjoin(EngineerLastAssignment, EngineerLastAssignment.user_id == User.id)
        .where(Department.key == department, User.active.is_(True), User.role.in_(roles))
        .order_by(User.id)
    )


def load_candidates(
    session: Session, department: str, *, exclude_ticket_id: int | None = None
) -> list[Candidate]:
    """Active engineers (and agents) of ``department`` with their open-ticket counts."""
    rows = session.execute(candidates_query(department, exclude_ticket_id=exclude_ticket_id))
    return [
        Candidate(
            user_id=user_id,
            name=name,
            skills=frozenset(str(s) for s in skills or () if s is not None),
            availability=availability or "available",
            capacity=capacity if capacity is not None else 0,
            open_count=int(open_count or 0),
            lat=lat,
            lng=lng,
            located_at=located_at,
            last_assigned_at=assigned_at,
        )
        for (
            user_id,
            name,
            skills,
            availability,
            capacity,
            open_count,
            lat,
            lng,
            located_at,
            assigned_at,
        ) in rows  # fmt: skip
    ]
