"""Who sees which ticket: the SQL rule and the per-ticket rule agree."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.gongdan.tickets.conftest import World, repair_fields

from gongdan.accounts.policy import may_view_ticket
from gongdan.errors import NotFound
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import assign_ticket, get_ticket, get_ticket_by_number
from gongdan.tickets.visibility import visible_tickets


def test_each_role_sees_what_the_rule_says(world: World, new_repair: Callable[..., Ticket]) -> None:
    session = world.session
    acme = new_repair()
    vip_customer = world.customers["vip"]
    vip = new_repair(
        customer_id=vip_customer.id,
        fields=repair_fields(world, customer=vip_customer.id, contact=world.contacts["vip"].id),
    )
    vip = assign_ticket(
        session,
        world.user("dispatcher"),
        vip.id,
        assignee_id=world.user("other_engineer").id,
        reason="x",
        expected_version=1,
    )
    expected = {
        "agent": {acme.id, vip.id},
        "dispatcher": {acme.id, vip.id},
        "admin": {acme.id, vip.id},
        "acme_user": {acme.id},
        "vip_user": {vip.id},
        "other_engineer": {vip.id},  # assigned to them
        "engineer": set(),  # neither assigned nor in field_service yet
        "stranger": set(),  # an unknown role sees nothing
    }
    for name, ids in expected.items():
        user = world.user(name)
        seen = set(session.scalars(visible_tickets(user).with_only_columns(Ticket.id)))
        assert seen == ids, name
        for ticket in (acme, vip):
            assert may_view_ticket(user, ticket) == (ticket.id in ids), name
    acme.department_key = "field_service"
    session.commit()
    assert may_view_ticket(world.user("engineer"), acme)
    assert set(
        session.scalars(visible_tickets(world.user("engineer")).with_only_columns(Ticket.id))
    ) == {acme.id}


def test_a_customer_cannot_read_another_customers_ticket(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = new_repair()
    assert get_ticket(world.session, world.user("acme_user"), ticket.id).id == ticket.id
    with pytest.raises(NotFound) as by_id:
        get_ticket(world.session, world.user("vip_user"), ticket.id)
    with pytest.raises(NotFound) as missing:
        get_ticket(world.session, world.user("vip_user"), 999999)
    assert by_id.value.status == missing.value.status == 404
    with pytest.raises(NotFound, match="no ticket numbered"):
        get_ticket_by_number(world.session, world.user("vip_user"), ticket.number)
    assert get_ticket_by_number(world.session, None, ticket.number).id == ticket.id


def test_inactive_users_see_nothing(world: World, new_repair: Callable[..., Ticket]) -> None:
    ticket = new_repair()
    agent = world.user("agent")
    agent.active = False
    world.session.commit()
    assert not may_view_ticket(agent, ticket)
    assert world.session.scalars(visible_tickets(agent)).all() == []
