"""Fifty transitions on one ticket at once from several processes, on PostgreSQL.

Agents in separate processes read the same version, then all try a transition with it: one
wins per version, the others are told the ticket changed (``StaleTicket``, 409 over the API),
and the ticket's history stays whole — no lost event, no comment of a loser, no gap in the
chain of states.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import MigratedDatabase
from tests.gongdan.api.world import build_world, consultation
from tests.gongdan.tickets.conftest import World
from tests.gongdan.tickets.racers import race_through_http, race_through_services
from werkzeug.serving import make_server

from gongdan.db import db
from gongdan.tickets.models import Ticket, TicketComment, TicketEvent
from gongdan.tickets.services import create_ticket

pytestmark = [
    pytest.mark.parametrize(
        "db_backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
    ),
    pytest.mark.slow,
]

#: Racing processes and rounds: 5 × 10 = 50 transitions tried.
RACERS = 5
ROUNDS = 10


def _run_racers(target: Any, arguments: list[tuple[Any, ...]]) -> dict[int, list[tuple[int, str]]]:
    """Start one spawned process per argument tuple (after ``racer``, before the barrier)."""
    context = multiprocessing.get_context("spawn")  # no inherited connections or threads
    barrier = context.Barrier(len(arguments))
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(racer, *args, barrier, results), daemon=True)
        for racer, args in enumerate(arguments)
    ]
    for process in processes:
        process.start()
    collected = dict(results.get(timeout=300) for _ in processes)
    for process in processes:
        process.join(30)
        assert process.exitcode == 0, f"racer process exited with {process.exitcode}"
    results.close()
    results.join_thread()
    return collected


def _rounds(collected: dict[int, list[tuple[int, str]]]) -> list[list[tuple[int, str]]]:
    """The outcomes of every racer, round by round."""
    assert sorted(collected) == list(range(RACERS))
    assert all(len(outcomes) == ROUNDS for outcomes in collected.values()), collected
    return [[collected[racer][n] for racer in range(RACERS)] for n in range(ROUNDS)]


def _history(session: Session, ticket_id: int) -> tuple[Ticket, list[TicketEvent]]:
    session.expire_all()
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None
    events = list(
        session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        )
    )
    return ticket, events


def _assert_history_is_a_chain(ticket: Ticket, events: list[TicketEvent], wins: int) -> None:
    """One ``created`` then one ``transition`` per win, each starting where the last ended."""
    assert [e.kind for e in events] == ["created"] + ["transition"] * wins
    state = events[0].data["state"]
    for event in events[1:]:
        assert event.data["from"] == state, [e.data for e in events]
        state = event.data["to"]
    assert ticket.state == state
    assert ticket.version == wins + 1


def test_fifty_racing_transitions_one_winner_per_version_and_an_unbroken_history(
    world: World, database: MigratedDatabase
) -> None:
    ticket = create_ticket(
        world.session, world.user("agent"), type_key="consultation", channel="phone",
        fields={"customer": world.customers["acme"].id, "topic": "cleaning",
                "question": "How often to descale?"},
    )  # fmt: skip
    ticket_id, agent_id = ticket.id, world.user("agent").id
    world.session.commit()

    collected = _run_racers(
        race_through_services,
        [(database.url, database.engine_options, ticket_id, agent_id, ROUNDS)] * RACERS,
    )

    for number, outcomes in enumerate(_rounds(collected), start=1):
        versions = {version for version, _ in outcomes}
        assert versions == {number}, f"round {number}: racers read versions {versions}"
        assert Counter(outcome for _, outcome in outcomes) == {"won": 1, "stale": RACERS - 1}
    ticket, events = _history(world.session, ticket_id)
    _assert_history_is_a_chain(ticket, events, ROUNDS)
    # A loser's comment went down with its transaction; each winner's is there exactly once.
    winners = {
        (version, racer)
        for racer, outcomes in collected.items()
        for version, outcome in outcomes
        if outcome == "won"
    }
    expected = sorted(
        f"racer {racer} at version {version}" for version, racer in winners if version % 2 == 1
    )
    comments = world.session.scalars(
        select(TicketComment.body).where(TicketComment.ticket_id == ticket_id)
    ).all()
    assert sorted(comments) == expected


@pytest.fixture
def live_api(app: Flask) -> Iterator[str]:
    """``app`` served on a free local port by a threaded server, stopped after the test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(10)


def test_racing_api_clients_get_409_stale_and_exactly_one_200_per_version(
    app: Flask, live_api: str
) -> None:
    world = build_world(app)
    created = world.call("POST", "/api/v1/tickets", "agent", json=consultation(world))
    assert created.status_code == 201, created.get_data(as_text=True)
    ticket_id = created.json["id"]

    collected = _run_racers(
        race_through_http, [(live_api, world.tokens["agent"], ticket_id, ROUNDS)] * RACERS
    )

    per_version: dict[int, Counter[str]] = defaultdict(Counter)
    for outcomes in _rounds(collected):
        for version, outcome in outcomes:
            per_version[version][outcome] += 1
    assert sorted(per_version) == list(range(1, ROUNDS + 1))
    for version, outcomes in per_version.items():
        assert outcomes == {"200:ok": 1, "409:stale": RACERS - 1}, (version, outcomes)
    with app.app_context():
        ticket, events = _history(db.session, ticket_id)
        _assert_history_is_a_chain(ticket, events, ROUNDS)
