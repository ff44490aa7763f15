"""The registry of condition functions."""

from __future__ import annotations

import pytest

from gongdan.conditions import ConditionFunction, FunctionRegistry, core_functions
from gongdan.errors import PluginError


def _function(name: str) -> ConditionFunction:
    return ConditionFunction(name, {"part": "text"}, lambda args, context: True, "test")


def test_core_functions() -> None:
    registry = core_functions()
    assert registry.names() == ["text.contains_any", "time.within_hours"]
    function = registry.get("text.contains_any")
    assert function is not None and function.params == {"field": "field", "words": "text[]"}
    assert registry.get("nope") is None


def test_register_and_get() -> None:
    registry = FunctionRegistry()
    registry.register(_function("spare_parts.in_stock"))
    assert "spare_parts.in_stock" in registry
    assert registry.names() == ["spare_parts.in_stock"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "in_stock",
            "condition function 'in_stock' must be namespaced like 'spare_parts.in_stock'",
        ),
        ("text.contains_any", "condition function 'text.contains_any' is registered twice"),
    ],
)
def test_register_rejects_bad_names(name: str, message: str) -> None:
    with pytest.raises(PluginError) as caught:
        core_functions().register(_function(name))
    assert caught.value.message == message


def test_register_many_takes_a_hook_result() -> None:
    registry = core_functions()
    registry.register_many({"pm.due_soon": _function("pm.due_soon")})
    assert "pm.due_soon" in registry
    with pytest.raises(PluginError, match="'pm.x' must be a ConditionFunction of that name"):
        registry.register_many({"pm.x": _function("pm.y")})
