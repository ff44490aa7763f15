"""Creating tickets: numbering, pinning, defaults, derived values, permissions, bad input."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.gongdan.tickets.conftest import World, counts, repair_fields

from gongdan.definitions.registry import active_revision
from gongdan.errors import PermissionDenied, ValidationFailed
from gongdan.tickets.models import Ticket


def test_create_pins_active_revisions_and_records_created(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = new_repair()
    session = world.session
    assert ticket.number.startswith("RP-") and ticket.number.endswith("-0001")
    assert ticket.ticket_type_revision_id == active_revision(session, "TicketType", "repair").id
    assert ticket.workflow_revision_id == active_revision(session, "Workflow", "repair_flow").id
    assert (ticket.state, ticket.state_category) == ("new", "open")
    assert ticket.department_key == "customer_service"
    assert ticket.channel == "phone" and ticket.priority == "normal"
    assert ticket.subject == "不出水"
    assert ticket.customer_id == world.customers["acme"].id
    assert ticket.fields["product_line"] == "espresso"  # derived
    assert ticket.charge_class == "billable"
    assert [e.kind for e in ticket.events] == ["created"]
    assert ticket.events[0].actor_id == world.user("agent").id and ticket.events[0].public
    second = new_repair()
    assert second.number.endswith("-0002")


def test_warranty_of_the_asset_decides_the_charge_class(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    in_warranty = new_repair(
        asset_id=world.assets["warranty"].id, fields=repair_fields(world, serial_no=None)
    )
    expired = new_repair(
        asset_id=world.assets["expired"].id, fields=repair_fields(world, serial_no=None)
    )
    assert in_warranty.charge_class == "warranty"
    assert in_warranty.fields["charge_class"] == "warranty"
    assert in_warranty.fields["asset"] == world.assets["warranty"].id
    assert expired.charge_class == "billable"


def test_priority_is_derived_from_impact_and_tier(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    vip = world.customers["vip"]
    down = {"impact": "business_down", "customer": vip.id, "contact": world.contacts["vip"].id}
    urgent = new_repair(customer_id=vip.id, fields=repair_fields(world, **down))
    high = new_repair(fields=repair_fields(world, impact="business_down"))
    assert (urgent.priority, high.priority) == ("urgent", "high")


def test_a_customer_creates_for_its_own_organisation_only(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = new_repair("acme_user", channel="portal", fields=repair_fields(world, customer=None))
    assert ticket.customer_id == world.customers["acme"].id
    assert ticket.created_by_id == world.user("acme_user").id
    before = counts(world.session)
    with pytest.raises(PermissionDenied, match="only create tickets for themselves"):
        new_repair("acme_user", customer_id=world.customers["vip"].id)
    with pytest.raises(ValidationFailed) as raised:
        new_repair("acme_user", fields=repair_fields(world, charge_class="warranty"))
    assert raised.value.fields == {"charge_class": "customers may not set this field"}
    assert counts(world.session) == before


def test_roles_not_listed_in_permissions_create_are_refused(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    before = counts(world.session)
    with pytest.raises(PermissionDenied, match="may not create 'repair' tickets"):
        new_repair("engineer")
    with pytest.raises(PermissionDenied):
        new_repair("stranger")
    assert counts(world.session) == before


def test_every_bad_input_is_reported_at_once_and_nothing_is_written(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    before = counts(world.session)
    bad = repair_fields(
        world,
        colour="red",  # unknown field
        labour_hours="many",  # wrong type
        product_model="teapot",  # outside the option list
        symptom=None,  # required
    )
    with pytest.raises(ValidationFailed) as raised:
        new_repair(fields=bad)
    assert raised.value.fields == {
        "colour": "unknown field 'colour' for ticket type 'repair'",
        "labour_hours": "expected a number, got text ('many')",
        "product_model": raised.value.fields["product_model"],
        "symptom": "this field is required",
    }
    assert raised.value.fields["product_model"].startswith("'teapot' is not one of the options")
    with pytest.raises(ValidationFailed) as raised:
        new_repair(channel="fax", priority="asap")
    assert set(raised.value.fields) == {"channel", "priority"}
    with pytest.raises(ValidationFailed) as raised:
        new_repair(type_key="nonsense")
    assert raised.value.fields == {"type": "no active ticket type 'nonsense'"}
    with pytest.raises(ValidationFailed) as raised:
        new_repair(asset_id=world.assets["vip"].id)
    assert (
        raised.value.fields["asset_id"]
        == f"asset {world.assets['vip'].id} belongs to another customer"
    )
    with pytest.raises(ValidationFailed) as raised:
        new_repair(fields=repair_fields(world, labour_hours="1.5"))
    assert raised.value.fields == {"labour_hours": "role 'agent' may not change this field"}
    assert counts(world.session) == before


def test_hidden_fields_are_dropped_and_form_strings_coerced(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    fields = repair_fields(
        world,
        service_mode="depot",
        purchase_date="2026-01-02",
        customer=str(world.customers["acme"].id),
    )
    ticket = new_repair(fields=fields)
    assert "visit_address" not in ticket.fields  # visible only on site
    assert ticket.fields["purchase_date"] == "2026-01-02"
    assert ticket.fields["customer"] == world.customers["acme"].id


def test_html_in_text_fields_is_stored_verbatim(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    script = "<script>alert('x')</script> & <b>bold</b>"
    ticket = new_repair(fields=repair_fields(world, symptom=script))
    world.session.expire_all()
    assert world.session.get(Ticket, ticket.id).fields["symptom"] == script
    assert ticket.subject == script


def test_conditionally_required_field_is_required_only_when_its_condition_holds(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        new_repair(fields=repair_fields(world, visit_address=None))
    assert raised.value.fields == {"visit_address": "this field is required"}
    with pytest.raises(ValidationFailed) as raised:
        new_repair(fields=repair_fields(world, serial_no=None))
    assert raised.value.fields == {"serial_no": "this field is required"}
    ticket = new_repair(fields=repair_fields(world, visit_address=None, service_mode="remote"))
    assert ticket.state == "new"


def test_an_address_id_fills_the_address_field(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    address = world.addresses["acme"]
    ticket = new_repair(address_id=address.id, fields=repair_fields(world, visit_address=None))
    assert ticket.address_id == address.id
    assert ticket.fields["visit_address"] == {"region": "east", "city": "上海", "line": "路 1 号"}
    chosen = new_repair(fields=repair_fields(world, visit_address=str(address.id)))
    assert chosen.address_id == address.id and chosen.fields["visit_address"]["city"] == "上海"
    before = counts(world.session)
    with pytest.raises(ValidationFailed) as raised:
        new_repair(fields=repair_fields(world, visit_address=world.addresses["vip"].id))
    assert raised.value.fields == {
        "visit_address": f"no address {world.addresses['vip'].id} of this customer"
    }
    assert counts(world.session) == before
