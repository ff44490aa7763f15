"""Type-check a condition tree against a scope, collecting every issue (never raising).

Issue codes: ``condition.malformed`` (a shape the schema also rejects), ``condition.unknown_field``,
``condition.unknown_operator``, ``condition.operator_not_allowed``, ``condition.bad_value``,
``condition.unknown_reference``, ``condition.type_mismatch``, ``condition.unknown_type``,
``condition.unknown_function`` and ``condition.bad_argument``. Paths are relative to the node
checked, so the caller prefixes the condition's own JSON path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gongdan.conditions.durations import parse_duration
from gongdan.conditions.functions import FunctionRegistry, core_functions
from gongdan.conditions.kinds import EXPECTED, STRING_KINDS, compatible, describe, literal_fits
from gongdan.conditions.operators import (
    CALL_KEYS,
    DURATION_OPERATORS,
    LEAF_KEYS,
    LIST_OPERATORS,
    NO_VALUE_OPERATORS,
    NODE_KEYS,
    OPERATORS,
    literal_value,
    looks_like_reference,
    node_type,
    reference_name,
)
from gongdan.conditions.scope import Scope
from gongdan.conditions.values import order
from gongdan.definitions.documents import Definition
from gongdan.definitions.problems import Problem, did_you_mean
from gongdan.workflow.fields import FieldType, FieldTypeRegistry, core_field_types

Path = tuple[str | int, ...]

#: Deeper trees are rejected: no admin writes them, and recursion must stay bounded.
MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class ConditionIssue:
    """One problem in a condition; ``path`` is relative to the node that was checked."""

    path: Path
    code: str
    message: str
    hint: str | None = None

    def problem(self, definition: Definition, prefix: Path) -> Problem:
        """This issue as a :class:`Problem` of ``definition``, the condition being at ``prefix``."""
        return definition.problem(self.code, self.message, (*prefix, *self.path), hint=self.hint)


def check_condition(
    node: object,
    scope: Scope,
    functions: FunctionRegistry | None = None,
    *,
    field_types: FieldTypeRegistry | None = None,
) -> list[ConditionIssue]:
    """Every issue in the condition ``node`` checked against ``scope`` (empty when it is fine)."""
    checker = _Checker(scope, functions or core_functions(), field_types or core_field_types())
    checker.node(node, (), 0)
    return checker.issues


class _Checker:
    def __init__(self, scope: Scope, functions: FunctionRegistry, types: FieldTypeRegistry):
        self.scope, self.functions, self.types = scope, functions, types
        self.issues: list[ConditionIssue] = []

    def add(self, path: Path, code: str, message: str, hint: str | None = None) -> None:
        self.issues.append(ConditionIssue(path, code, message, hint))

    def node(self, node: object, path: Path, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.add(path, "condition.malformed", f"condition nested deeper than {MAX_DEPTH}")
            return
        if not isinstance(node, Mapping):
            self.add(
                path,
                "condition.malformed",
                f"a condition must be a mapping with one of all, any, not, field, fn; "
                f"got {describe(node)}",
            )
            return
        kind = node_type(node)
        if kind is None:
            self._no_kind(node, path)
        elif kind in ("all", "any"):
            self._unknown_keys(node, {kind}, path, f"an {kind!r} condition")
            items = node[kind]
            if not isinstance(items, list | tuple):
                self.add(
                    (*path, kind),
                    "condition.malformed",
                    f"{kind!r} needs a list of conditions, got {describe(items)}",
                )
                return
            for index, item in enumerate(items):
                self.node(item, (*path, kind, index), depth + 1)
        elif kind == "not":
            self._unknown_keys(node, {"not"}, path, "a 'not' condition")
            self.node(node["not"], (*path, "not"), depth + 1)
        elif kind == "field":
            self._unknown_keys(node, LEAF_KEYS, path, "a condition")
            self._leaf(node, path)
        else:
            self._unknown_keys(node, CALL_KEYS, path, "a function call")
            self._call(node, path)

    def _no_kind(self, node: Mapping[object, object], path: Path) -> None:
        present = [key for key in NODE_KEYS if key in node]
        if present:
            names = " and ".join(repr(k) for k in present)
            message = (
                f"a condition has exactly one of all, any, not, field, fn; this one has {names}"
            )
            self.add(path, "condition.malformed", message)
            return
        hint = next(
            (h for k in node if (h := did_you_mean(k, (*NODE_KEYS, "op", "value"))) is not None),
            None,
        )
        message = "a condition needs one of all, any, not, field, fn"
        if node:
            message += f"; got {', '.join(repr(str(k)) for k in node)}"
        self.add(path, "condition.malformed", message, hint)

    def _unknown_keys(
        self, node: Mapping[object, object], allowed: Iterable[str], path: Path, what: str
    ) -> None:
        allowed = set(allowed)
        for key in node:
            if key not in allowed:
                self.add(
                    (*path, str(key)),
                    "condition.malformed",
                    f"unknown key {str(key)!r} in {what}",
                    did_you_mean(key, allowed),
                )

    def _variable_type(self, name: str, path: Path) -> FieldType | None:
        variable = self.scope[name]
        field_type = self.types.get(variable.type)
        if field_type is None:
            self.add(path, "condition.unknown_type", f"{name!r} has unknown type {variable.type!r}")
        return field_type

    def _leaf(self, node: Mapping[str, object], path: Path) -> None:
        name = node.get("field")
        field_type: FieldType | None = None
        if not isinstance(name, str):
            self.add(
                (*path, "field"),
                "condition.malformed",
                f"'field' must be a variable name like 'ticket.priority', got {describe(name)}",
            )
            name = None
        elif name not in self.scope:
            self.add(
                (*path, "field"),
                "condition.unknown_field",
                f"unknown field {name!r}",
                did_you_mean(name, self.scope),
            )
            name = None
        else:
            field_type = self._variable_type(name, (*path, "field"))
        if "op" not in node:
            self.add(path, "condition.malformed", "missing 'op' (the operator, e.g. eq)")
            return
        op = node["op"]
        if not isinstance(op, str) or op not in OPERATORS:
            hint = did_you_mean(op, OPERATORS) or f"operators: {', '.join(OPERATORS)}"
            self.add((*path, "op"), "condition.unknown_operator", f"unknown operator {op!r}", hint)
            return
        if field_type is not None and op not in field_type.operators:
            allowed = ", ".join(o for o in OPERATORS if o in field_type.operators)
            self.add(
                (*path, "op"),
                "condition.operator_not_allowed",
                f"operator {op!r} is not allowed for field {name!r} of type {field_type.name} "
                f"(allowed: {allowed})",
            )
            field_type = None
        if op in NO_VALUE_OPERATORS:
            if "value" in node:
                self.add((*path, "value"), "condition.bad_value", f"operator {op!r} takes no value")
            return
        if "value" not in node:
            self.add(path, "condition.bad_value", f"operator {op!r} needs a value")
            return
        target = _Target(name, field_type, self.scope[name].options if name else None)
        self._value(op, node["value"], (*path, "value"), target)

    def _value(self, op: str, value: object, path: Path, target: _Target) -> None:
        if op in LIST_OPERATORS:
            if not isinstance(value, list | tuple):
                self.add(
                    path,
                    "condition.bad_value",
                    f"operator {op!r} needs a list of values, got {describe(value)}",
                )
                return
            for index, item in enumerate(value):
                self._operand(item, (*path, index), target)
        elif op == "between":
            if not isinstance(value, list | tuple) or len(value) != 2:
                self.add(
                    path,
                    "condition.bad_value",
                    f"operator 'between' needs a list of two values [low, high], got "
                    f"{describe(value)}",
                )
                return
            ok = [self._operand(item, (*path, i), target) for i, item in enumerate(value)]
            low, high = (_literal_for_order(v) for v in value)
            if all(ok) and order(low, high) == 1:
                self.add(
                    path,
                    "condition.bad_value",
                    f"low {value[0]!r} is greater than high {value[1]!r}",
                )
        elif op in DURATION_OPERATORS:
            try:
                if not isinstance(value, str):
                    raise ValueError(f"{value!r} is not an ISO 8601 duration (e.g. PT4H, P7D)")
                parse_duration(value)
            except ValueError as exc:
                self.add(path, "condition.bad_value", str(exc))
        elif op == "matches":
            if not isinstance(value, str) or looks_like_reference(value):
                self.add(
                    path,
                    "condition.bad_value",
                    f"'matches' needs a regular expression, got {describe(value)}",
                )
                return
            try:
                re.compile(value)
            except (re.error, RecursionError, OverflowError) as exc:
                self.add(
                    path, "condition.bad_value", f"invalid regular expression {value!r}: {exc}"
                )
        else:
            self._operand(value, path, target)

    def _operand(self, value: object, path: Path, target: _Target) -> bool:
        """Check one literal or reference against the field; True when it is fine."""
        if looks_like_reference(value):
            return self._reference(value, path, target)
        field_type = target.type
        if field_type is None:
            return True
        value = literal_value(value)
        kind = field_type.value_kind
        if not literal_fits(kind, value):
            expected = EXPECTED.get(kind, "a value")
            self.add(
                path,
                "condition.bad_value",
                f"expected {expected} for {target.label}, got {describe(value)}",
            )
            return False
        if target.options is not None and kind in STRING_KINDS and value not in target.options:
            hint = did_you_mean(value, target.options) or f"allowed: {', '.join(target.options)}"
            self.add(
                path, "condition.bad_value", f"{value!r} is not a value of {target.label}", hint
            )
            return False
        return True

    def _reference(self, value: object, path: Path, target: _Target) -> bool:
        name = reference_name(value)
        if name is None or name not in self.scope:
            hint = did_you_mean(value, (f"${n}" for n in self.scope))
            self.add(path, "condition.unknown_reference", f"unknown reference {value!r}", hint)
            return False
        other = self.types.get(self.scope[name].type)
        if other is None or target.type is None:
            return True
        if not compatible(target.type, other):
            self.add(
                path,
                "condition.type_mismatch",
                f"{value!r} (type {other.name}) cannot be compared with {target.label} "
                f"(type {target.type.name})",
            )
            return False
        return True

    def _call(self, node: Mapping[str, object], path: Path) -> None:
        name = node.get("fn")
        if not isinstance(name, str):
            self.add(
                (*path, "fn"), "condition.malformed", f"'fn' must be a name, got {describe(name)}"
            )
            return
        function = self.functions.get(name)
        if function is None:
            hint = did_you_mean(name, self.functions.names())
            self.add(
                (*path, "fn"), "condition.unknown_function", f"unknown function {name!r}", hint
            )
            return
        args = node.get("args", {})
        if not isinstance(args, Mapping):
            self.add(
                (*path, "args"),
                "condition.malformed",
                f"'args' must be a mapping of argument → value, got {describe(args)}",
            )
            return
        for param in function.params:
            if param not in args and param not in function.defaults:
                where = (*path, "args") if "args" in node else path
                self.add(where, "condition.bad_argument", f"{name!r} needs argument {param!r}")
        for arg, value in args.items():
            arg_path = (*path, "args", str(arg))
            param_type = function.params.get(arg) if isinstance(arg, str) else None
            if param_type is None:
                hint = did_you_mean(arg, function.params)
                self.add(
                    arg_path, "condition.bad_argument", f"{name!r} has no argument {arg!r}", hint
                )
                continue
            self._argument(name, arg, param_type, value, arg_path)
        if function.check_args is not None:
            try:
                found = function.check_args(args)
            except Exception as exc:  # a plugin's checker must not break validation
                found = [("", f"checking the arguments failed: {exc}")]
            for arg, message in found:
                where = (*path, "args", arg) if arg else (*path, "args")
                self.add(where, "condition.bad_argument", f"{name!r}: {message}")

    def _argument(self, fn: str, arg: str, param_type: str, value: object, path: Path) -> None:
        label = f"argument {arg!r} of {fn!r}"
        if param_type == "any":
            if looks_like_reference(value):
                self._reference(value, path, _Target(label, None, None))
        elif param_type == "field":
            if not isinstance(value, str) or value not in self.scope:
                hint = did_you_mean(value, self.scope)
                self.add(path, "condition.unknown_field", f"unknown field {value!r}", hint)
        elif param_type.endswith("[]"):
            item_type = self.types.get(param_type[:-2])
            if not isinstance(value, list | tuple):
                self.add(
                    path,
                    "condition.bad_argument",
                    f"{label} needs a list, got {describe(value)}",
                )
                return
            for index, item in enumerate(value):
                self._operand(item, (*path, index), _Target(label, item_type, None))
        else:
            self._operand(value, path, _Target(label, self.types.get(param_type), None))


@dataclass(frozen=True, slots=True)
class _Target:
    """What an operand is compared with: a field (``name``) or a function argument."""

    name: str | None
    type: FieldType | None
    options: tuple[str, ...] | None

    @property
    def label(self) -> str:
        if self.name is None:
            return "the field"
        return self.name if self.name.startswith("argument ") else repr(self.name)


def _literal_for_order(value: object) -> object:
    return None if looks_like_reference(value) else literal_value(value)
