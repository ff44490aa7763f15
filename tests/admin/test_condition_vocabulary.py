"""The rule builder's vocabulary: variables, operators and value shapes, without a database."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongdan.conditions.operators import LIST_OPERATORS, NO_VALUE_OPERATORS, OPERATORS
from gongdan.definitions.documents import Definition
from gongdan.definitions.extensions import Extensions, core_extensions
from gongdan.definitions.packs import load_pack
from gongdan.workflow.fields import core_field_types
from gongdan_admin.condition_vocabulary import (
    Vocabulary,
    operator_shape,
    operator_table,
    takes_references,
    vocabulary_for,
)

PACK = Path(__file__).resolve().parents[2] / "definitions" / "after_sales"


@pytest.fixture(scope="module")
def pack() -> list[Definition]:
    return load_pack(PACK).definitions


def definition(pack: list[Definition], kind: str, key: str) -> Definition:
    return next(d for d in pack if d.kind == kind and d.key == key)


def repair_vocabulary(pack: list[Definition], extensions: Extensions | None = None) -> Vocabulary:
    draft = definition(pack, "TicketType", "repair")
    return vocabulary_for(draft, pack, extensions or core_extensions())


def test_a_ticket_types_fields_appear_with_their_types(pack: list[Definition]) -> None:
    vocabulary = repair_vocabulary(pack)
    mode = vocabulary.variable("ticket", "ticket.service_mode")
    assert mode is not None and mode.type == "select" and mode.group == "ticket"
    assert mode.title == {"zh": "服务方式", "en": "Service mode"}
    hours = vocabulary.variable("ticket", "ticket.labour_hours")
    assert hours is not None and hours.value_kind == "number"
    # Core attributes and the context beyond the ticket are there too, grouped.
    assert vocabulary.variable("ticket", "ticket.priority") is not None
    for name, group in [("customer.tier", "customer"), ("asset.in_warranty", "asset"),
                        ("contract.active", "contract"), ("now", "other")]:  # fmt: skip
        found = vocabulary.variable("ticket", name)
        assert found is not None and found.group == group


def test_a_select_field_lists_its_option_list_values_and_titles(pack: list[Definition]) -> None:
    mode = repair_vocabulary(pack).variable("ticket", "ticket.service_mode")
    assert mode is not None and mode.options == ("on_site", "depot", "remote")
    assert mode.option_titles is not None
    assert mode.option_titles["on_site"] == {"zh": "上门维修", "en": "On-site visit"}
    state = repair_vocabulary(pack).variable("ticket", "ticket.state")
    assert state is not None and state.options is not None and "diagnosing" in state.options


def test_operators_per_type_come_from_the_field_types(pack: list[Definition]) -> None:
    types = core_field_types()
    for choice in repair_vocabulary(pack).scopes["ticket"]:
        field_type = types.get(choice.type)
        assert field_type is not None, choice.name
        assert set(choice.operators) == set(field_type.operators), choice.name
        assert list(choice.operators) == [op for op in OPERATORS if op in choice.operators]
    in_warranty = repair_vocabulary(pack).variable("ticket", "asset.in_warranty")
    assert in_warranty is not None and "lt" not in in_warranty.operators


def test_value_shapes_follow_the_operator_sets() -> None:
    assert {op for op in OPERATORS if operator_shape(op) == "none"} == NO_VALUE_OPERATORS
    assert {op for op in OPERATORS if operator_shape(op) == "list"} == LIST_OPERATORS
    assert operator_shape("between") == "pair"
    assert operator_shape("older_than") == operator_shape("within_last") == "duration"
    assert operator_shape("eq") == "single" and operator_shape("matches") == "pattern"
    assert takes_references("eq") and takes_references("in") and not takes_references("matches")
    assert [row["op"] for row in operator_table()] == list(OPERATORS)


def test_plugin_context_variables_are_offered(pack: list[Definition]) -> None:
    extensions = Extensions(context_variables={"spare_parts.stock_level": "int"})
    found = repair_vocabulary(pack, extensions).variable("ticket", "spare_parts.stock_level")
    assert found is not None and found.value_kind == "number" and found.group == "other"


def test_global_rules_see_the_fields_of_every_ticket_type(pack: list[Definition]) -> None:
    rule = next(d for d in pack if d.kind == "RoutingRule")
    vocabulary = vocabulary_for(rule, pack, core_extensions())
    names = {choice.name for choice in vocabulary.scopes["ticket"]}
    assert {"ticket.service_mode", "ticket.impact", "customer.tier"} <= names


def test_a_workflow_sees_the_fields_of_the_types_using_it(pack: list[Definition]) -> None:
    flow = definition(pack, "Workflow", "repair_flow")
    vocabulary = vocabulary_for(flow, pack, core_extensions())
    assert vocabulary.variable("ticket", "ticket.fault_code") is not None


def test_a_survey_has_an_answer_scope_and_a_result_scope(pack: list[Definition]) -> None:
    survey = next(d for d in pack if d.kind == "SurveyTemplate")
    vocabulary = vocabulary_for(survey, pack, core_extensions())
    assert set(vocabulary.scopes) == {"answers", "result"}
    assert all(v.name.startswith("answer.") for v in vocabulary.scopes["answers"])
    assert vocabulary.variable("result", "score") is not None
