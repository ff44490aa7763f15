"""The candidate query: who is considered, their open tickets, and one statement for any team."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from tests.gongdan.routing.conftest import World

from gongdan.accounts.models import Department, User
from gongdan.routing.candidates import load_candidates
from gongdan.routing.services import route_ticket
from gongdan.tickets.models import Ticket


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """Collect the SQL statements ``session``'s engine sends while the block runs."""
    engine = session.get_bind()
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)


def add_engineers(world: World, count: int, department: str = "tech_support") -> None:
    session = world.session
    department_id = session.scalar(sa.select(Department.id).where(Department.key == department))
    for number in range(count):
        session.add(
            User(
                username=f"extra{number}",
                display_name=f"Extra {number}",
                role="engineer",
                department_id=department_id,
                skills=["grinder"],
            )
        )
    session.commit()


def test_candidates_are_active_assignable_staff_of_the_department_with_open_counts(
    world: World, new_ticket: Callable[..., Ticket]
) -> None:
    session = world.session
    first, second = new_ticket(), new_ticket()  # both routed to Tina
    new_ticket(customer="vip")  # Kim, another department
    session.execute(sa.update(User).where(User.username == "tom").values(active=False))
    session.execute(sa.update(Ticket).where(Ticket.id == second.id).values(state_category="closed"))
    session.commit()
    found = {c.name: c for c in load_candidates(session, "tech_support")}
    assert sorted(found) == ["Tess", "Tina"], "Tom is inactive; Kim is in key_accounts"
    assert found["Tina"].open_count == 1, "the closed ticket no longer counts"
    assert found["Tina"].skills == frozenset({"espresso"}) and found["Tina"].capacity == 12
    assert found["Tina"].last_assigned_at is not None
    assert found["Tess"].availability == "off" and found["Tess"].last_assigned_at is None
    excluded = load_candidates(session, "tech_support", exclude_ticket_id=first.id)
    assert {c.name: c.open_count for c in excluded}["Tina"] == 0
    assert [c.name for c in load_candidates(session, "customer_service")] == ["Amy", "Al"]


def test_candidates_are_loaded_by_one_statement_whatever_the_team_size(
    world: World, new_ticket: Callable[..., Ticket]
) -> None:
    session = world.session
    new_ticket()
    with statements(session) as small_team:
        assert len(load_candidates(session, "tech_support")) == 3
    assert len(small_team) == 1
    ticket = new_ticket()
    session.commit()
    with statements(session) as routing_small:
        route_ticket(session, ticket.id, event="created")
    session.rollback()
    add_engineers(world, 25)
    with statements(session) as large_team:
        assert len(load_candidates(session, "tech_support")) == 28
    assert len(large_team) == 1
    with statements(session) as routing_large:
        route_ticket(session, ticket.id, event="created")
    session.rollback()
    assert len(routing_large) == len(routing_small), "no statement per engineer"
