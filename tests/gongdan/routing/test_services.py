"""Routing through the ticket services: which rule fires on which event, and what it records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.gongdan.routing.conftest import World, repair_fields

from gongdan.accounts.models import User
from gongdan.errors import DefinitionNotFound
from gongdan.routing.models import EngineerLastAssignment, RoutingCursor
from gongdan.routing.services import preview_routing, route_ticket
from gongdan.routing.subscriptions import automatic_routing_off
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.services import (
    assign_ticket,
    run_transition,
    transfer_ticket,
    update_fields,
)

NewTicket = Callable[..., Ticket]


def assigned(ticket: Ticket) -> list[TicketEvent]:
    return [event for event in ticket.events if event.kind == "assigned"]


def test_a_new_repair_goes_to_the_engineer_with_its_product_line_skill(
    world: World, new_ticket: NewTicket
) -> None:
    ticket = new_ticket()
    assert (ticket.department_key, ticket.assignee_id) == ("tech_support", world.id("tina"))
    assert [event.kind for event in ticket.events] == ["created", "assigned"]
    event = ticket.events[-1]
    assert event.actor_id is None and not event.public
    assert event.data == {
        "from": None,
        "to": world.id("tina"),
        "reason": "skill espresso, 0 open of 12",
        "from_department": "customer_service",
        "to_department": "tech_support",
        "event": "created",
        "rule": "repair_by_product_line",
        "strategy": "skill_match",
        "why": "skill espresso, 0 open of 12",
        "why_details": {"department": "tech_support", "skills": ["espresso"], "open": 0,
                        "capacity": 12},
        "skipped": [[world.id("tom"), "no skill espresso"], [world.id("tess"), "off"]],
        "queue": None,
    }  # fmt: skip


def test_open_tickets_count_against_the_capacity_in_the_why(
    world: World, new_ticket: NewTicket
) -> None:
    new_ticket()
    second = new_ticket()
    assert assigned(second)[0].data["why"] == "skill espresso, 1 open of 12"


def test_vip_customers_go_to_key_accounts_by_tier_condition(
    world: World, new_ticket: NewTicket
) -> None:
    ticket = new_ticket(customer="vip")
    event = assigned(ticket)[0]
    assert (event.data["rule"], ticket.assignee_id) == ("vip_first", world.id("kim"))
    assert event.data["why"] == "skills espresso + senior, 0 open of 8"


def test_nobody_fitting_leaves_the_ticket_unassigned_in_the_fallback_queue(
    world: World, new_ticket: NewTicket
) -> None:
    session = world.session
    session.execute(update(User).where(User.username == "tina").values(availability="off"))
    session.commit()
    ticket = new_ticket()
    assert (ticket.department_key, ticket.assignee_id) == ("tech_support", None)
    event = assigned(ticket)[0]
    assert event.data["why"] == "nobody fits in tech_support (3 skipped): queue tech_support"
    assert event.data["queue"] == "tech_support"
    assert event.data["skipped"] == [
        [world.id("tina"), "off"],
        [world.id("tom"), "no skill espresso"],
        [world.id("tess"), "off"],
    ]


def test_digital_channels_take_turns_and_the_default_rule_catches_the_rest(
    world: World, new_ticket: NewTicket
) -> None:
    fields = {"customer": world.customers["acme"].id, "topic": "operation", "question": "怎么除垢?"}
    turns = [
        new_ticket(type_key="consultation", channel="email", fields=fields).assignee_id
        for _ in range(3)
    ]
    assert turns == [world.id("amy"), world.id("al"), world.id("amy")]
    phoned = new_ticket(type_key="consultation", channel="phone", fields=fields)
    event = assigned(phoned)[0]
    assert event.data["rule"] == "call_centre_default"
    assert (phoned.assignee_id, event.data["why"]) == (world.id("al"), "least loaded, 1 open of 10")


def test_installations_go_to_the_regional_team_by_the_address_region(
    world: World, new_ticket: NewTicket
) -> None:
    fields = repair_fields(world)
    job = {key: fields[key] for key in ("customer", "contact", "visit_address", "product_model")}
    ticket = new_ticket(type_key="installation", fields={**job, "order_no": "SO-1"},
                        address_id=world.address.id)  # fmt: skip
    event = assigned(ticket)[0]
    assert (event.data["rule"], event.data["strategy"]) == ("field_jobs_by_region", "by_field")
    assert (ticket.department_key, ticket.assignee_id) == ("field_service_east", world.id("eli"))
    assert (
        event.data["why"] == "address.region east → field_service_east, least loaded, 0 open of 10"
    )


def test_a_transition_route_action_routes_by_its_rule_once(
    world: World, new_ticket: NewTicket
) -> None:
    session = world.session
    session.execute(update(User).where(User.username == "tina").values(availability="busy"))
    session.commit()
    ticket = new_ticket()
    ticket = run_transition(session, world.user("amy"), ticket.id, "accept",
                            expected_version=ticket.version)  # fmt: skip
    events = assigned(ticket)
    assert len(events) == 2, "the route action routes; the rule's own `on` does not route again"
    assert events[1].data["rule"] == "tech_support_by_product_line"
    assert events[1].data["event"] == "transition:accept"
    assert events[1].data["why"] == "busy (nobody available), skill espresso, 0 open of 12"
    assert ticket.assignee_id == world.id("tina")


def test_dispatching_on_site_picks_the_nearest_field_engineer(
    world: World, new_ticket: NewTicket
) -> None:
    session = world.session
    ticket = new_ticket()
    ticket = run_transition(session, world.user("amy"), ticket.id, "accept",
                            expected_version=ticket.version)  # fmt: skip
    ticket = run_transition(
        session,
        world.user("tina"),
        ticket.id,
        "dispatch",
        expected_version=ticket.version,
        fields={"fault_code": "e01_no_water"},
    )
    event = assigned(ticket)[-1]
    assert (ticket.department_key, ticket.assignee_id) == ("field_service", world.id("fay"))
    assert event.data["rule"] == "field_service_nearest"
    assert event.data["why"] == "skill espresso, 0 open of 6, 4.1 km"


def test_a_transfer_routes_by_the_rule_on_transferred(world: World, new_ticket: NewTicket) -> None:
    session = world.session
    ticket = new_ticket()
    ticket = transfer_ticket(session, world.user("dispatcher"), ticket.id,
                             department="field_service", reason="on site job",
                             expected_version=ticket.version)  # fmt: skip
    event = assigned(ticket)[-1]
    assert event.data["rule"] == "transfers_to_field_service"
    assert event.data["event"] == "transferred"
    assert ticket.assignee_id == world.id("fay")


def test_entering_a_state_routes_by_the_rule_on_state_entered(
    world: World, new_ticket: NewTicket
) -> None:
    session = world.session
    ticket = new_ticket()
    ticket = run_transition(session, world.user("amy"), ticket.id, "ask_customer",
                            expected_version=ticket.version, comment="型号?")  # fmt: skip
    event = assigned(ticket)[-1]
    assert event.data["rule"] == "waiting_customer_back_to_agents"
    assert event.data["event"] == "state_entered:waiting_customer"
    assert ticket.department_key == "customer_service"
    assert ticket.assignee_id == world.id("amy")


def test_a_field_change_routes_by_the_rule_on_field_changed(
    world: World, new_ticket: NewTicket
) -> None:
    session = world.session
    ticket = new_ticket()
    ticket = update_fields(session, world.user("amy"), ticket.id,
                           changes={"impact": "business_down"},
                           expected_version=ticket.version)  # fmt: skip
    event = assigned(ticket)[-1]
    assert (event.data["rule"], event.data["event"]) == (
        "business_down_to_key_accounts",
        "field_changed:impact",
    )
    assert ticket.assignee_id == world.id("kim")
    unrelated = update_fields(
        session,
        world.user("amy"),
        ticket.id,
        changes={"symptom": "漏水"},
        expected_version=ticket.version,
    )
    assert len(assigned(unrelated)) == 2, "no rule names field_changed:symptom"


def test_manual_dispatch_stays_and_is_remembered_for_tie_breaks(
    world: World, new_ticket: NewTicket
) -> None:
    session = world.session
    ticket = new_ticket()
    ticket = assign_ticket(session, world.user("dispatcher"), ticket.id,
                           assignee_id=world.id("tom"), reason="knows this customer",
                           expected_version=ticket.version)  # fmt: skip
    events = assigned(ticket)
    assert len(events) == 2 and events[-1].actor_id == world.id("dispatcher")
    assert ticket.assignee_id == world.id("tom")
    remembered = session.scalars(select(EngineerLastAssignment.user_id)).all()
    assert sorted(remembered) == sorted([world.id("tina"), world.id("tom")])


def test_route_ticket_by_rule_key_for_escalations(world: World, new_ticket: NewTicket) -> None:
    session = world.session
    ticket = new_ticket()
    decision = route_ticket(session, ticket.id, rule_key="repair_center_pool", event="sla_breached")
    session.commit()
    assert decision is not None and decision.assignee_id == world.id("rita")
    assert (ticket.department_key, assigned(ticket)[-1].data["event"]) == (
        "repair_center",
        "sla_breached",
    )
    assert route_ticket(session, ticket.id, event="commented") is None
    with pytest.raises(DefinitionNotFound, match="no active routing rule 'nope'"):
        route_ticket(session, ticket.id, rule_key="nope", event="created")


def test_routing_switched_off_leaves_new_tickets_alone(
    world: World, new_ticket: NewTicket, routed_app: Any
) -> None:
    routed_app.extensions["gongdan.routing"] = False
    ticket = new_ticket(fields=repair_fields(world))
    assert [event.kind for event in ticket.events] == ["created"]
    assert ticket.assignee_id is None


def test_automatic_routing_off_leaves_a_ticket_for_its_caller_to_route(
    world: World, new_ticket: NewTicket
) -> None:
    """A caller that routes by its own rule (a PM plan) creates the ticket unrouted first."""
    with automatic_routing_off(world.session):
        ticket = new_ticket(fields=repair_fields(world))
    assert [event.kind for event in ticket.events] == ["created"]
    assert ticket.assignee_id is None
    assert new_ticket(fields=repair_fields(world)).assignee_id == world.id("tina")


def test_preview_explains_without_assigning_or_taking_a_turn(
    world: World, new_ticket: NewTicket, routed_app: Any
) -> None:
    routed_app.extensions["gongdan.routing"] = False
    fields = {"customer": world.customers["acme"].id, "topic": "operation", "question": "?"}
    ticket = new_ticket(type_key="consultation", channel="email", fields=fields)
    session = world.session
    decisions = [preview_routing(session, ticket.id, event="created") for _ in range(2)]
    assert [(d.assignee_id, d.why) for d in decisions if d is not None] == [
        (world.id("amy"), "turn 1, 0 open of 10")
    ] * 2
    session.commit()
    assert session.scalars(select(RoutingCursor)).all() == []
    assert [event.kind for event in ticket.events] == ["created"]


def test_closed_tickets_are_never_routed(
    world: World, new_ticket: NewTicket, routed_app: Any
) -> None:
    from gongdan.routing.subscriptions import on_ticket_event

    routed_app.extensions["gongdan.routing"] = False
    ticket = new_ticket()
    routed_app.extensions["gongdan.routing"] = True
    ticket.state_category = "closed"
    event = TicketEvent(kind="fields_changed", data={"changes": {"impact": {}}})
    ticket.fields = {**ticket.fields, "impact": "business_down"}
    on_ticket_event(ticket, session=world.session, event=event, actor=None)
    assert ticket.assignee_id is None and assigned(ticket) == []
    ticket.state_category = "open"
    on_ticket_event(ticket, session=world.session, event=event, actor=None)
    assert ticket.assignee_id == world.id("kim")
    world.session.rollback()
