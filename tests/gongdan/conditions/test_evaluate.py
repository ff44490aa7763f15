"""Compiled conditions in Python: every operator per value kind, missing values, changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongdan.conditions import (
    OPERATORS,
    ConditionFunction,
    EvaluationContext,
    compile_condition,
    core_functions,
    flatten,
    referenced_fields,
)
from gongdan.errors import ConditionError

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def holds(node: object, values: dict[str, object], before: dict[str, object] | None = None) -> bool:
    return compile_condition(node)(EvaluationContext(values, before, NOW))


def leaf(field: str, op: str, value: object = None, *, has_value: bool = True) -> dict[str, object]:
    node: dict[str, object] = {"field": field, "op": op}
    if has_value and op not in ("is_set", "is_empty", "changed"):
        node["value"] = value
    return node


CASES = [
    # text
    ("text", "eq", "漏水", "漏水", True),
    ("text", "eq", "Leak", "leak", False),
    ("text", "ne", "a", "b", True),
    ("text", "in", "a", ["a", "b"], True),
    ("text", "not_in", "a", ["b"], True),
    ("text", "contains", "机器漏水", "漏水", True),
    ("text", "contains", "Leak", "leak", False),
    ("text", "starts_with", "RP-2026", "RP-", True),
    ("text", "starts_with", "XRP-", "RP-", False),
    ("text", "matches", "E-042 overheated", r"E-\d{3}", True),
    ("text", "matches", "fine", "(?i)LEAK", False),
    ("text", "is_set", "x", None, True),
    ("text", "is_set", "", None, False),
    ("text", "is_empty", "", None, True),
    # number
    ("number", "eq", 3, 3.0, True),
    ("number", "eq", Decimal("1.50"), 1.5, True),
    ("number", "lt", 2, 3, True),
    ("number", "le", 3, 3, True),
    ("number", "gt", 3, 3, False),
    ("number", "ge", 3, 3, True),
    ("number", "between", 5, [1, 5], True),
    ("number", "between", 6, [1, 5], False),
    ("number", "in", 2, [1, 2], True),
    ("number", "is_set", 0, None, True),
    # bool
    ("bool", "eq", False, False, True),
    ("bool", "eq", 0, False, False),
    ("bool", "ne", True, False, True),
    ("bool", "is_set", False, None, True),
    # date
    ("date", "eq", date(2026, 3, 1), "2026-03-01", True),
    ("date", "lt", date(2026, 3, 1), "2026-03-02", True),
    ("date", "ge", date(2026, 3, 1), "$now", False),
    ("date", "older_than", date(2026, 3, 1), "P7D", True),
    ("date", "older_than", date(2026, 3, 5), "P7D", False),
    ("date", "within_last", date(2026, 3, 5), "P7D", True),
    ("date", "within_last", date(2026, 3, 11), "P7D", False),
    ("date", "between", date(2026, 3, 5), ["2026-03-01", "2026-03-05"], True),
    # datetime
    ("datetime", "eq", datetime(2026, 3, 1, 23, 0, tzinfo=UTC), "2026-03-01", True),
    (
        "datetime",
        "eq",
        datetime(2026, 3, 2, 7, 0, tzinfo=timezone(timedelta(hours=8))),
        "2026-03-01",
        True,
    ),
    ("datetime", "le", datetime(2026, 3, 1, 23, 0, tzinfo=UTC), "2026-03-01", True),
    ("datetime", "gt", datetime(2026, 3, 1, 23, 0, tzinfo=UTC), "2026-03-01", False),
    ("datetime", "lt", datetime(2026, 3, 1, 8, 0), "2026-03-01T09:00:00+00:00", True),
    ("datetime", "lt", datetime(2026, 3, 1, 8, 0, tzinfo=UTC), "2026-03-01T09:00:00+08:00", False),
    ("datetime", "older_than", NOW - timedelta(hours=5), "PT4H", True),
    ("datetime", "older_than", NOW - timedelta(hours=3), "PT4H", False),
    ("datetime", "within_last", NOW - timedelta(hours=3), "PT4H", True),
    ("datetime", "within_last", NOW + timedelta(hours=1), "PT4H", False),
    ("datetime", "older_than", NOW - timedelta(days=40), "P1M", True),
    ("datetime", "lt", "2026-03-01T08:00:00Z", "$now", True),
    # choice
    ("choice", "eq", "high", "high", True),
    ("choice", "in", "urgent", ["high", "urgent"], True),
    ("choice", "not_in", "low", ["high", "urgent"], True),
    # choices (multiselect)
    ("choices", "contains", ["noisy", "leaking"], "leaking", True),
    ("choices", "contains", ["noisy"], "leaking", False),
    ("choices", "is_set", [], None, False),
    ("choices", "is_empty", [], None, True),
    # reference
    ("reference", "eq", 12, 12, True),
    ("reference", "eq", 12, "12", False),
    ("reference", "in", "dept_a", ["dept_a"], True),
    # object / list
    ("object", "is_set", {"city": "上海"}, None, True),
    ("object", "is_empty", {}, None, True),
    ("list", "is_set", ["file-1"], None, True),
]


@pytest.mark.parametrize(("kind", "op", "actual", "value", "expected"), CASES)
def test_operators(kind: str, op: str, actual: object, value: object, expected: bool) -> None:
    assert holds(leaf("ticket.x", op, value), {"ticket.x": actual}) is expected


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("eq", "a", False),
        ("ne", "a", True),
        ("in", ["a"], False),
        ("not_in", ["a"], True),
        ("lt", 3, False),
        ("ge", 3, False),
        ("between", [1, 3], False),
        ("contains", "a", False),
        ("starts_with", "a", False),
        ("matches", ".*", False),
        ("is_set", None, False),
        ("is_empty", None, True),
        ("older_than", "P1D", False),
        ("within_last", "P1D", False),
    ],
)
def test_missing_values_never_raise(op: str, value: object, expected: bool) -> None:
    node = leaf("ticket.x", op, value)
    assert holds(node, {}) is expected
    assert holds(node, {"ticket.x": None}) is expected


def test_incomparable_values_are_false_not_type_errors() -> None:
    assert holds(leaf("ticket.x", "lt", 3), {"ticket.x": "two"}) is False
    assert holds(leaf("ticket.x", "gt", "2026-01-01"), {"ticket.x": 5}) is False
    assert holds(leaf("ticket.x", "lt", [1]), {"ticket.x": [0]}) is False
    assert holds(leaf("ticket.x", "ne", 3), {"ticket.x": "two"}) is True


def test_ne_is_the_negation_of_eq() -> None:
    for actual in (None, "a", "b", 1):
        values = {"ticket.x": actual}
        assert holds(leaf("ticket.x", "ne", "a"), values) is not holds(
            leaf("ticket.x", "eq", "a"), values
        )
        assert holds({"not": leaf("ticket.x", "eq", "a")}, values) is holds(
            leaf("ticket.x", "ne", "a"), values
        )


def test_all_any_not() -> None:
    values = {"ticket.priority": "high", "ticket.channel": "email"}
    assert holds({"all": []}, values) is True
    assert holds({"any": []}, values) is False
    node = {
        "all": [
            leaf("ticket.priority", "in", ["high", "urgent"]),
            {"any": [leaf("asset.in_warranty", "eq", False), leaf("ticket.channel", "eq", "web")]},
            {"not": leaf("ticket.channel", "eq", "web")},
        ]
    }
    assert holds(node, values) is False
    assert holds(node, {**values, "asset.in_warranty": False}) is True


def test_nested_values_and_flatten() -> None:
    nested = {"ticket": {"priority": "high", "visit_address": {"city": "上海"}}}
    assert holds(leaf("ticket.priority", "eq", "high"), nested) is True
    assert holds(leaf("ticket.visit_address.city", "eq", "上海"), nested) is True
    assert flatten(nested) == {
        "ticket": nested["ticket"],
        "ticket.priority": "high",
        "ticket.visit_address": {"city": "上海"},
        "ticket.visit_address.city": "上海",
    }


def test_changed_compares_before_and_after() -> None:
    after = {"ticket.state": "resolved", "ticket.priority": "high"}
    before = {"ticket.state": "diagnosing", "ticket.priority": "high"}
    assert holds(leaf("ticket.state", "changed"), after, before) is True
    assert holds(leaf("ticket.priority", "changed"), after, before) is False
    assert holds(leaf("ticket.state", "changed_to", "resolved"), after, before) is True
    assert holds(leaf("ticket.state", "changed_to", "closed"), after, before) is False
    assert holds(leaf("ticket.state", "changed_from", "diagnosing"), after, before) is True
    assert holds(leaf("ticket.priority", "changed_to", "high"), after, before) is False
    # No change being judged: nothing changed.
    assert holds(leaf("ticket.state", "changed"), after) is False
    assert holds(leaf("ticket.state", "changed_to", "resolved"), after) is False


def test_changed_treats_unset_values_alike() -> None:
    assert holds(leaf("ticket.x", "changed"), {"ticket.x": ""}, {"ticket.x": None}) is False
    assert holds(leaf("ticket.x", "changed"), {"ticket.x": "a"}, {}) is True
    assert holds(leaf("ticket.x", "changed_from", "a"), {}, {"ticket.x": "a"}) is True
    naive, aware = datetime(2026, 1, 1, 8), datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert holds(leaf("ticket.x", "changed"), {"ticket.x": aware}, {"ticket.x": naive}) is False


def test_references_resolve_from_the_context() -> None:
    values = {"ticket.assignee": 7, "user.id": 7, "ticket.created_at": NOW - timedelta(days=1)}
    assert holds(leaf("ticket.assignee", "eq", "$user.id"), values) is True
    assert holds(leaf("ticket.assignee", "in", [1, "$user.id"]), values) is True
    assert holds(leaf("ticket.created_at", "lt", "$now"), values) is True
    assert holds(leaf("ticket.created_at", "gt", "$ticket.nothing"), values) is False
    assert holds(leaf("ticket.number", "eq", "$$5"), {"ticket.number": "$5"}) is True


def test_now_defaults_to_the_current_time() -> None:
    predicate = compile_condition(leaf("ticket.created_at", "within_last", "PT1M"))
    assert predicate(EvaluationContext({"ticket.created_at": datetime.now(UTC)})) is True
    assert compile_condition(leaf("now", "gt", "2020-01-01"))(EvaluationContext({})) is True


def test_core_functions() -> None:
    contains_any = {
        "fn": "text.contains_any",
        "args": {"field": "ticket.symptom", "words": ["漏水", "LEAK"]},
    }
    assert holds(contains_any, {"ticket.symptom": "pump leaks"}) is True
    assert holds(contains_any, {"ticket.symptom": "机器漏水了"}) is True
    assert holds(contains_any, {"ticket.symptom": "noisy"}) is False
    assert holds(contains_any, {}) is False
    night = {
        "fn": "time.within_hours",
        "args": {
            "field": "ticket.created_at",
            "from": "18:00",
            "to": "08:00",
            "timezone": "Asia/Shanghai",
        },
    }
    # 12:00 UTC is 20:00 in Shanghai: inside a window that wraps past midnight.
    assert holds(night, {"ticket.created_at": NOW}) is True
    assert holds(night, {"ticket.created_at": NOW - timedelta(hours=6)}) is False


def test_plugin_functions_receive_resolved_arguments() -> None:
    seen: list[dict[str, object]] = []

    def in_stock(args, context):  # type: ignore[no-untyped-def]
        seen.append(dict(args))
        return args["part"] == "P-1"

    functions = core_functions()
    functions.register(
        ConditionFunction(
            "spare_parts.in_stock", {"part": "text", "qty": "int"}, in_stock, defaults={"qty": 1}
        )
    )
    node = {"fn": "spare_parts.in_stock", "args": {"part": "$ticket.part_no"}}
    predicate = compile_condition(node, functions)
    assert predicate(EvaluationContext({"ticket.part_no": "P-1"})) is True
    assert seen == [{"part": "P-1", "qty": 1}]


def test_a_failing_plugin_function_names_itself() -> None:
    functions = core_functions()
    functions.register(
        ConditionFunction("pm.broken", {}, lambda args, context: 1 / 0)  # type: ignore[arg-type]
    )
    predicate = compile_condition({"fn": "pm.broken"}, functions)
    with pytest.raises(ConditionError, match="condition function 'pm.broken' failed: division"):
        predicate(EvaluationContext({}))


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (
            {"field": "ticket.x", "op": "gte", "value": 1},
            "condition at $.op: unknown operator 'gte'",
        ),
        (
            {"all": [{"field": "ticket.x", "op": "eq"}]},
            "condition at $.all[0]: operator 'eq' needs a value",
        ),
        (
            {"field": "ticket.x", "op": "matches", "value": "(["},
            "condition at $.value: invalid regular expression '([': unterminated character set at "
            "position 1",
        ),
        (
            {"field": "ticket.x", "op": "older_than", "value": "soon"},
            "condition at $.value: 'soon' is not an ISO 8601 duration (e.g. PT4H, P7D)",
        ),
        ({"fn": "nope.nothing"}, "condition at $.fn: unknown function 'nope.nothing'"),
        ([1], "condition at $: a condition needs exactly one of all, any, not, field, fn"),
    ],
)
def test_compile_rejects_malformed_conditions(node: object, message: str) -> None:
    with pytest.raises(ConditionError) as caught:
        compile_condition(node)
    assert caught.value.message == message


def test_referenced_fields() -> None:
    node = {
        "all": [
            leaf("ticket.priority", "in", ["high", "$customer.default_priority"]),
            {"not": leaf("ticket.assignee", "eq", "$user.id")},
            leaf("ticket.updated_at", "older_than", "P1D"),
            {"fn": "text.contains_any", "args": {"field": "ticket.symptom", "words": ["x"]}},
            {"fn": "spare_parts.in_stock", "args": {"part": "$ticket.part_no"}},
            ["garbage"],
        ]
    }
    expected = {
        "ticket.priority",
        "customer.default_priority",
        "ticket.assignee",
        "user.id",
        "ticket.updated_at",
        "now",
        "ticket.symptom",
        "ticket.part_no",
    }
    assert referenced_fields(node) == expected
    assert compile_condition(leaf("ticket.a", "eq", "$ticket.b")).fields == {"ticket.a", "ticket.b"}


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.decimals(allow_nan=False)
    | st.text(max_size=8)
    | st.dates()
    | st.datetimes(timezones=st.none() | st.just(UTC))
    | st.sampled_from(["$now", "$ticket.x", "$ticket.y", "P1D", "2026-03-01", "$$x", "("])
)
_garbage = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["all", "any", "not", "field", "op", "value", "fn", "args"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=12,
)
_leaves = st.fixed_dictionaries(
    {
        "field": st.sampled_from(["ticket.x", "ticket.y", "now"]),
        "op": st.sampled_from(OPERATORS),
        "value": _garbage,
    }
)


@settings(max_examples=400, deadline=None)
@given(
    node=_garbage | _leaves | st.lists(_leaves).map(lambda items: {"any": items}),
    x=_garbage,
    y=_garbage,
    before_x=_garbage,
)
def test_compile_raises_only_condition_errors_and_predicates_never_raise(
    node: object, x: object, y: object, before_x: object
) -> None:
    try:
        predicate = compile_condition(node)
    except ConditionError:
        return
    context = EvaluationContext({"ticket.x": x, "ticket.y": y}, {"ticket.x": before_x}, NOW)
    assert predicate(context) in (True, False)
