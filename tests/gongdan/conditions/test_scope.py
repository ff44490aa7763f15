"""The condition scope: core variables and the scope of one TicketType."""

from __future__ import annotations

import pytest

from gongdan.conditions import Scope, Variable, base_scope, ticket_type_scope
from gongdan.workflow.fields import core_field_types


def test_base_scope_holds_the_documented_core_context() -> None:
    scope = base_scope()
    for name in (
        "ticket.number ticket.type ticket.state ticket.state_category ticket.priority "
        "ticket.channel ticket.department ticket.assignee ticket.created_at ticket.updated_at "
        "ticket.resolved_at ticket.reopen_count ticket.charge_class customer.id customer.name "
        "customer.tier customer.region customer.code contact.name contact.phone contact.email "
        "address.region address.city asset.id asset.product_model asset.serial_number "
        "asset.install_date asset.warranty_end asset.in_warranty contract.level contract.active "
        "user.id user.role user.department now"
    ).split():
        assert name in scope, name
    assert scope["ticket.priority"] == Variable(
        "ticket.priority", "select", ("low", "normal", "high", "urgent")
    )
    assert scope["ticket.channel"].options == (
        "phone",
        "web",
        "portal",
        "email",
        "wechat",
        "sms",
        "api",
    )
    assert scope["asset.in_warranty"].type == "bool"
    assert scope["now"].type == "datetime"


def test_every_core_variable_has_a_core_field_type() -> None:
    types = core_field_types()
    assert [v.name for v in base_scope().values() if v.type not in types] == []


def test_scope_is_immutable_and_extend_returns_a_new_one() -> None:
    scope = base_scope()
    wider = scope.extend(Variable("answer.overall", "int"), Variable("score", "decimal"))
    assert "score" in wider and "score" not in scope
    with pytest.raises(TypeError):
        scope["x"] = Variable("x", "text")  # type: ignore[index]
    kept = scope.extend(Variable("ticket.priority", "text"), replace=False)
    assert kept["ticket.priority"].type == "select"
    plugin = scope.extend_types({"contract.sla_hours": "int"})
    assert plugin["contract.sla_hours"] == Variable("contract.sla_hours", "int")


def test_ticket_type_scope_adds_form_fields_and_narrows_core_choices() -> None:
    scope = ticket_type_scope(
        [
            {"key": "product_model", "type": "select", "options": "product_models"},
            {"key": "fault_code", "type": "select", "options": "fault_codes"},
            {"key": "kind", "type": "select", "options": [{"value": "a"}, {"value": "b"}]},
            {"key": "on_site", "type": "bool"},
            {"key": "priority", "type": "text"},
            {"key": 5, "type": "text"},
            "garbage",
        ],
        states=["new", "closed"],
        option_lists={"product_models": ["cm_pro_x1", "cm_lite"]},
        ticket_types=["repair", "complaint"],
    )
    assert scope["ticket.product_model"] == Variable(
        "ticket.product_model", "select", ("cm_pro_x1", "cm_lite")
    )
    assert scope["ticket.fault_code"].options is None  # an OptionList we were not given
    assert scope["ticket.kind"].options == ("a", "b")
    assert scope["ticket.on_site"].type == "bool"
    assert scope["ticket.priority"].type == "select"  # a form field cannot replace a core one
    assert scope["ticket.state"].options == ("new", "closed")
    assert scope["ticket.type"].options == ("repair", "complaint")


def test_ticket_type_scope_builds_on_a_given_base() -> None:
    base = Scope([Variable("now", "datetime")])
    scope = ticket_type_scope([{"key": "x", "type": "int"}], base=base)
    assert sorted(scope) == ["now", "ticket.x"]
