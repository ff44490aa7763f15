"""Type-checking conditions: every issue, with its code, exact message, hint and path."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gongdan.conditions import (
    ConditionFunction,
    ConditionIssue,
    Variable,
    base_scope,
    check_condition,
    core_functions,
    ticket_type_scope,
)
from gongdan.workflow.fields import FieldType, core_field_types

SCOPE = ticket_type_scope(
    [
        {"key": "symptom", "type": "textarea"},
        {"key": "tags", "type": "multiselect", "options": "tags"},
        {"key": "on_site", "type": "bool"},
        {"key": "visit_address", "type": "address"},
        {"key": "amount", "type": "money"},
    ],
    states=["new", "diagnosing", "closed"],
    option_lists={"tags": ["noisy", "leaking"]},
)


def issues(node: object, scope=SCOPE, functions=None) -> list[tuple[object, ...]]:
    return [(i.path, i.code, i.message, i.hint) for i in check_condition(node, scope, functions)]


def test_a_good_condition_has_no_issues() -> None:
    node = {
        "all": [
            {"field": "ticket.priority", "op": "in", "value": ["high", "urgent"]},
            {
                "any": [
                    {"field": "asset.in_warranty", "op": "eq", "value": False},
                    {"field": "customer.tier", "op": "eq", "value": "gold"},
                ]
            },
            {"not": {"field": "ticket.channel", "op": "eq", "value": "email"}},
            {"field": "ticket.created_at", "op": "older_than", "value": "P7D"},
            {"field": "ticket.updated_at", "op": "lt", "value": "$now"},
            {"field": "ticket.assignee", "op": "eq", "value": "$user.id"},
            {"field": "ticket.tags", "op": "contains", "value": "noisy"},
            {"field": "ticket.symptom", "op": "matches", "value": "漏(水|油)"},
            {"field": "ticket.amount", "op": "between", "value": [0, 99.5]},
            {"field": "ticket.state", "op": "changed_to", "value": "closed"},
            {"field": "asset.warranty_end", "op": "ge", "value": "$ticket.created_at"},
            {"fn": "text.contains_any", "args": {"field": "ticket.symptom", "words": ["水"]}},
        ]
    }
    assert check_condition(node, SCOPE) == []


def test_unknown_field_suggests_the_closest_name() -> None:
    assert issues({"field": "ticket.priorty", "op": "eq", "value": "high"}) == [
        (
            ("field",),
            "condition.unknown_field",
            "unknown field 'ticket.priorty'",
            "did you mean 'ticket.priority'?",
        )
    ]


def test_operator_not_allowed_lists_the_allowed_ones() -> None:
    assert issues({"field": "ticket.priority", "op": "gt", "value": "high"}) == [
        (
            ("op",),
            "condition.operator_not_allowed",
            "operator 'gt' is not allowed for field 'ticket.priority' of type select "
            "(allowed: eq, ne, in, not_in, is_set, is_empty, changed, changed_to, changed_from)",
            None,
        )
    ]


def test_unknown_operator() -> None:
    assert issues({"field": "ticket.reopen_count", "op": "gte", "value": 1}) == [
        (("op",), "condition.unknown_operator", "unknown operator 'gte'", "did you mean 'gt'?")
    ]


def test_value_outside_the_options() -> None:
    assert issues({"field": "ticket.priority", "op": "eq", "value": "urgen"}) == [
        (
            ("value",),
            "condition.bad_value",
            "'urgen' is not a value of 'ticket.priority'",
            "did you mean 'urgent'?",
        )
    ]
    assert issues({"field": "ticket.state", "op": "in", "value": ["new", "zzz"]}) == [
        (
            ("value", 1),
            "condition.bad_value",
            "'zzz' is not a value of 'ticket.state'",
            "allowed: new, diagnosing, closed",
        )
    ]


def test_values_of_the_wrong_type() -> None:
    node = {
        "all": [
            {"field": "ticket.reopen_count", "op": "gt", "value": "two"},
            {"field": "ticket.on_site", "op": "eq", "value": "yes"},
            {"field": "ticket.created_at", "op": "lt", "value": "yesterday"},
            {"field": "ticket.number", "op": "eq", "value": 12},
            {"field": "ticket.assignee", "op": "eq", "value": True},
        ]
    }
    assert issues(node) == [
        (
            ("all", 0, "value"),
            "condition.bad_value",
            "expected a number for 'ticket.reopen_count', got text ('two')",
            None,
        ),
        (
            ("all", 1, "value"),
            "condition.bad_value",
            "expected true or false for 'ticket.on_site', got text ('yes')",
            None,
        ),
        (
            ("all", 2, "value"),
            "condition.bad_value",
            "expected a date or date and time (ISO 8601) for 'ticket.created_at', got text "
            "('yesterday')",
            None,
        ),
        (
            ("all", 3, "value"),
            "condition.bad_value",
            "expected text for 'ticket.number', got a number (12)",
            None,
        ),
        (
            ("all", 4, "value"),
            "condition.bad_value",
            "expected an id for 'ticket.assignee', got a boolean (true)",
            None,
        ),
    ]


def test_value_arity() -> None:
    node = {
        "any": [
            {"field": "ticket.priority", "op": "is_set", "value": "high"},
            {"field": "ticket.priority", "op": "eq"},
            {"field": "ticket.priority", "op": "in", "value": "high"},
            {"field": "ticket.reopen_count", "op": "between", "value": [1]},
            {"field": "ticket.reopen_count", "op": "between", "value": [5, 1]},
        ]
    }
    assert issues(node) == [
        (("any", 0, "value"), "condition.bad_value", "operator 'is_set' takes no value", None),
        (("any", 1), "condition.bad_value", "operator 'eq' needs a value", None),
        (
            ("any", 2, "value"),
            "condition.bad_value",
            "operator 'in' needs a list of values, got text ('high')",
            None,
        ),
        (
            ("any", 3, "value"),
            "condition.bad_value",
            "operator 'between' needs a list of two values [low, high], got a list",
            None,
        ),
        (("any", 4, "value"), "condition.bad_value", "low 5 is greater than high 1", None),
    ]


def test_durations_and_patterns() -> None:
    node = {
        "all": [
            {"field": "ticket.updated_at", "op": "older_than", "value": "7 days"},
            {"field": "ticket.updated_at", "op": "within_last", "value": "-P1D"},
            {"field": "ticket.symptom", "op": "matches", "value": "(["},
        ]
    }
    assert issues(node) == [
        (
            ("all", 0, "value"),
            "condition.bad_value",
            "'7 days' is not an ISO 8601 duration (e.g. PT4H, P7D)",
            None,
        ),
        (
            ("all", 1, "value"),
            "condition.bad_value",
            "'-P1D' is not an ISO 8601 duration (e.g. PT4H, P7D)",
            None,
        ),
        (
            ("all", 2, "value"),
            "condition.bad_value",
            "invalid regular expression '([': unterminated character set at position 1",
            None,
        ),
    ]


def test_zero_duration_is_refused() -> None:
    assert issues({"field": "ticket.updated_at", "op": "older_than", "value": "PT0S"}) == [
        (("value",), "condition.bad_value", "duration 'PT0S' must be longer than zero", None)
    ]


def test_references() -> None:
    node = {
        "all": [
            {"field": "ticket.assignee", "op": "eq", "value": "$ticket.nope"},
            {"field": "ticket.department", "op": "eq", "value": "$ticket.assignee"},
            {"field": "ticket.created_at", "op": "lt", "value": "$asset.warranty_end"},
            {"field": "ticket.number", "op": "eq", "value": "$$5"},
            {"field": "ticket.priority", "op": "in", "value": ["$ticket.priorty"]},
        ]
    }
    assert issues(node) == [
        (
            ("all", 0, "value"),
            "condition.unknown_reference",
            "unknown reference '$ticket.nope'",
            "did you mean '$ticket.type'?",
        ),
        (
            ("all", 1, "value"),
            "condition.type_mismatch",
            "'$ticket.assignee' (type user) cannot be compared with 'ticket.department' "
            "(type department)",
            None,
        ),
        (
            ("all", 4, "value", 0),
            "condition.unknown_reference",
            "unknown reference '$ticket.priorty'",
            "did you mean '$ticket.priority'?",
        ),
    ]


def test_malformed_shapes() -> None:
    node = {
        "all": [
            ["field", "op"],
            {"field": "ticket.priority", "op": "eq", "vaule": "high"},
            {"all": [], "field": "ticket.priority"},
            {"feild": "ticket.priority"},
            {"any": {"field": "ticket.priority"}},
            {"field": 3, "op": "is_set"},
            {"field": "ticket.priority"},
        ]
    }
    assert issues(node) == [
        (
            ("all", 0),
            "condition.malformed",
            "a condition must be a mapping with one of all, any, not, field, fn; got a list",
            None,
        ),
        (
            ("all", 1, "vaule"),
            "condition.malformed",
            "unknown key 'vaule' in a condition",
            "did you mean 'value'?",
        ),
        (("all", 1), "condition.bad_value", "operator 'eq' needs a value", None),
        (
            ("all", 2),
            "condition.malformed",
            "a condition has exactly one of all, any, not, field, fn; this one has 'all' and "
            "'field'",
            None,
        ),
        (
            ("all", 3),
            "condition.malformed",
            "a condition needs one of all, any, not, field, fn; got 'feild'",
            "did you mean 'field'?",
        ),
        (
            ("all", 4, "any"),
            "condition.malformed",
            "'any' needs a list of conditions, got a mapping",
            None,
        ),
        (
            ("all", 5, "field"),
            "condition.malformed",
            "'field' must be a variable name like 'ticket.priority', got a number (3)",
            None,
        ),
        (("all", 6), "condition.malformed", "missing 'op' (the operator, e.g. eq)", None),
    ]


def test_functions() -> None:
    node = {
        "all": [
            {"fn": "text.contains_anyy", "args": {}},
            {"fn": "text.contains_any", "args": {"field": "ticket.sympton", "word": ["x"]}},
            {"fn": "text.contains_any", "args": {"field": "ticket.symptom", "words": "x"}},
            {
                "fn": "time.within_hours",
                "args": {"field": "now", "from": "18:00", "to": "8", "timezone": "Mars/Base"},
            },
            {"fn": "text.contains_any", "args": ["ticket.symptom"]},
        ]
    }
    assert issues(node) == [
        (
            ("all", 0, "fn"),
            "condition.unknown_function",
            "unknown function 'text.contains_anyy'",
            "did you mean 'text.contains_any'?",
        ),
        (
            ("all", 1, "args"),
            "condition.bad_argument",
            "'text.contains_any' needs argument 'words'",
            None,
        ),
        (
            ("all", 1, "args", "field"),
            "condition.unknown_field",
            "unknown field 'ticket.sympton'",
            "did you mean 'ticket.symptom'?",
        ),
        (
            ("all", 1, "args", "word"),
            "condition.bad_argument",
            "'text.contains_any' has no argument 'word'",
            "did you mean 'words'?",
        ),
        (
            ("all", 2, "args", "words"),
            "condition.bad_argument",
            "argument 'words' of 'text.contains_any' needs a list, got text ('x')",
            None,
        ),
        (
            ("all", 3, "args", "to"),
            "condition.bad_argument",
            "'time.within_hours': '8' is not a time of day HH:MM",
            None,
        ),
        (
            ("all", 3, "args", "timezone"),
            "condition.bad_argument",
            "'time.within_hours': unknown time zone 'Mars/Base' (e.g. 'Asia/Shanghai')",
            None,
        ),
        (
            ("all", 4, "args"),
            "condition.malformed",
            "'args' must be a mapping of argument → value, got a list",
            None,
        ),
    ]


def test_plugin_function_arguments_are_typed() -> None:
    functions = core_functions()
    functions.register(
        ConditionFunction("spare_parts.in_stock", {"part": "text", "qty": "int"}, lambda a, c: True)
    )
    node = {"fn": "spare_parts.in_stock", "args": {"part": "$ticket.on_site", "qty": "two"}}
    assert issues(node, functions=functions) == [
        (
            ("args", "part"),
            "condition.type_mismatch",
            "'$ticket.on_site' (type bool) cannot be compared with argument 'part' of "
            "'spare_parts.in_stock' (type text)",
            None,
        ),
        (
            ("args", "qty"),
            "condition.bad_value",
            "expected a number for argument 'qty' of 'spare_parts.in_stock', got text ('two')",
            None,
        ),
    ]
    assert check_condition(node, SCOPE) != []  # unknown without the plugin


def test_plugin_field_types_and_context_variables() -> None:
    types = core_field_types()
    types.register(
        FieldType("spare_parts.part_lines", "list", frozenset({"is_set"}), lambda v, s: None)
    )
    scope = base_scope().extend_types({"ticket.parts": "spare_parts.part_lines", "pm.due": "date"})
    assert (
        check_condition({"field": "ticket.parts", "op": "is_set"}, scope, field_types=types) == []
    )
    assert check_condition({"field": "pm.due", "op": "older_than", "value": "P1D"}, scope) == []
    assert check_condition({"field": "ticket.parts", "op": "is_set"}, scope) == [
        ConditionIssue(
            ("field",),
            "condition.unknown_type",
            "'ticket.parts' has unknown type 'spare_parts.part_lines'",
        )
    ]


def test_all_issues_are_collected_across_the_tree() -> None:
    node = {
        "any": [
            {"field": "ticket.priorty", "op": "eq", "value": "high"},
            {"not": {"field": "ticket.channel", "op": "eq", "value": "fax"}},
            {"all": [{"field": "customer.tier", "op": "lt", "value": 3}]},
        ]
    }
    assert [i[0] for i in issues(node)] == [
        ("any", 0, "field"),
        ("any", 1, "not", "value"),
        ("any", 2, "all", 0, "op"),
    ]


def test_scope_variables_with_options_of_unknown_list_accept_any_value() -> None:
    scope = SCOPE.extend(Variable("ticket.product_model", "select"))
    assert check_condition({"field": "ticket.product_model", "op": "eq", "value": "x"}, scope) == []


_garbage = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["all", "any", "not", "field", "op", "value", "fn", "args", "x"])
            | st.text(max_size=5),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)
_fields = st.sampled_from(["ticket.priority", "ticket.created_at", "ticket.tags", "now", "nope"])
_ops = st.sampled_from(["eq", "in", "between", "matches", "older_than", "contains", "is_set", "x"])
_leaf = st.fixed_dictionaries({"field": _fields, "op": _ops, "value": _garbage})


@settings(max_examples=300, deadline=None)
@given(node=_garbage | _leaf | st.fixed_dictionaries({"all": st.lists(_leaf | _garbage)}))
def test_check_condition_never_raises(node: object) -> None:
    result = check_condition(node, SCOPE)
    assert all(isinstance(issue, ConditionIssue) for issue in result)


def test_deep_nesting_is_reported_not_a_recursion_error() -> None:
    node: object = {"field": "ticket.priority", "op": "is_set"}
    for _ in range(5000):
        node = {"not": node}
    found = check_condition(node, SCOPE)
    assert [i.code for i in found] == ["condition.malformed"]
    assert found[0].message == "condition nested deeper than 64"


def test_issues_become_positioned_problems() -> None:
    from gongdan.definitions.documents import Definition, SourceMap

    source = SourceMap("repair.yaml", {("spec", "when", "field"): (7, 14)})
    definition = Definition("RoutingRule", "vip", {"spec": {}}, source)
    [issue] = check_condition({"field": "ticket.priorty", "op": "is_set"}, SCOPE)
    problem = issue.problem(definition, ("spec", "when"))
    assert problem.format() == (
        "repair.yaml:7:14: $.spec.when.field: unknown field 'ticket.priorty' "
        "(did you mean 'ticket.priority'?)"
    )
