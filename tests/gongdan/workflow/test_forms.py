"""Server-side cleaning of submitted form values against a compiled TicketType."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from tests.gongdan.workflow.test_engine import BASE, compiled

from gongdan.conditions import EvaluationContext
from gongdan.errors import ValidationFailed
from gongdan.workflow.forms import clean_fields, coerce_value


def build(values: Mapping[str, Any]) -> EvaluationContext:
    return EvaluationContext({"ticket": dict(values)})


def clean(
    submitted: Mapping[str, Any],
    *,
    roles: set[str] = frozenset({"engineer"}),
    existing: Mapping[str, Any] = BASE,
    customer: bool = False,
    **kw: Any,
) -> dict[str, Any]:
    return clean_fields(
        compiled().ticket_types["repair"],
        submitted,
        state=kw.pop("state", "new"),
        existing=existing,
        context_builder=build,
        roles=frozenset(roles),
        for_customer=customer,
        **kw,
    )


def test_values_are_coerced_and_merged() -> None:
    values = clean(
        {"labour_hours": "2.5", "parts_used": [{"part_no": "P", "quantity": "3", "charged": "on"}]}
    )
    assert values["labour_hours"] == 2.5
    assert values["parts_used"] == [{"part_no": "P", "quantity": 3, "charged": True}]
    assert values["symptom"] == "x"  # existing values kept


def test_every_problem_is_collected() -> None:
    with pytest.raises(ValidationFailed) as raised:
        clean(
            {
                "nope": 1,
                "labour_hours": "-1",
                "fault_code": "e99",
                "work_done": 5,
                "parts_used": [{"part_no": "P"}],
            }
        )
    fields = raised.value.fields
    assert fields["nope"] == "unknown field 'nope' for ticket type 'repair'"
    assert fields["labour_hours"] == "-1 is less than the minimum 0"
    assert fields["fault_code"].startswith("'e99' is not one of the options")
    assert fields["work_done"] == "expected text, got a number (5)"
    assert fields["parts_used"] == "row 1: 'quantity' is required"
    assert raised.value.message.startswith("5 field(s) are invalid")


def test_hidden_fields_are_dropped_even_when_submitted() -> None:
    values = clean({"service_mode": "depot", "visit_address": {"city": "北京"}}, roles={"agent"})
    assert "visit_address" not in values


def test_required_if_and_required_in_states() -> None:
    with pytest.raises(ValidationFailed) as raised:
        clean({"serial_no": ""}, roles={"agent"})
    assert raised.value.fields == {"serial_no": "this field is required"}
    # check_in_location is required in on_site; a full check reports it, a partial one not.
    with pytest.raises(ValidationFailed) as raised:
        clean({}, state="on_site")
    assert raised.value.fields == {"check_in_location": "this field is required"}
    assert clean({}, state="on_site", check_all_required=False)["symptom"] == "x"


def test_edit_permissions_and_customers() -> None:
    with pytest.raises(ValidationFailed) as raised:
        clean({"work_done": "x", "charge_class": "warranty"}, roles={"agent"})
    assert raised.value.fields == {
        "work_done": "role 'agent' may not change this field",
        "charge_class": "role 'agent' may not change this field",
    }
    assert clean({"work_done": "修好了"}, roles={"system"})["work_done"] == "修好了"
    unchanged = clean({"symptom": "x"}, roles={"customer"}, customer=True)  # same value: fine
    assert unchanged["symptom"] == "x"
    with pytest.raises(ValidationFailed) as raised:
        clean({"symptom": "y", "diagnosis_notes": "z"}, roles={"customer"}, customer=True)
    assert raised.value.fields == {
        "symptom": "customers may not change this field",
        "diagnosis_notes": "customers may not set this field",
    }
    created = clean(
        {"symptom": "y"},
        roles={"customer"},
        customer=True,
        creating=True,
        existing={k: v for k, v in BASE.items() if k != "symptom"},
    )
    assert created["symptom"] == "y"


def test_coerce_value() -> None:
    repair = compiled().ticket_types["repair"]
    assert coerce_value(repair.field("labour_hours"), "") is None
    assert coerce_value(repair.field("labour_hours"), "abc") == "abc"
    assert coerce_value(repair.field("customer"), "12") == 12
    assert coerce_value(repair.field("check_in_location"), {"lat": "31.2", "lng": "121"}) == {
        "lat": 31.2,
        "lng": 121.0,
    }
    assert coerce_value(repair.field("symptom"), "") is None
