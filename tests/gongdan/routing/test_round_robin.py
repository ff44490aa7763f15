"""Round robin under concurrency: two processes routing at once never hand out the same turn."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import MigratedDatabase
from tests.gongdan.routing.conftest import World

from gongdan.routing import services
from gongdan.routing.models import RoutingCursor
from gongdan.routing.services import route_ticket
from gongdan.tickets.models import Ticket, TicketEvent

PER_WORKER = 5


def test_two_sessions_routing_at_once_take_alternate_turns(
    world: World,
    new_ticket: Callable[..., Ticket],
    routed_app: Flask,
    database: MigratedDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    routed_app.extensions["gongdan.routing"] = False  # create the tickets unrouted
    fields = {"customer": world.customers["acme"].id, "topic": "operation", "question": "?"}
    ids = [
        new_ticket(type_key="consultation", channel="email", fields=fields).id
        for _ in range(2 * PER_WORKER)
    ]
    amy, al = world.id("amy"), world.id("al")
    world.session.rollback()  # no transaction of this session in the way
    original = services.load_candidates

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        # Widen the window between reading the turn and writing the next one.
        time.sleep(0.02)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "load_candidates", slow_load)
    engines = [database.new_engine(), database.new_engine()]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            with Session(engines[worker]) as session:
                start.wait()
                for ticket_id in ids[worker::2]:
                    route_ticket(session, ticket_id, rule_key="digital_channels", event="created")
                    session.commit()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()
    assert not errors, errors
    session = world.session
    events = session.scalars(select(TicketEvent).where(TicketEvent.kind == "assigned")).all()
    by_turn = {event.data["why_details"]["turn"]: event.data["to"] for event in events}
    assert sorted(by_turn) == list(range(1, 2 * PER_WORKER + 1)), "every turn handed out once"
    assert [by_turn[turn] for turn in sorted(by_turn)] == [amy, al] * PER_WORKER
    cursor = session.scalars(select(RoutingCursor)).one()
    assert (cursor.rule_key, cursor.department, cursor.position) == (
        "digital_channels",
        "customer_service",
        2 * PER_WORKER,
    )
