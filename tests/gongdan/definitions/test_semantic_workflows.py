"""The state graph of a workflow is sound: one start, everything reachable, always a way out."""

from __future__ import annotations

from tests.gongdan.definitions.fixtures.minimal_set import validate_edited, where

WF = "workflows/repair_flow.yaml"
NEED_PARTS = "{key: need_parts, from: diagnosing, to: waiting_parts, roles: [engineer]}"
PARTS_ARRIVED = "{key: parts_arrived, from: waiting_parts, to: diagnosing, roles: [engineer]}"


def _summary(problems):
    return [(p.code, p.message, p.hint, (p.file, p.line, p.column)) for p in problems]


def test_unreachable_state_is_named_at_its_definition() -> None:
    edit = NEED_PARTS.replace("to: waiting_parts", "to: diagnosing")
    problems, texts = validate_edited({WF: [(NEED_PARTS, edit)]})
    assert _summary(problems) == [
        (
            "workflow.unreachable_state",
            "state 'waiting_parts' cannot be reached from the initial state 'new'",
            None,
            where(texts, WF, "waiting_parts, category"),
        )
    ]


def test_state_without_a_way_to_a_final_state_is_a_dead_end() -> None:
    edit = PARTS_ARRIVED.replace("to: diagnosing", "to: waiting_parts")
    problems, texts = validate_edited({WF: [(PARTS_ARRIVED, edit)]})
    assert _summary(problems) == [
        (
            "workflow.dead_end",
            "no final state can be reached from state 'waiting_parts'",
            None,
            where(texts, WF, "waiting_parts, category"),
        )
    ]


def test_transition_out_of_a_final_state_is_refused() -> None:
    problems, texts = validate_edited(
        {WF: [("{key: reopen, from: resolved", "{key: reopen, from: closed")]}
    )
    assert _summary(problems) == [
        (
            "workflow.transition_from_final",
            "transition 'reopen' leaves final state 'closed'",
            None,
            where(texts, WF, "closed, to: diagnosing"),
        )
    ]


def test_category_closed_counts_as_final() -> None:
    problems, _ = validate_edited(
        {
            WF: [
                ("{key: closed, category: closed, final: true}", "{key: closed, category: closed}"),
                ("{key: reopen, from: resolved", "{key: reopen, from: closed"),
            ]
        }
    )
    assert [p.code for p in problems] == ["workflow.transition_from_final"]


def test_transition_to_unknown_state_suggests_the_right_one() -> None:
    old = "from: diagnosing\n      to: resolved"
    problems, texts = validate_edited({WF: [(old, old.replace("resolved", "resolvd"))]})
    unknown = [p for p in problems if p.code == "workflow.unknown_state"]
    assert [(p.message, p.hint) for p in unknown] == [
        ("unknown state 'resolvd'", "did you mean 'resolved'?")
    ]
    assert (unknown[0].file, unknown[0].line, unknown[0].column) == where(texts, WF, "resolvd")


def test_transition_from_unknown_state() -> None:
    problems, texts = validate_edited(
        {WF: [("{key: close, from: resolved,", "{key: close, from: [resolved, done],")]}
    )
    unknown = [p for p in problems if p.code == "workflow.unknown_state"]
    assert [(p.message, p.json_path) for p in unknown] == [
        ("unknown state 'done'", "$.spec.transitions[4].from[1]")
    ]
    assert (unknown[0].line, unknown[0].column) == where(texts, WF, "done]")[1:]


def test_unknown_initial_state() -> None:
    problems, texts = validate_edited({WF: [("initial: new", "initial: neww")]})
    assert _summary(problems) == [
        (
            "workflow.unknown_initial",
            "initial state 'neww' is not one of the workflow's states",
            "did you mean 'new'?",
            where(texts, WF, "neww"),
        )
    ]


def test_workflow_without_final_state() -> None:
    problems, texts = validate_edited(
        {
            WF: [
                (
                    "{key: closed, category: closed, final: true}",
                    "{key: closed, category: resolved}",
                ),
            ]
        }
    )
    assert [p.code for p in problems] == ["workflow.no_final_state"]
    assert problems[0].message == "the workflow has no final state (final: true or category closed)"


def test_duplicate_state_and_transition_keys() -> None:
    problems, texts = validate_edited(
        {
            WF: [
                ("{key: waiting_parts, category: paused", "{key: diagnosing, category: paused"),
                ("{key: parts_arrived,", "{key: need_parts,"),
            ]
        }
    )
    duplicates = [(p.code, p.message) for p in problems if "duplicate" in p.code]
    assert duplicates == [
        ("workflow.duplicate_state", "state 'diagnosing' is defined twice"),
        ("workflow.duplicate_transition", "transition 'need_parts' is defined twice"),
    ]


def test_transition_condition_is_checked_for_every_ticket_type_using_the_workflow() -> None:
    second_type = (
        "kind: TicketType\nkey: install\ntitle: {en: Install}\nspec:\n"
        "  workflow: repair_flow\n  fields:\n    - {key: product_model, type: text}\n"
    )
    problems, texts = validate_edited(extra={"ticket_types/install.yaml": second_type})
    assert [(p.code, p.message, p.json_path) for p in problems] == [
        (
            "condition.unknown_field",
            "unknown field 'ticket.fault_code' (in ticket type 'install')",
            "$.spec.transitions[3].when.field",
        )
    ]
    assert (problems[0].line, problems[0].column) == where(texts, WF, "ticket.fault_code")[1:]


def test_require_fields_must_exist_in_every_ticket_type_using_the_workflow() -> None:
    second_type = (
        "kind: TicketType\nkey: install\ntitle: {en: Install}\nspec:\n"
        "  workflow: repair_flow\n  fields:\n    - {key: fault_code, type: text}\n"
    )
    problems, _ = validate_edited(extra={"ticket_types/install.yaml": second_type})
    assert [(p.code, p.message, p.hint) for p in problems] == [
        (
            "workflow.unknown_required_field",
            "transition 'triage' requires field 'product_model', which ticket type 'install' "
            "does not have",
            None,
        )
    ]


def test_wildcard_source_reaches_final_from_every_open_state() -> None:
    # A cancel-from-anywhere transition rescues the dead end of waiting_parts.
    edit = PARTS_ARRIVED.replace("to: diagnosing", "to: waiting_parts")
    cancel = '    - {key: cancel, from: "*", to: closed, roles: [agent]}\n  transfers:'
    problems, _ = validate_edited({WF: [(PARTS_ARRIVED, edit), ("  transfers:", cancel)]})
    assert problems == []
