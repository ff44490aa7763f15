"""The IO-free workflow engine on the default pack's repair flow."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from gongdan.conditions import EvaluationContext
from gongdan.definitions.compile import CompiledSet, compile_definitions
from gongdan.definitions.packs import load_pack
from gongdan.errors import TransitionNotAllowed, ValidationFailed
from gongdan.workflow import engine

PACK = Path(__file__).resolve().parents[3] / "definitions" / "after_sales"


@functools.cache
def compiled() -> CompiledSet:
    return compile_definitions(load_pack(PACK).definitions)


def context(**fields: Any) -> EvaluationContext:
    return EvaluationContext({"ticket": fields})


def plan(state: str, key: str, roles: set[str], comment: str | None = None, **fields: Any):  # type: ignore[no-untyped-def]
    workflow = compiled().workflows["repair_flow"]
    ticket_type = compiled().ticket_types["repair"]
    return engine.plan_transition(
        workflow,
        ticket_type,
        state,
        key,
        fields,
        frozenset(roles),
        context(**fields),
        comment=comment,
    )


BASE = {
    "product_model": "es_pro_2",
    "symptom": "x",
    "impact": "minor",
    "customer": 1,
    "contact": 1,
    "serial_no": "S",
    "service_mode": "on_site",
    "visit_address": {"city": "上海"},
}


def test_available_transitions_respect_state_role_and_condition() -> None:
    workflow = compiled().workflows["repair_flow"]
    on_site = context(service_mode="on_site")
    depot = context(service_mode="depot")
    keys = [
        t.key for t in engine.available_transitions(workflow, "diagnosing", {"dispatcher"}, on_site)
    ]
    assert keys == ["dispatch", "ask_customer", "cancel"]
    keys = [
        t.key for t in engine.available_transitions(workflow, "diagnosing", {"dispatcher"}, depot)
    ]
    assert keys == ["send_to_workshop", "ask_customer", "cancel"]
    assert [
        t.key for t in engine.available_transitions(workflow, "new", {"customer"}, on_site)
    ] == ["cancel"]
    assert engine.available_transitions(workflow, "closed", {"admin"}, on_site) == []


def test_plan_returns_the_target_and_its_owner() -> None:
    planned = plan("new", "accept", {"agent"}, **BASE)
    assert (planned.source, planned.target, planned.target_category, planned.target_owner) == (
        "new",
        "diagnosing",
        "open",
        "tech_support",
    )
    assert planned.key == "accept" and not planned.target_final


def test_plan_refusals_name_the_reason() -> None:
    with pytest.raises(TransitionNotAllowed) as raised:
        plan("new", "close", {"agent"}, **BASE)
    assert raised.value.message == "transition 'close' is not allowed from state 'new'"
    with pytest.raises(TransitionNotAllowed) as raised:
        plan("new", "accept", {"customer"}, **BASE)
    assert raised.value.message == "role 'customer' may not 'accept'"
    with pytest.raises(TransitionNotAllowed, match="condition does not hold"):
        plan("diagnosing", "send_to_workshop", {"dispatcher"}, **BASE)
    with pytest.raises(TransitionNotAllowed, match="has no transition 'fly'"):
        plan("new", "fly", {"agent"}, **BASE)


def test_missing_fields_of_the_target_state_and_the_transition_are_listed() -> None:
    with pytest.raises(ValidationFailed) as raised:
        plan("on_site", "submit_report", {"engineer"}, **BASE)
    assert raised.value.fields == {
        "fault_code": "required for this transition",
        "work_done": "required for this transition",
        "labour_hours": "required for this transition",
        "customer_signature": "required for this transition",
    }
    with pytest.raises(ValidationFailed) as raised:
        plan("pending_review", "approve_report", {"quality_inspector"}, **BASE)
    assert raised.value.fields == {"resolution_code": "required for this transition"}
    with pytest.raises(ValidationFailed) as raised:
        plan("new", "cancel", {"agent"}, **BASE)
    assert raised.value.fields == {"comment": "a comment is required to 'cancel'"}


def test_required_in_state_counts_for_the_target() -> None:
    ticket_type = compiled().ticket_types["repair"]
    missing = engine.missing_fields(ticket_type, "dispatched", BASE, context(**BASE))
    assert missing == {"fault_code": "required in state 'dispatched'"}


def test_transfers() -> None:
    workflow = compiled().workflows["repair_flow"]
    assert engine.may_transfer(workflow, "customer_service", "tech_support")
    assert not engine.may_transfer(workflow, "customer_service", "quality")
    assert not engine.may_transfer(workflow, None, "quality")
    assert not engine.may_transfer(workflow, "callback", "callback")
    assert engine.transfer_targets(workflow, "callback") == ["customer_service"]
    assert engine.transfer_targets(workflow, "nowhere") == []
