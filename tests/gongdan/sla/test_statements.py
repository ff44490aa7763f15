"""What one ticket creation reads: the services it runs share their reads (no timing here).

Routing, SLA, notifications and automations all react to the ``created`` event in the same
transaction. They read the definition generation, the pinned revisions and the ticket's
customer and contact once between them, and routing counts only its candidates' tickets.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from tests.gongdan.sla.conftest import World


@contextmanager
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


@pytest.mark.usefixtures("routing_on")
def test_creating_a_routed_ticket_with_sla_reads_shared_things_once(world: World) -> None:
    world.repair("acme")  # the first ticket compiles and caches the definitions
    with statements(world.session.get_bind()) as seen:
        ticket = world.repair("acme")
    assert world.clocks(ticket.id)

    def reads(table: str) -> int:
        return sum(1 for s in seen if s.startswith("SELECT") and f"FROM {table} " in f"{s} ")

    def by_id(table: str) -> int:
        return sum(1 for s in seen if f"FROM {table} WHERE {table}.id = " in s)

    assert reads("definition_set_state") == 1
    assert by_id("customers") == 1
    assert by_id("contacts") == 1
    # Routing's load count reads the department's engineers' tickets, not every open one.
    candidates = [s for s in seen if "AS open_count" in s]
    assert candidates and all("assignee_id IN (SELECT users" in s for s in candidates)
