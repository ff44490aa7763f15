"""Which variables a condition reads: to load only what is needed and to explain a decision."""

from __future__ import annotations

from collections.abc import Mapping

from gongdan.conditions.functions import FunctionRegistry, core_functions
from gongdan.conditions.operators import DURATION_OPERATORS, reference_name

_MAX_DEPTH = 200


def referenced_fields(node: object, functions: FunctionRegistry | None = None) -> set[str]:
    """Every variable ``node`` reads: leaf fields, ``$references`` and field arguments.

    ``now`` is included when the condition depends on the time (``$now``, ``older_than``,
    ``within_last``). Malformed parts are skipped, never raised on.
    """
    found: set[str] = set()
    _walk(node, functions or core_functions(), found, 0)
    return found


def _values(value: object, found: set[str]) -> None:
    items = value if isinstance(value, list | tuple) else (value,)
    for item in items:
        name = reference_name(item)
        if name is not None:
            found.add(name)


def _walk(node: object, functions: FunctionRegistry, found: set[str], depth: int) -> None:
    if not isinstance(node, Mapping) or depth > _MAX_DEPTH:
        return
    for key in ("all", "any"):
        items = node.get(key)
        if isinstance(items, list | tuple):
            for item in items:
                _walk(item, functions, found, depth + 1)
    _walk(node.get("not"), functions, found, depth + 1)
    name = node.get("field")
    if isinstance(name, str):
        found.add(name)
        _values(node.get("value"), found)
        if node.get("op") in DURATION_OPERATORS:
            found.add("now")
    function = functions.get(node["fn"]) if isinstance(node.get("fn"), str) else None
    args = node.get("args")
    if isinstance(args, Mapping):
        for arg, value in args.items():
            is_field = function is not None and function.params.get(arg) == "field"
            if is_field and isinstance(value, str):
                found.add(value)
            else:
                _values(value, found)
