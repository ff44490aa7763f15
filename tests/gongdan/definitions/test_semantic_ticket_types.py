"""TicketType rules: field types, options, defaults, derive rules and field conditions."""

from __future__ import annotations

import pytest
from tests.gongdan.definitions.fixtures.minimal_set import validate_edited, where

TT = "ticket_types/repair.yaml"

CASES = [
    pytest.param(
        "{key: symptom, type: textarea, required: true}",
        "{key: product_model, type: textarea, required: true}",
        "product_model, type: textarea",
        "ticket_type.duplicate_field",
        "field 'product_model' is defined twice",
        None,
        id="duplicate-field",
    ),
    pytest.param(
        "{key: on_site, type: bool, default: false}",
        "{key: on_site, type: bool, default: nope}",
        "nope",
        "field.invalid_value",
        "invalid value for field 'on_site': expected true or false, got text ('nope')",
        None,
        id="field-default",
    ),
    pytest.param(
        "defaults: {priority: normal}",
        "defaults: {priority: normall}",
        "normall",
        "field.invalid_value",
        "'normall' is not a valid priority: use one of low, normal, high, urgent",
        "did you mean 'normal'?",
        id="core-default",
    ),
    pytest.param(
        "defaults: {priority: normal}",
        "defaults: {product_model: cm_pro_x9}",
        "cm_pro_x9",
        "field.invalid_value",
        "invalid value for field 'product_model': 'cm_pro_x9' is not one of the options "
        "(cm_pro_x1, cm_lite)",
        None,
        id="default-not-an-option",
    ),
    pytest.param(
        "defaults: {priority: normal}",
        "defaults: {priorty: normal}",
        "priorty",
        "ref.unknown_field",
        "default for unknown field 'priorty'",
        "did you mean 'priority'?",
        id="default-unknown-field",
    ),
    pytest.param(
        "{key: fault_code, type: text, required_in_states: [resolved]}",
        "{key: fault_code, type: select, required_in_states: [resolved]}",
        "{key: fault_code",
        "field.missing_options",
        "field 'fault_code' of type 'select' needs 'options' (an OptionList)",
        None,
        id="select-without-options",
    ),
    pytest.param(
        "{key: fault_code, type: text, required_in_states: [resolved]}",
        "{key: fault_code, type: table, required_in_states: [resolved]}",
        "{key: fault_code",
        "field.missing_columns",
        "table field 'fault_code' needs 'columns'",
        None,
        id="table-without-columns",
    ),
    pytest.param(
        "visible_if: {field: ticket.on_site, op: eq, value: true}",
        "visible_if: {field: ticket.on_site, op: eq, value: 3}",
        "3}",
        "condition.bad_value",
        None,
        None,
        id="visible-if-type",
    ),
    pytest.param(
        "required_if: {field: ticket.on_site, op: eq, value: true}",
        "required_if: {field: ticket.onsite, op: eq, value: true}",
        "ticket.onsite",
        "condition.unknown_field",
        "unknown field 'ticket.onsite'",
        "did you mean 'ticket.on_site'?",
        id="required-if-field",
    ),
    pytest.param(
        "- {value: normal}",
        "- {value: medium}",
        "medium",
        "field.invalid_value",
        "'medium' is not a valid priority: use one of low, normal, high, urgent",
        None,
        id="derive-value",
    ),
    pytest.param(
        "{field: customer.tier, op: eq, value: vip}",
        "{field: customer.tier, op: lt, value: vip}",
        "lt,",
        "condition.operator_not_allowed",
        None,
        None,
        id="derive-condition",
    ),
]


@pytest.mark.parametrize(("old", "new", "needle", "code", "message", "hint"), CASES)
def test_ticket_type_rule(
    old: str, new: str, needle: str, code: str, message: str | None, hint: str | None
) -> None:
    problems, texts = validate_edited({TT: [(old, new)]})
    assert [p.code for p in problems] == [code], [p.format() for p in problems]
    problem = problems[0]
    if message is not None:
        assert problem.message == message
        assert problem.hint == hint
    assert (problem.file, problem.line, problem.column) == where(texts, TT, needle)


def test_field_type_from_a_plugin_is_known_when_the_plugin_is() -> None:
    from tests.gongdan.definitions.fixtures.minimal_set import load_set

    from gongdan.definitions.extensions import Extensions
    from gongdan.definitions.validate import validate_definitions
    from gongdan.workflow.fields import OPERATORS_BY_KIND, FieldType

    edits = {TT: [("type: textarea", "type: spare_parts.part_lines")]}
    problems = validate_definitions(load_set(edits))
    assert [(p.code, p.message) for p in problems] == [
        ("field.unknown_type", "unknown field type 'spare_parts.part_lines'")
    ]
    part_lines = FieldType(
        "spare_parts.part_lines", "list", OPERATORS_BY_KIND["list"], lambda value, spec: None
    )
    extensions = Extensions(field_types={"spare_parts.part_lines": part_lines})
    assert validate_definitions(load_set(edits), extensions=extensions) == []


def test_table_columns_are_fields_of_their_own() -> None:
    table = (
        "    - key: parts\n"
        "      type: table\n"
        "      columns:\n"
        "        - {key: type, type: text}\n"
        "        - {key: qty, type: integer}\n"
        "    - {key: symptom,"
    )
    problems, texts = validate_edited({TT: [("    - {key: symptom,", table)]})
    assert [(p.code, p.message, p.hint, p.json_path) for p in problems] == [
        (
            "field.unknown_type",
            "unknown field type 'integer'",
            "did you mean 'int'?",
            "$.spec.fields[1].columns[1].type",
        )
    ]
    assert (problems[0].line, problems[0].column) == where(texts, TT, "integer")[1:]
