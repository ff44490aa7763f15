"""Events and signals: one event per change, sent inside the transaction, rolled back with it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from tests.gongdan.tickets.conftest import World, counts, repair_fields

from gongdan.customers.models import ServiceContract
from gongdan.db import utcnow
from gongdan.errors import PermissionDenied
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import accept_assignment, add_comment, assign_ticket, transfer_ticket
from gongdan.tickets.signals import after_ticket_commit, ticket_event_recorded


@pytest.fixture
def received() -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def on_event(sender: Ticket, **kwargs: Any) -> None:
        seen.append(("event", kwargs["event"].kind))
        assert kwargs["session"] is not None and kwargs["event"].id is not None

    def on_commit(sender: Ticket, **kwargs: Any) -> None:
        seen.append(("commit", [event.kind for event in kwargs["events"]]))

    ticket_event_recorded.connect(on_event)
    after_ticket_commit.connect(on_commit)
    yield seen
    ticket_event_recorded.disconnect(on_event)
    after_ticket_commit.disconnect(on_commit)


def test_signals_are_sent_for_every_event_then_after_commit(
    world: World, new_repair: Callable[..., Ticket], received: list[tuple[str, Any]]
) -> None:
    ticket = new_repair()
    add_comment(world.session, world.user("agent"), ticket.id, body="hi")
    assert received[0] == ("event", "created")
    assert ("commit", ["created"]) in received
    assert received[-2:] == [("event", "commented"), ("commit", ["commented"])]


def test_a_failing_receiver_rolls_the_whole_change_back(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = new_repair()
    before = counts(world.session)

    def refuse(sender: Ticket, **kwargs: Any) -> None:
        raise PermissionDenied("a plugin refused")

    ticket_event_recorded.connect(refuse)
    try:
        with pytest.raises(PermissionDenied, match="a plugin refused"):
            add_comment(world.session, world.user("agent"), ticket.id, body="hi")
    finally:
        ticket_event_recorded.disconnect(refuse)
    assert counts(world.session) == before


def test_the_assignee_accepts_and_reassignment_resets_it(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    session = world.session
    ticket = new_repair()
    engineer = world.user("engineer")
    ticket = assign_ticket(
        session,
        world.user("dispatcher"),
        ticket.id,
        assignee_id=engineer.id,
        reason="x",
        expected_version=1,
    )
    with pytest.raises(PermissionDenied, match="only the assignee"):
        accept_assignment(session, world.user("admin"), ticket.id, expected_version=ticket.version)
    ticket = accept_assignment(session, engineer, ticket.id, expected_version=ticket.version)
    assert ticket.accepted_at is not None and ticket.events[-1].kind == "accepted"
    ticket = assign_ticket(
        session,
        world.user("dispatcher"),
        ticket.id,
        assignee_id=world.user("off_engineer").id,
        reason="换人",
        expected_version=ticket.version,
        force=True,
    )
    assert ticket.accepted_at is None


def test_an_active_contract_makes_the_charge_class_contract(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    today = utcnow().date()
    world.session.add(
        ServiceContract(
            customer_id=world.customers["acme"].id,
            number="SC-1",
            level="premium",
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=300),
        )
    )
    world.session.commit()
    covered = new_repair(
        asset_id=world.assets["expired"].id, fields=repair_fields(world, serial_no=None)
    )
    in_warranty = new_repair(
        asset_id=world.assets["warranty"].id, fields=repair_fields(world, serial_no=None)
    )
    assert (covered.charge_class, in_warranty.charge_class) == ("contract", "warranty")


def test_a_service_called_by_a_receiver_joins_the_transaction(
    world: World, new_repair: Callable[..., Ticket], received: list[tuple[str, Any]]
) -> None:
    ticket = new_repair()

    def note(sender: Ticket, **kwargs: Any) -> None:
        if kwargs["event"].kind == "transferred":
            add_comment(kwargs["session"], None, sender.id, body="auto", internal=True)

    ticket_event_recorded.connect(note)
    try:
        transfer_ticket(
            world.session,
            world.user("agent"),
            ticket.id,
            department="tech_support",
            reason="诊断",
            expected_version=1,
        )
    finally:
        ticket_event_recorded.disconnect(note)
    assert received[-1] == ("commit", ["transferred", "commented"])
