"""Field types: the core set, their operators, value checks and plugin registration."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from gongdan.conditions.operators import OPERATORS
from gongdan.errors import PluginError
from gongdan.workflow.fields import (
    CORE_FIELD_TYPE_NAMES,
    OPERATORS_BY_KIND,
    FieldType,
    core_field_types,
)

CORE = (
    "text textarea int decimal money bool date datetime select multiselect email phone user "
    "department customer contact address asset attachments signature geo table"
).split()


def check(type_name: str, value: object, **spec: object) -> str | None:
    field_type = core_field_types().get(type_name)
    assert field_type is not None
    return field_type.check_value(value, spec)


def test_core_registry_has_every_documented_type() -> None:
    registry = core_field_types()
    assert sorted(registry.names()) == sorted(CORE)
    assert set(CORE_FIELD_TYPE_NAMES) == set(CORE)
    assert registry.get("txt") is None


def test_every_kind_allows_only_operators_of_the_closed_set() -> None:
    for operators in OPERATORS_BY_KIND.values():
        assert operators <= set(OPERATORS)


@pytest.mark.parametrize(
    ("type_name", "kind", "allowed", "refused"),
    [
        ("text", "text", {"contains", "matches", "starts_with"}, {"lt", "older_than"}),
        ("money", "number", {"lt", "between", "changed_to"}, {"contains"}),
        ("bool", "bool", {"eq", "changed_from"}, {"in", "lt"}),
        ("datetime", "datetime", {"older_than", "within_last", "between"}, {"in"}),
        ("date", "date", {"lt", "older_than"}, {"contains"}),
        ("select", "choice", {"in", "not_in"}, {"gt", "contains"}),
        ("multiselect", "choices", {"contains"}, {"eq", "in"}),
        ("user", "reference", {"eq", "in"}, {"lt"}),
        ("address", "object", {"is_set", "changed"}, {"eq"}),
        ("attachments", "list", {"is_empty"}, {"contains"}),
    ],
)
def test_operators_follow_the_value_kind(
    type_name: str, kind: str, allowed: set[str], refused: set[str]
) -> None:
    field_type = core_field_types().get(type_name)
    assert field_type is not None
    assert field_type.value_kind == kind
    assert allowed <= field_type.operators
    assert not refused & field_type.operators


@pytest.mark.parametrize(
    ("type_name", "value", "spec", "error"),
    [
        ("text", 5, {}, "expected text, got a number (5)"),
        ("text", "abcdef", {"max_length": 3}, "6 characters is longer than the 3 allowed"),
        ("email", "ann@example", {}, "'ann@example' is not a valid email address"),
        ("phone", "call me", {}, "'call me' is not a valid phone number"),
        ("int", 3.5, {}, "expected a whole number, got 3.5"),
        ("int", True, {}, "expected a number, got a boolean (true)"),
        ("int", 11, {"min": 0, "max": 10}, "11 is greater than the maximum 10"),
        ("decimal", -1, {"min": 0}, "-1 is less than the minimum 0"),
        ("money", 1.234, {}, "1.234 has more than 2 decimal places"),
        ("bool", "yes", {}, "expected true or false, got text ('yes')"),
        ("date", "2026-02-30", {}, "expected a date (YYYY-MM-DD), got text ('2026-02-30')"),
        ("date", datetime(2026, 1, 1), {}, "expected a date (YYYY-MM-DD), got a datetime"),
        (
            "datetime",
            "2026-01-01",
            {},
            "expected a date and time (ISO 8601), got text ('2026-01-01')",
        ),
        (
            "select",
            "urgen",
            {"options": ["low", "urgent"]},
            "'urgen' is not one of the options (low, urgent)",
        ),
        ("multiselect", ["a", "a"], {"options": ["a", "b"]}, "an option is chosen more than once"),
        ("multiselect", "a", {}, "expected a list of option values, got text ('a')"),
        ("user", "", {}, "expected an id, got text ('')"),
        (
            "address",
            "Shanghai",
            {},
            "expected an address (a mapping of region, city, detail ...), got text ('Shanghai')",
        ),
        ("geo", {"lat": 91, "lng": 0}, {}, "lat 91 is outside -90..90"),
        ("geo", {"lat": 1}, {}, "location needs a numeric 'lng'"),
        ("attachments", ["a", "b"], {"max_files": 1}, "2 files, more than the 1 allowed"),
        ("signature", "", {}, "expected a signature (an attachment id or data URL), got text ('')"),
        (
            "table",
            [{"part": "x", "qty": 1}],
            {"columns": [{"key": "part"}]},
            "row 1 has unknown column 'qty'",
        ),
    ],
)
def test_check_value_names_the_problem(
    type_name: str, value: object, spec: dict[str, object], error: str
) -> None:
    assert check(type_name, value, **spec) == error


@pytest.mark.parametrize(
    ("type_name", "value", "spec"),
    [
        ("text", "漏水", {"max_length": 2}),
        ("int", 10, {"min": 0, "max": 10}),
        ("decimal", Decimal("2.5"), {}),
        ("money", 12.5, {}),
        ("date", "2026-01-31", {}),
        ("date", date(2026, 1, 31), {}),
        ("datetime", "2026-01-31T08:00:00+08:00", {}),
        ("select", "low", {"options": [{"value": "low"}, {"value": "high"}]}),
        ("select", "anything", {"options": "product_models"}),
        ("multiselect", ["a", "b"], {"options": ["a", "b"]}),
        ("email", "ann@example.com", {}),
        ("phone", "+86 138-0000-0000", {}),
        ("customer", 42, {}),
        ("address", {"city": "上海", "detail": "1 Road"}, {}),
        ("geo", {"lat": 31.2, "lng": 121.5}, {}),
        ("table", [{"part": "x"}], {"columns": [{"key": "part"}]}),
        ("text", None, {}),
    ],
)
def test_check_value_accepts_good_values(
    type_name: str, value: object, spec: dict[str, object]
) -> None:
    assert check(type_name, value, **spec) is None


def _plugin_type(name: str, operators: frozenset[str] = frozenset({"is_set"})) -> FieldType:
    return FieldType(name, "list", operators, lambda value, spec: None)


def test_plugins_register_namespaced_types() -> None:
    registry = core_field_types()
    registry.register(_plugin_type("spare_parts.part_lines"))
    assert registry.get("spare_parts.part_lines") is not None
    assert "spare_parts.part_lines" in registry.names()


@pytest.mark.parametrize(
    ("field_type", "message"),
    [
        (
            _plugin_type("part_lines"),
            "plugin field type 'part_lines' must be namespaced like 'spare_parts.part_lines'",
        ),
        (
            _plugin_type("spare_parts.lines", frozenset({"lt"})),
            "field type 'spare_parts.lines' allows operator 'lt', which kind 'list' does not "
            "support",
        ),
    ],
)
def test_register_rejects_bad_types(field_type: FieldType, message: str) -> None:
    with pytest.raises(PluginError) as caught:
        core_field_types().register(field_type)
    assert caught.value.message == message


def test_register_rejects_duplicates() -> None:
    registry = core_field_types()
    registry.register(_plugin_type("pm.visits"))
    with pytest.raises(PluginError, match="field type 'pm.visits' is registered twice"):
        registry.register(_plugin_type("pm.visits"))


def test_core_field_types_gives_a_fresh_registry() -> None:
    first = core_field_types()
    first.register(_plugin_type("pm.visits"))
    assert core_field_types().get("pm.visits") is None


def test_register_many_takes_a_hook_result() -> None:
    registry = core_field_types()
    registry.register_many({"pm.visits": _plugin_type("pm.visits")})
    assert registry.get("pm.visits") is not None
    with pytest.raises(PluginError, match="field type 'pm.x' must be a FieldType of that name"):
        registry.register_many({"pm.x": _plugin_type("pm.y")})
