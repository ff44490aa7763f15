"""Compile a condition tree once into nested Python closures: no tree walking per evaluation.

The comparison rules (missing values, dates against datetimes, ``ne`` as the negation of ``eq``)
are those of :mod:`gongdan.conditions.values`, shared with the SQL compiler so a sweep in the
database and a check in Python agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from gongdan.conditions.context import EvaluationContext
from gongdan.conditions.durations import Duration, before, parse_duration
from gongdan.conditions.functions import FunctionRegistry, core_functions
from gongdan.conditions.operators import (
    LIST_OPERATORS,
    NO_VALUE_OPERATORS,
    OPERATORS,
    literal_value,
    looks_like_reference,
    node_type,
    reference_name,
)
from gongdan.conditions.references import referenced_fields
from gongdan.conditions.typecheck import MAX_DEPTH
from gongdan.conditions.values import equal, is_set, order, same
from gongdan.definitions.problems import format_json_path
from gongdan.errors import ConditionError, GongdanError

Test = Callable[[EvaluationContext], bool]
Getter = Callable[[EvaluationContext], object]
Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Predicate:
    """A compiled condition: call it with an :class:`EvaluationContext` to get a bool.

    ``fields`` names every variable the condition reads (see :func:`referenced_fields`).
    Predicates compare by identity: two compilations of one tree are different objects.
    """

    node: object = field(repr=False)
    test: Test = field(repr=False)
    fields: frozenset[str] = frozenset()

    def __call__(self, context: EvaluationContext) -> bool:
        return self.test(context)


def compile_condition(node: object, functions: FunctionRegistry | None = None) -> Predicate:
    """Compile ``node`` into a :class:`Predicate`.

    :raises ConditionError: the condition is malformed (run :func:`check_condition` first for
        every problem with positions; this stops at the first).
    """
    registry = functions or core_functions()
    test = _Compiler(registry).node(node, (), 0)
    return Predicate(node, test, frozenset(referenced_fields(node, registry)))


def _fail(path: Path, message: str) -> ConditionError:
    return ConditionError(f"condition at {format_json_path(path)}: {message}")


def _operand(value: object, path: Path) -> Getter:
    if looks_like_reference(value):
        name = reference_name(value)
        if name is None:
            raise _fail(path, f"invalid reference {value!r}")
        return lambda context: context.value(name)
    constant = literal_value(value)
    return lambda context: constant


def _contains(value: object, part: object) -> bool:
    if isinstance(value, str):
        return isinstance(part, str) and part in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(equal(item, part) for item in value)
    return False


def _below(left: object, right: object, *, inclusive: bool) -> bool:
    result = order(left, right)
    return result is not None and (result < 0 or (inclusive and result == 0))


def _above(left: object, right: object, *, inclusive: bool) -> bool:
    result = order(left, right)
    return result is not None and (result > 0 or (inclusive and result == 0))


class _Compiler:
    def __init__(self, functions: FunctionRegistry) -> None:
        self.functions = functions

    def node(self, node: object, path: Path, depth: int) -> Test:
        if depth > MAX_DEPTH:
            raise _fail(path, f"condition nested deeper than {MAX_DEPTH}")
        kind = node_type(node)
        if kind is None or not isinstance(node, Mapping):
            raise _fail(path, "a condition needs exactly one of all, any, not, field, fn")
        if kind in ("all", "any"):
            items = node[kind]
            if not isinstance(items, list | tuple):
                raise _fail((*path, kind), f"{kind!r} needs a list of conditions")
            parts = tuple(self.node(n, (*path, kind, i), depth + 1) for i, n in enumerate(items))
            if kind == "all":
                return lambda context: all(part(context) for part in parts)
            return lambda context: any(part(context) for part in parts)
        if kind == "not":
            inner = self.node(node["not"], (*path, "not"), depth + 1)
            return lambda context: not inner(context)
        if kind == "field":
            return self.leaf(node, path)
        return self.call(node, path)

    def leaf(self, node: Mapping[str, object], path: Path) -> Test:
        name, op = node.get("field"), node.get("op")
        if not isinstance(name, str):
            raise _fail((*path, "field"), "'field' must be a variable name")
        if not isinstance(op, str) or op not in OPERATORS:
            raise _fail((*path, "op"), f"unknown operator {op!r}")
        if op not in NO_VALUE_OPERATORS and "value" not in node:
            raise _fail(path, f"operator {op!r} needs a value")

        def current(context: EvaluationContext) -> object:
            return context.value(name)

        def changed(context: EvaluationContext) -> bool:
            return context.before is not None and not same(
                context.previous(name), context.value(name)
            )

        if op == "is_set":
            return lambda context: is_set(current(context))
        if op == "is_empty":
            return lambda context: not is_set(current(context))
        if op == "changed":
            return changed
        value, value_path = node["value"], (*path, "value")
        if op in LIST_OPERATORS:
            if not isinstance(value, list | tuple):
                raise _fail(value_path, f"operator {op!r} needs a list of values")
            items = tuple(_operand(v, (*value_path, i)) for i, v in enumerate(value))

            def member(context: EvaluationContext) -> bool:
                actual = current(context)
                return any(equal(actual, item(context)) for item in items)

            return member if op == "in" else (lambda context: not member(context))
        if op == "between":
            if not isinstance(value, list | tuple) or len(value) != 2:
                raise _fail(value_path, "operator 'between' needs a list of two values")
            low, high = (_operand(v, (*value_path, i)) for i, v in enumerate(value))
            return lambda context: (
                _above(current(context), low(context), inclusive=True)
                and _below(current(context), high(context), inclusive=True)
            )
        if op in ("older_than", "within_last"):
            return self.age(op, current, value, value_path)
        if op == "matches":
            pattern = self.pattern(value, value_path)
            return lambda context: (
                isinstance(v := current(context), str) and bool(pattern.search(v))
            )
        operand = _operand(value, value_path)
        return self.compare(op, name, current, operand, changed)

    def compare(self, op: str, name: str, current: Getter, operand: Getter, changed: Test) -> Test:
        if op == "eq":
            return lambda context: equal(current(context), operand(context))
        if op == "ne":
            return lambda context: not equal(current(context), operand(context))
        if op in ("lt", "le"):
            inclusive = op == "le"
            return lambda context: _below(current(context), operand(context), inclusive=inclusive)
        if op in ("gt", "ge"):
            inclusive = op == "ge"
            return lambda context: _above(current(context), operand(context), inclusive=inclusive)
        if op == "contains":
            return lambda context: _contains(current(context), operand(context))
        if op == "starts_with":
            return lambda context: (
                isinstance(v := current(context), str)
                and isinstance(p := operand(context), str)
                and v.startswith(p)
            )
        if op == "changed_to":
            return lambda context: changed(context) and equal(current(context), operand(context))
        # changed_from: the value before the change was the operand.
        return lambda context: changed(context) and equal(context.previous(name), operand(context))

    def age(self, op: str, current: Getter, value: object, path: Path) -> Test:
        duration = _duration(value, path)
        if op == "older_than":
            return lambda context: _below(
                current(context), before(context.current_time(), duration), inclusive=False
            )

        def within_last(context: EvaluationContext) -> bool:
            now, actual = context.current_time(), current(context)
            return _above(actual, before(now, duration), inclusive=True) and _below(
                actual, now, inclusive=True
            )

        return within_last

    def pattern(self, value: object, path: Path) -> re.Pattern[str]:
        if not isinstance(value, str):
            raise _fail(path, "'matches' needs a regular expression")
        try:
            return re.compile(value)
        except (re.error, RecursionError, OverflowError) as exc:
            raise _fail(path, f"invalid regular expression {value!r}: {exc}") from exc

    def call(self, node: Mapping[str, object], path: Path) -> Test:
        name = node.get("fn")
        function = self.functions.get(name) if isinstance(name, str) else None
        if function is None:
            raise _fail((*path, "fn"), f"unknown function {name!r}")
        args = node.get("args", {})
        if not isinstance(args, Mapping):
            raise _fail((*path, "args"), "'args' must be a mapping")
        getters: dict[str, Getter] = {}
        for param, param_type in function.params.items():
            if param in args:
                getters[param] = _argument(param_type, args[param], (*path, "args", param))
            elif param in function.defaults:
                default = function.defaults[param]
                getters[param] = lambda context, default=default: default
            else:
                raise _fail((*path, "args"), f"{name!r} needs argument {param!r}")
        evaluate = function.evaluate

        def test(context: EvaluationContext) -> bool:
            resolved = {param: getter(context) for param, getter in getters.items()}
            try:
                return bool(evaluate(resolved, context))
            except GongdanError:
                raise
            except Exception as exc:  # plugin code: say which function failed, keep the cause
                raise ConditionError(f"condition function {name!r} failed: {exc}") from exc

        return test


def _argument(param_type: str, value: object, path: Path) -> Getter:
    if param_type == "field":
        if not isinstance(value, str):
            raise _fail(path, "argument must name a field")
        return lambda context: context.value(value)
    if isinstance(value, list | tuple):
        items: Sequence[Getter] = tuple(_operand(v, (*path, i)) for i, v in enumerate(value))
        return lambda context: [item(context) for item in items]
    return _operand(value, path)


def _duration(value: object, path: Path) -> Duration:
    if not isinstance(value, str):
        raise _fail(path, f"{value!r} is not an ISO 8601 duration (e.g. PT4H, P7D)")
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise _fail(path, str(exc)) from exc
