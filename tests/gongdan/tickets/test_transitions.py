"""Transitions, transfers and dispatch through the services, with every refusal."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from tests.gongdan.tickets.conftest import World, counts

from gongdan.errors import (
    NotFound,
    PermissionDenied,
    StaleTicket,
    TransitionNotAllowed,
    ValidationFailed,
)
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import (
    add_attachment,
    allowed_transfers,
    assign_ticket,
    available_transitions,
    run_transition,
    transfer_ticket,
    update_fields,
)

#: A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def step(world: World, ticket: Ticket, actor: str, key: str, **kwargs: object) -> Ticket:
    return run_transition(
        world.session, world.user(actor), ticket.id, key, expected_version=ticket.version, **kwargs
    )


def test_the_whole_repair_flow(world: World, new_repair: Callable[..., Ticket]) -> None:
    session = world.session
    ticket = new_repair()
    keys = [t.key for t in available_transitions(session, world.user("agent"), ticket)]
    assert keys == ["accept", "solve_at_first_contact", "ask_customer", "cancel"]
    ticket = step(world, ticket, "agent", "accept")
    assert (ticket.state, ticket.department_key) == ("diagnosing", "tech_support")
    assert ticket.first_response_at is not None
    ticket = step(world, ticket, "dispatcher", "dispatch", fields={"fault_code": "e01_no_water"})
    assert (ticket.state, ticket.department_key) == ("dispatched", "field_service")
    assert ticket.fields["fault_code"] == "e01_no_water"
    ticket = assign_ticket(
        session,
        world.user("dispatcher"),
        ticket.id,
        assignee_id=world.user("engineer").id,
        reason="nearest",
        expected_version=ticket.version,
    )
    geo = {"lat": 31.2, "lng": 121.4, "accuracy": 20, "at": "2026-11-24T08:00:00+00:00"}
    ticket = step(world, ticket, "engineer", "check_in", fields={"check_in_location": geo})
    assert ticket.state == "on_site" and ticket.checked_in_at is not None
    signature = add_attachment(
        session,
        world.user("engineer"),
        ticket.id,
        filename="sig.png",
        content_type="image/png",
        data=PNG,
        field_key="customer_signature",
    )
    ticket = session.get(Ticket, ticket.id)
    assert ticket.fields["customer_signature"] == str(signature.id)
    report = {
        "work_done": "换泵",
        "labour_hours": "2",
        "resolution_code": "part_replaced",
        "parts_used": [{"part_no": "P-1", "quantity": "1"}],
    }
    ticket = step(world, ticket, "engineer", "submit_report", fields=report)
    assert (ticket.state, ticket.department_key) == ("pending_review", "quality")
    assert ticket.fields["parts_used"] == [{"part_no": "P-1", "quantity": 1}]
    ticket = step(world, ticket, "inspector", "approve_report")
    assert ticket.state == "resolved" and ticket.resolved_at is not None
    ticket = step(world, ticket, "acme_user", "reopen", comment="还是漏水")
    assert (ticket.state, ticket.reopen_count, ticket.resolved_at) == ("diagnosing", 1, None)
    kinds = [e.kind for e in ticket.events]
    assert kinds.count("transition") == 6 and "checked_in" in kinds and "assigned" in kinds
    last = [e for e in ticket.events if e.kind == "transition"][-1]
    assert last.data["from"] == "resolved" and last.data["to"] == "diagnosing"
    assert last.data["actions"] == [
        {"do": "notify", "template": "ticket_reopened", "to": ["department_lead"]}
    ]
    assert last.actor_id == world.user("acme_user").id and last.public


def test_transition_refusals_change_nothing(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = new_repair()
    before = counts(world.session)
    with pytest.raises(
        TransitionNotAllowed, match="transition 'close' is not allowed from state 'new'"
    ):
        step(world, ticket, "agent", "close")
    with pytest.raises(TransitionNotAllowed, match="role 'customer' may not 'accept'"):
        step(world, ticket, "acme_user", "accept")
    with pytest.raises(TransitionNotAllowed, match="has no transition 'fly'"):
        step(world, ticket, "agent", "fly")
    with pytest.raises(ValidationFailed) as raised:
        step(world, ticket, "agent", "cancel")
    assert raised.value.fields == {"comment": "a comment is required to 'cancel'"}
    with pytest.raises(ValidationFailed) as raised:
        step(world, ticket, "agent", "solve_at_first_contact", comment="ok")
    assert raised.value.fields == {"resolution_code": "required for this transition"}
    with pytest.raises(ValidationFailed) as raised:  # bad field with a transition: nothing saved
        step(
            world,
            ticket,
            "agent",
            "solve_at_first_contact",
            comment="ok",
            fields={"resolution_code": "magic"},
        )
    assert "resolution_code" in raised.value.fields
    assert counts(world.session) == before
    fresh = world.session.get(Ticket, ticket.id)
    assert (fresh.state, fresh.version) == ("new", 1)


def test_condition_of_a_transition_is_checked(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = step(world, new_repair(), "agent", "accept")
    with pytest.raises(TransitionNotAllowed, match="its condition does not hold"):
        step(world, ticket, "dispatcher", "send_to_workshop", fields={"fault_code": "e02_heater"})
    assert world.session.get(Ticket, ticket.id).fields.get("fault_code") is None


def test_target_state_requirements_are_enforced(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = step(world, new_repair(), "agent", "accept")
    with pytest.raises(ValidationFailed) as raised:
        step(world, ticket, "dispatcher", "dispatch")
    assert raised.value.fields == {"fault_code": "required for this transition"}


def test_stale_version_is_refused_with_a_clear_message(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = new_repair()
    number = ticket.number
    update_fields(
        world.session,
        world.user("agent"),
        ticket.id,
        changes={"symptom": "新描述"},
        expected_version=1,
    )
    with pytest.raises(StaleTicket) as raised:
        run_transition(world.session, world.user("agent"), ticket.id, "accept", expected_version=1)
    assert raised.value.message == (
        f"ticket {number} changed since you opened it (version 1, now 2); reload and try again"
    )
    assert raised.value.status == 409


def test_transfers_follow_the_workflow(world: World, new_repair: Callable[..., Ticket]) -> None:
    session = world.session
    ticket = new_repair()
    assert allowed_transfers(session, world.user("agent"), ticket) == [
        "field_service",
        "key_accounts",
        "repair_center",
        "tech_support",
    ]
    assert allowed_transfers(session, world.user("acme_user"), ticket) == []
    before = counts(session)
    with pytest.raises(TransitionNotAllowed, match="transfer from 'customer_service' to 'quality'"):
        transfer_ticket(
            session,
            world.user("agent"),
            ticket.id,
            department="quality",
            reason="x",
            expected_version=1,
        )
    with pytest.raises(ValidationFailed, match="a reason is required"):
        transfer_ticket(
            session,
            world.user("agent"),
            ticket.id,
            department="tech_support",
            reason="  ",
            expected_version=1,
        )
    with pytest.raises(PermissionDenied):
        transfer_ticket(
            session,
            world.user("acme_user"),
            ticket.id,
            department="tech_support",
            reason="x",
            expected_version=1,
        )
    assert counts(session) == before
    ticket = transfer_ticket(
        session,
        world.user("agent"),
        ticket.id,
        department="tech_support",
        reason="需要诊断",
        expected_version=1,
    )
    assert ticket.department_key == "tech_support" and ticket.state == "new"
    event = ticket.events[-1]
    assert (event.kind, event.data["from"], event.data["to"], event.data["reason"]) == (
        "transferred",
        "customer_service",
        "tech_support",
        "需要诊断",
    )


def test_manual_dispatch(world: World, new_repair: Callable[..., Ticket]) -> None:
    session = world.session
    ticket = new_repair()
    engineer = world.user("engineer")
    with pytest.raises(PermissionDenied, match="may not dispatch"):
        assign_ticket(
            session,
            world.user("agent"),
            ticket.id,
            assignee_id=engineer.id,
            reason="me",
            expected_version=1,
        )
    with pytest.raises(ValidationFailed) as raised:
        assign_ticket(
            session,
            world.user("dispatcher"),
            ticket.id,
            assignee_id=world.user("acme_user").id,
            reason="",
            expected_version=1,
        )
    assert set(raised.value.fields) == {"reason", "assignee_id"}
    with pytest.raises(ValidationFailed, match="off duty"):
        assign_ticket(
            session,
            world.user("dispatcher"),
            ticket.id,
            assignee_id=world.user("off_engineer").id,
            reason="x",
            expected_version=1,
        )
    ticket = assign_ticket(
        session,
        world.user("dispatcher"),
        ticket.id,
        assignee_id=engineer.id,
        reason="最近的工程师",
        expected_version=1,
        department="field_service",
    )
    assert (ticket.assignee_id, ticket.department_key) == (engineer.id, "field_service")
    event = ticket.events[-1]
    assert event.kind == "assigned" and event.data["reason"] == "最近的工程师"
    assert event.data["availability"] == "available" and not event.public
    forced = assign_ticket(
        session,
        world.user("dispatcher"),
        ticket.id,
        assignee_id=world.user("off_engineer").id,
        reason="加急",
        expected_version=ticket.version,
        force=True,
    )
    assert forced.events[-1].data["forced"] is True


def test_customers_cannot_see_or_touch_other_tickets(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = new_repair()
    for actor in ("vip_user", "other_engineer", "stranger"):
        with pytest.raises(NotFound, match=f"no ticket with id {ticket.id}"):
            run_transition(world.session, world.user(actor), ticket.id, "close", expected_version=1)
    with pytest.raises(NotFound):
        update_fields(
            world.session,
            world.user("vip_user"),
            ticket.id,
            changes={"expected_by": "2026-12-01T10:00:00+08:00"},
            expected_version=1,
        )


def test_customer_may_change_only_customer_editable_fields(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = new_repair()
    with pytest.raises(ValidationFailed) as raised:
        update_fields(
            world.session,
            world.user("acme_user"),
            ticket.id,
            changes={"symptom": "x", "fault_code": "e02_heater"},
            expected_version=1,
        )
    assert raised.value.fields == {
        "symptom": "customers may not change this field",
        "fault_code": "customers may not set this field",
    }
    ticket = update_fields(
        world.session,
        world.user("acme_user"),
        ticket.id,
        changes={"expected_by": "2026-12-01T10:00:00+08:00"},
        expected_version=1,
    )
    assert ticket.version == 2
    event = ticket.events[-1]
    assert event.kind == "fields_changed" and event.public
    assert event.data["changes"] == {
        "expected_by": {"from": None, "to": "2026-12-01T10:00:00+08:00"}
    }
