"""Conditions are type-checked in the scope they run in, wherever they appear."""

from __future__ import annotations

from tests.gongdan.definitions.fixtures.minimal_set import validate_edited, where

ROUTING = "routing/rules.yaml"
SLA = "sla/standard.yaml"
AUTO = "automations/auto_close.yaml"
SURVEY = "surveys/repair_callback.yaml"

INSTALL = (
    "kind: TicketType\nkey: install\ntitle: {en: Install}\nspec:\n"
    "  workflow: repair_flow\n  fields:\n"
    "    - {key: fault_code, type: text}\n"
    "    - {key: product_model, type: text}\n"
    "    - {key: site_ready, type: bool}\n"
)


def test_routing_condition_on_a_field_no_ticket_type_has() -> None:
    old = "{field: ticket.product_model, op: in, value: [cm_pro_x1]}"
    new = "{field: ticket.site_ready, op: eq, value: true}"
    problems, texts = validate_edited({ROUTING: [(old, new)]})
    assert [(p.code, p.message, p.json_path) for p in problems] == [
        ("condition.unknown_field", "unknown field 'ticket.site_ready'", "$.spec.when.all[1].field")
    ]
    assert (problems[0].file, problems[0].line, problems[0].column) == where(
        texts, ROUTING, "ticket.site_ready"
    )


def test_routing_condition_on_a_field_of_some_ticket_type_is_fine() -> None:
    old = "{field: ticket.product_model, op: in, value: [cm_pro_x1]}"
    new = "{field: ticket.site_ready, op: eq, value: true}"
    problems, _ = validate_edited(
        {ROUTING: [(old, new)]}, extra={"ticket_types/install.yaml": INSTALL}
    )
    assert problems == []


def test_option_values_of_a_select_field_are_checked() -> None:
    old = "value: [cm_pro_x1]"
    problems, texts = validate_edited({ROUTING: [(old, "value: [cm_pro_x2]")]})
    assert [p.code for p in problems] == ["condition.bad_value"]
    assert "cm_pro_x2" in problems[0].message
    assert problems[0].line == where(texts, ROUTING, "cm_pro_x2")[1]


def test_ticket_state_values_come_from_the_workflows() -> None:
    problems, texts = validate_edited({AUTO: [("value: resolved", "value: resolvedd")]})
    assert [p.code for p in problems] == ["condition.bad_value"]
    assert problems[0].json_path == "$.spec.when.all[0].value"
    assert problems[0].line == where(texts, AUTO, "resolvedd")[1]


def test_sla_condition_value_type() -> None:
    old = "when: {field: ticket.priority, op: eq, value: urgent}"
    new = "when: {field: ticket.priority, op: eq, value: critical}"
    problems, _ = validate_edited({SLA: [(old, new)]})
    assert [(p.code, p.json_path) for p in problems] == [
        ("condition.bad_value", "$.spec.when.value")
    ]


def test_automation_duration_operator_on_a_text_field() -> None:
    old = "{field: ticket.updated_at, op: older_than, value: P7D}"
    new = "{field: ticket.number, op: older_than, value: P7D}"
    problems, texts = validate_edited({AUTO: [(old, new)]})
    assert [(p.code, p.json_path) for p in problems] == [
        ("condition.operator_not_allowed", "$.spec.when.all[1].op")
    ]
    assert problems[0].line == where(texts, AUTO, "ticket.number")[1]


def test_survey_visible_if_sees_answers() -> None:
    problems, texts = validate_edited(
        {SURVEY: [("answer.overall, op: le", "answer.overal, op: le")]}
    )
    assert [(p.code, p.message, p.hint) for p in problems] == [
        (
            "condition.unknown_field",
            "unknown field 'answer.overal'",
            "did you mean 'answer.overall'?",
        )
    ]
    assert (problems[0].line, problems[0].column) == where(texts, SURVEY, "answer.overal")[1:]


def test_survey_visible_if_does_not_see_the_ticket() -> None:
    problems, _ = validate_edited(
        {
            SURVEY: [
                (
                    "{field: answer.overall, op: le, value: 3}",
                    "{field: ticket.priority, op: is_set}",
                )
            ]
        }
    )
    assert [p.code for p in problems] == ["condition.unknown_field"]


def test_survey_result_sees_score_answers_and_ticket() -> None:
    new = (
        "when: {all: [{field: score, op: lt, value: 3}, {field: ticket.on_site, op: eq, "
        "value: true}, {field: answer.reason, op: eq, value: slow}]}"
    )
    problems, _ = validate_edited({SURVEY: [("when: {field: score, op: lt, value: 3}", new)]})
    assert problems == []


def test_survey_result_score_is_a_number() -> None:
    problems, texts = validate_edited({SURVEY: [("op: lt, value: 3", "op: lt, value: high")]})
    assert [(p.code, p.json_path) for p in problems] == [
        ("condition.bad_value", "$.spec.on_result[0].when.value")
    ]
    assert problems[0].line == where(texts, SURVEY, "value: high")[1]


def test_plugin_context_variable_and_function() -> None:
    from tests.gongdan.definitions.fixtures.minimal_set import load_set

    from gongdan.conditions import ConditionFunction
    from gongdan.definitions.extensions import Extensions
    from gongdan.definitions.validate import validate_definitions

    edits = {
        ROUTING: [
            (
                "{field: ticket.type, op: eq, value: repair}",
                "{fn: spare_parts.in_stock, args: {part: cm}}\n"
                "      - {field: pm.plan_level, op: eq, value: gold}",
            )
        ]
    }
    problems = validate_definitions(load_set(edits))
    assert sorted(p.code for p in problems) == [
        "condition.unknown_field",
        "condition.unknown_function",
    ]
    in_stock = ConditionFunction("spare_parts.in_stock", {"part": "text"}, lambda args, ctx: True)
    extensions = Extensions(
        condition_functions={"spare_parts.in_stock": in_stock},
        context_variables={"pm.plan_level": "text"},
    )
    assert validate_definitions(load_set(edits), extensions=extensions) == []
