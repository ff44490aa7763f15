"""Concurrency: two agents on one ticket, and ticket numbers taken by many writers at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.conftest import MigratedDatabase
from tests.gongdan.tickets.conftest import World

from gongdan.accounts.models import User
from gongdan.errors import StaleTicket
from gongdan.tickets import changes
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.numbering import next_number
from gongdan.tickets.services import get_ticket, run_transition


def test_two_agents_race_on_one_ticket_exactly_one_wins(
    world: World,
    new_repair: Callable[..., Ticket],
    database: MigratedDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = new_repair()
    ticket_id, agent_ids = ticket.id, [world.user("agent").id, world.user("dispatcher").id]
    world.session.commit()
    engine = database.new_engine()
    # Both pass the version check before either writes: the database must pick the winner.
    barrier = threading.Barrier(2, timeout=10)
    original = changes.load_for_write

    def load_then_wait(*args: Any, **kwargs: Any) -> Ticket:
        loaded = original(*args, **kwargs)
        barrier.wait()
        return loaded

    monkeypatch.setattr(changes, "load_for_write", load_then_wait)

    def agent(user_id: int, transition: str, comment: str | None) -> str:
        with Session(engine) as session:
            actor = session.get(User, user_id)
            seen = get_ticket(session, actor, ticket_id)
            version = seen.version
            try:
                run_transition(
                    session, actor, ticket_id, transition, expected_version=version, comment=comment
                )
            except StaleTicket as stale:
                return stale.message
            return "won"

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(agent, agent_ids, ["accept", "ask_customer"], [None, "请补充照片"]))
    engine.dispose()
    assert sorted(results)[-1] == "won" and results.count("won") == 1
    loser = next(r for r in results if r != "won")
    assert loser == (
        f"ticket {ticket.number} changed since you opened it (version 1, now 2); "
        "reload and try again"
    )
    world.session.expire_all()
    fresh = world.session.get(Ticket, ticket_id)
    assert fresh.version == 2 and fresh.state in ("diagnosing", "waiting_customer")
    kinds = [e.kind for e in world.session.query(TicketEvent).filter_by(ticket_id=ticket_id)]
    assert kinds == ["created", "transition"]


def test_numbers_are_unique_under_concurrency(world: World, database: MigratedDatabase) -> None:
    engine = database.new_engine()
    when = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 01:30 on the 24th in Shanghai

    def take(_: int) -> str:
        with Session(engine) as session:
            number = next_number(session, "RP-{yyyy}{mm}{dd}-{seq:4}", "repair", when)
            session.commit()
            return number

    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(take, range(40)))
    engine.dispose()
    assert sorted(numbers) == [f"RP-20261124-{n:04d}" for n in range(1, 41)]


def test_a_rolled_back_ticket_gives_its_number_back(world: World) -> None:
    session = world.session
    when = datetime(2026, 1, 2, tzinfo=UTC)
    assert next_number(session, None, "repair", when) == "REPAIR-20260102-0001"
    session.rollback()
    assert next_number(session, None, "repair", when) == "REPAIR-20260102-0001"
    assert next_number(session, "{type}/{yy}{mm}/{seq:2}/x", "repair", when) == "repair/2601/01/x"
    assert next_number(session, "FIX-{yyyy}", "fix", when) == "FIX-20260001"
    session.rollback()
