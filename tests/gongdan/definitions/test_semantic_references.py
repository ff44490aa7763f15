"""Every reference resolves, or the admin learns which one, where, and what was meant."""

from __future__ import annotations

import pytest
from tests.gongdan.definitions.fixtures.minimal_set import validate_edited, where

TT = "ticket_types/repair.yaml"
WF = "workflows/repair_flow.yaml"
SLA = "sla/standard.yaml"
ROUTING = "routing/rules.yaml"
SURVEY = "surveys/repair_callback.yaml"

# (file, old text, new text, needle marking the reported spot, code, message, hint)
CASES = [
    (
        TT,
        "workflow: repair_flow",
        "workflow: repair_flw",
        "repair_flw",
        "ref.unknown_workflow",
        "unknown workflow 'repair_flw'",
        "did you mean 'repair_flow'?",
    ),
    (
        TT,
        "options: product_models",
        "options: product_modls",
        "product_modls",
        "ref.unknown_option_list",
        "unknown option list 'product_modls'",
        "did you mean 'product_models'?",
    ),
    (
        TT,
        "required_in_states: [resolved]",
        "required_in_states: [resolvd]",
        "resolvd",
        "ref.unknown_state",
        "unknown state 'resolvd'",
        "did you mean 'resolved'?",
    ),
    (
        TT,
        "section: device",
        "section: devise",
        "devise",
        "ref.unknown_section",
        "unknown layout section 'devise'",
        "did you mean 'device'?",
    ),
    (
        TT,
        "create: [customer, agent]",
        "create: [customer, agnet]",
        "agnet",
        "ref.unknown_role",
        "unknown role 'agnet'",
        "did you mean 'agent'?",
    ),
    (
        TT,
        "edit_fields: {fault_code: [engineer]}",
        "edit_fields: {fault_code: [enginer]}",
        "enginer",
        "ref.unknown_role",
        "unknown role 'enginer'",
        "did you mean 'engineer'?",
    ),
    (
        TT,
        "edit_fields: {fault_code:",
        "edit_fields: {fault_cod:",
        "fault_cod:",
        "ref.unknown_field",
        "edit permission for unknown field 'fault_cod'",
        "did you mean 'fault_code'?",
    ),
    (
        TT,
        "type: textarea",
        "type: txtarea",
        "txtarea",
        "field.unknown_type",
        "unknown field type 'txtarea'",
        "did you mean 'textarea'?",
    ),
    (
        WF,
        "category: open, owner: workshop}",
        "category: open, owner: workshp}",
        "workshp",
        "ref.unknown_department",
        "unknown department 'workshp'",
        "did you mean 'workshop'?",
    ),
    (
        WF,
        "customer_service: [workshop]",
        "customer_service: [worskhop]",
        "worskhop",
        "ref.unknown_department",
        "unknown department 'worskhop'",
        "did you mean 'workshop'?",
    ),
    (
        WF,
        "roles: [agent]\n",
        "roles: [agnt]\n",
        "agnt",
        "ref.unknown_role",
        "unknown role 'agnt'",
        "did you mean 'agent'?",
    ),
    (
        ROUTING,
        "department: workshop,",
        "department: worksho,",
        "worksho,",
        "ref.unknown_department",
        "unknown department 'worksho'",
        "did you mean 'workshop'?",
    ),
    (
        ROUTING,
        "queue: customer_service",
        "queue: customer_servce",
        "customer_servce",
        "ref.unknown_department",
        "unknown department 'customer_servce'",
        "did you mean 'customer_service'?",
    ),
    (
        SLA,
        "calendar: cn_workdays\n  targets:\n    urgent",
        "calendar: cn_wrkdays\n  targets:\n    urgent",
        "cn_wrkdays",
        "ref.unknown_calendar",
        "unknown calendar 'cn_wrkdays'",
        "did you mean 'cn_workdays'?",
    ),
    (
        SLA,
        "pause_states: [waiting_parts]",
        "pause_states: [waiting_part]",
        "waiting_part]",
        "ref.unknown_state",
        "unknown state 'waiting_part'",
        "did you mean 'waiting_parts'?",
    ),
    (
        SURVEY,
        "for: [repair]",
        "for: [repiar]",
        "repiar",
        "ref.unknown_ticket_type",
        "unknown ticket type 'repiar'",
        "did you mean 'repair'?",
    ),
    (
        "departments/departments.yaml",
        "parent: customer_service",
        "parent: customer_srvice",
        "customer_srvice",
        "ref.unknown_department",
        "unknown department 'customer_srvice'",
        "did you mean 'customer_service'?",
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "needle", "code", "message", "hint"),
    CASES,
    ids=[f"{c[4]}:{c[3].strip()}" for c in CASES],
)
def test_unresolved_reference_is_reported_where_written(
    file: str, old: str, new: str, needle: str, code: str, message: str, hint: str
) -> None:
    problems, texts = validate_edited({file: [(old, new)]})
    assert [(p.code, p.message, p.hint) for p in problems] == [(code, message, hint)]
    problem = problems[0]
    assert (problem.file, problem.line, problem.column) == where(texts, file, needle)
    assert problem.severity == "error"


def test_minimal_set_is_valid() -> None:
    problems, _ = validate_edited()
    assert problems == []


def test_reference_to_schema_invalid_definition_is_not_reported_twice() -> None:
    # The workflow breaks its schema; the ticket type's reference to it still resolves.
    problems, _ = validate_edited({WF: [("initial: new", "initial: 5")]})
    assert problems
    assert {p.file for p in problems} == {WF}
    assert all(p.code.startswith("schema.") for p in problems)


def test_builtin_system_role_needs_no_definition() -> None:
    problems, _ = validate_edited({WF: [("[customer, agent, system]", "[system]")]})
    assert problems == []


def test_skill_reference_names_a_known_variable() -> None:
    old = "assign: {department: workshop, strategy: least_loaded}"
    new = (
        "assign: {department: workshop, strategy: skill_match, "
        'skills_any: ["$ticket.product_modle", espresso]}'
    )
    problems, texts = validate_edited({ROUTING: [(old, new)]})
    assert [(p.code, p.message, p.hint) for p in problems] == [
        (
            "ref.unknown_field",
            "skill reference '$ticket.product_modle' names no ticket, customer or asset variable",
            "did you mean 'ticket.product_model'?",
        )
    ]
    assert (problems[0].line, problems[0].column) == where(texts, ROUTING, '"$ticket')[1:]


def test_form_field_cannot_take_a_core_attribute_key() -> None:
    problems, texts = validate_edited(
        {TT: [("{key: fault_code, type: text", "{key: priority, type: text")]}
    )
    assert [(p.code, p.message) for p in problems if p.code == "field.reserved_key"] == [
        (
            "field.reserved_key",
            "'priority' is a core ticket attribute; a form field cannot use that key",
        )
    ]


def test_option_values_are_unique() -> None:
    problems, texts = validate_edited(
        {"options/product_models.yaml": [("{value: cm_lite,", "{value: cm_pro_x1,")]}
    )
    assert [(p.code, p.message) for p in problems] == [
        ("option_list.duplicate_value", "option 'cm_pro_x1' is listed twice")
    ]
    assert problems[0].line == 7


def test_department_parents_do_not_form_a_cycle() -> None:
    problems, _ = validate_edited(
        {
            "departments/departments.yaml": [
                ("spec: {email: support@example.com}", "spec: {parent: workshop}")
            ]
        }
    )
    assert sorted((p.key, p.code) for p in problems) == [
        ("customer_service", "department.parent_cycle"),
        ("workshop", "department.parent_cycle"),
    ]
