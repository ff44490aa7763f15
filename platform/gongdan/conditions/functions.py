"""Condition functions: named, typed, side-effect-free tests usable as ``{fn: name, args: {...}}``.

A function declares its parameters as ``name → type``, where the type is

* a field type name (``text``, ``int``, ``datetime`` ...): a literal of that type or a
  ``$reference`` to a variable of a compatible type;
* ``field``: the name of a variable (``ticket.symptom``); the function receives its value;
* ``<type>[]``: a list of literals of that type (``text[]``);
* ``any``: anything.

Parameters with an entry in ``defaults`` may be left out. Core registers
``text.contains_any`` and ``time.within_hours``; plugins register theirs (namespaced) through the
``gongdan_condition_functions`` hook.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gongdan.conditions.context import EvaluationContext
from gongdan.conditions.values import as_utc
from gongdan.errors import PluginError

ArgChecker = Callable[[Mapping[str, object]], list[tuple[str, str]]]

_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


@dataclass(frozen=True, slots=True)
class ConditionFunction:
    """One registered condition function.

    :param params: parameter → type (see the module documentation).
    :param evaluate: ``(args, context) -> bool`` with references and ``field`` arguments
        already replaced by their values and defaults filled in.
    :param check_args: optional extra validation of *literal* arguments at publish time:
        returns ``(argument, message)`` pairs.
    """

    name: str
    params: Mapping[str, str]
    evaluate: Callable[[Mapping[str, object], EvaluationContext], bool] = field(repr=False)
    description: str = ""
    defaults: Mapping[str, object] = field(default_factory=dict)
    check_args: ArgChecker | None = field(default=None, repr=False)


class FunctionRegistry:
    """The condition functions known to one application."""

    def __init__(self, functions: Iterable[ConditionFunction] = ()) -> None:
        self._functions: dict[str, ConditionFunction] = {}
        for function in functions:
            self.register(function)

    def register(self, function: ConditionFunction) -> None:
        """Add a function.

        :raises PluginError: the name is not ``namespace.name`` or is already taken.
        """
        if not isinstance(function.name, str) or not _NAME.match(function.name):
            raise PluginError(
                f"condition function {function.name!r} must be namespaced like "
                "'spare_parts.in_stock'"
            )
        if function.name in self._functions:
            raise PluginError(f"condition function {function.name!r} is registered twice")
        self._functions[function.name] = function

    def register_many(self, functions: Mapping[str, ConditionFunction]) -> None:
        """Add what a ``gongdan_condition_functions`` hook returned (name → function).

        :raises PluginError: a key differs from its function's name, or as :meth:`register`.
        """
        for name, function in functions.items():
            if not isinstance(function, ConditionFunction) or function.name != name:
                raise PluginError(
                    f"condition function {name!r} must be a ConditionFunction of that name"
                )
            self.register(function)

    def get(self, name: str) -> ConditionFunction | None:
        """The function called ``name``, or ``None``."""
        return self._functions.get(name)

    def names(self) -> list[str]:
        """All function names in registration order."""
        return list(self._functions)

    def __contains__(self, name: object) -> bool:
        return name in self._functions


def _contains_any(args: Mapping[str, object], context: EvaluationContext) -> bool:
    text, words = args["field"], args["words"]
    if not isinstance(text, str) or not isinstance(words, list | tuple):
        return False
    folded = text.casefold()
    return any(isinstance(w, str) and w and w.casefold() in folded for w in words)


def _clock(value: object) -> time | None:
    match = _CLOCK.match(value) if isinstance(value, str) else None
    return time(int(match.group(1)), int(match.group(2))) if match else None


def _zone(value: object) -> ZoneInfo | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _within_hours(args: Mapping[str, object], context: EvaluationContext) -> bool:
    moment, start, end = args["field"], _clock(args["from"]), _clock(args["to"])
    zone = _zone(args["timezone"])
    if not isinstance(moment, datetime) or start is None or end is None or zone is None:
        return False
    local = as_utc(moment).astimezone(zone).time()
    if start <= end:
        return start <= local < end
    # A window over midnight (18:00-08:00).
    return local >= start or local < end


def _check_within_hours(args: Mapping[str, object]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for name in ("from", "to"):
        value = args.get(name)
        if isinstance(value, str) and not value.startswith("$") and _clock(value) is None:
            problems.append((name, f"{value!r} is not a time of day HH:MM"))
    zone = args.get("timezone")
    if isinstance(zone, str) and not zone.startswith("$") and _zone(zone) is None:
        problems.append(("timezone", f"unknown time zone {zone!r} (e.g. 'Asia/Shanghai')"))
    return problems


CORE_FUNCTIONS: tuple[ConditionFunction, ...] = (
    ConditionFunction(
        "text.contains_any",
        {"field": "field", "words": "text[]"},
        _contains_any,
        "the field's text contains any of the words, ignoring case",
    ),
    ConditionFunction(
        "time.within_hours",
        {"field": "field", "from": "text", "to": "text", "timezone": "text"},
        _within_hours,
        "the datetime field's local time of day is in [from, to) (may wrap past midnight)",
        check_args=_check_within_hours,
    ),
)


def core_functions() -> FunctionRegistry:
    """A fresh registry with the core functions."""
    return FunctionRegistry(CORE_FUNCTIONS)
