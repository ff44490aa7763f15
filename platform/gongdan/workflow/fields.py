"""Ticket field types: what a value of each type looks like and which condition operators apply.

Every field type has a *value kind*, which decides the operators a condition may use on it:

=========  ========================================  ==============================================
kind       core types                                operators
=========  ========================================  ==============================================
text       text textarea email phone                 eq ne in not_in contains starts_with matches
                                                     is_set is_empty changed changed_to changed_from
number     int decimal money                         eq ne in not_in lt le gt ge between is_set
                                                     is_empty changed changed_to changed_from
bool       bool                                      eq ne is_set changed changed_to changed_from
date       date                                      eq ne lt le gt ge between is_set is_empty
                                                     older_than within_last changed
datetime   datetime                                  (as date)
choice     select                                    eq ne in not_in is_set is_empty changed
                                                     changed_to changed_from
choices    multiselect                               contains is_set is_empty changed
reference  user department customer contact asset    eq ne in not_in is_set is_empty changed
                                                     changed_to changed_from
object     address signature geo                     is_set is_empty changed
list       attachments table                         is_set is_empty changed
=========  ========================================  ==============================================

Plugins add types under a namespace (``spare_parts.part_lines``) through the
``gongdan_field_types`` hook; :meth:`FieldTypeRegistry.register` rejects bare or duplicate names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from gongdan.errors import PluginError
from gongdan.messages import N_, Message

ValueKind = Literal[
    "text", "number", "bool", "date", "datetime", "choice", "choices", "reference", "object", "list"
]
ValueChecker = Callable[[object, Mapping[str, object]], "str | None"]

_CHANGES = ("changed", "changed_to", "changed_from")
_PRESENCE = ("is_set", "is_empty")
_ORDER = ("lt", "le", "gt", "ge", "between")
_TEMPORAL = ("eq", "ne", *_ORDER, *_PRESENCE, "older_than", "within_last", "changed")

#: Which condition operators each value kind allows.
OPERATORS_BY_KIND: Mapping[str, frozenset[str]] = {
    "text": frozenset(
        ("eq", "ne", "in", "not_in", "contains", "starts_with", "matches", *_PRESENCE, *_CHANGES)
    ),
    "number": frozenset(("eq", "ne", "in", "not_in", *_ORDER, *_PRESENCE, *_CHANGES)),
    "bool": frozenset(("eq", "ne", "is_set", *_CHANGES)),
    "date": frozenset(_TEMPORAL),
    "datetime": frozenset(_TEMPORAL),
    "choice": frozenset(("eq", "ne", "in", "not_in", *_PRESENCE, *_CHANGES)),
    "choices": frozenset(("contains", *_PRESENCE, "changed")),
    "reference": frozenset(("eq", "ne", "in", "not_in", *_PRESENCE, *_CHANGES)),
    "object": frozenset((*_PRESENCE, "changed")),
    "list": frozenset((*_PRESENCE, "changed")),
}

_PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{2,22}[0-9]$")


@dataclass(frozen=True, slots=True)
class FieldType:
    """One type of ticket field (``select``, ``money``, ``spare_parts.part_lines`` ...).

    :param name: the name definitions use in ``type:``.
    :param value_kind: the kind of value, which decides comparisons and operators.
    :param operators: the condition operators allowed on fields of this type.
    :param checker: returns an error message for a value of the wrong shape, else ``None``.
    """

    name: str
    value_kind: ValueKind
    operators: frozenset[str]
    checker: ValueChecker = field(repr=False, compare=False)
    description: str = ""

    def check_value(self, value: object, field_spec: Mapping[str, object]) -> str | None:
        """An error message when ``value`` does not fit a field declared as ``field_spec``.

        ``field_spec`` is the field's definition (``min``, ``max``, ``max_length``,
        ``max_files``, ``columns`` ...); for select and multiselect, ``options`` must hold the
        allowed values (a list of strings or of ``{value: ...}``), an unresolved OptionList key
        (a string) skips the option check. ``None`` (no value) is always accepted: whether a value
        is required is a separate rule.
        """
        if value is None:
            return None
        return self.checker(value, field_spec)


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float | Decimal):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"a {type(value).__name__}"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _number(value: object) -> Decimal | None:
    if not _is_number(value):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _limit_error(number: Decimal, spec: Mapping[str, object]) -> str | None:
    low, high = _number(spec.get("min")), _number(spec.get("max"))
    if low is not None and number < low:
        return Message(N_("%(number)s is less than the minimum %(low)s"), number=number, low=low)
    if high is not None and number > high:
        return Message(
            N_("%(number)s is greater than the maximum %(high)s"), number=number, high=high
        )
    return None


def _check_text(pattern: re.Pattern[str] | None = None, invalid: str = "") -> ValueChecker:
    """Text, at most ``max_length`` long, matching ``pattern`` (``invalid``: the complaint)."""

    def check(value: object, spec: Mapping[str, object]) -> str | None:
        if not isinstance(value, str):
            return f"expected text, got {_describe(value)}"
        max_length = spec.get("max_length")
        if isinstance(max_length, int) and len(value) > max_length:
            return Message(
                N_("%(length)s characters is longer than the %(max)s allowed"),
                length=len(value),
                max=max_length,
            )
        if pattern is not None and value and not pattern.match(value):
            return Message(invalid, value=value)
        return None

    return check


def _check_number(*, integer: bool, places: int | None) -> ValueChecker:
    def check(value: object, spec: Mapping[str, object]) -> str | None:
        number = _number(value)
        if number is None:
            return f"expected a number, got {_describe(value)}"
        if integer and number != number.to_integral_value():
            return Message(N_("expected a whole number, got %(value)s"), value=value)
        exponent = number.as_tuple().exponent
        if places is not None and isinstance(exponent, int) and exponent < -places:
            return Message(
                N_("%(value)s has more than %(places)s decimal places"), value=value, places=places
            )
        return _limit_error(number, spec)

    return check


def _check_bool(value: object, spec: Mapping[str, object]) -> str | None:
    return None if isinstance(value, bool) else f"expected true or false, got {_describe(value)}"


def _check_date(value: object, spec: Mapping[str, object]) -> str | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return None
    if isinstance(value, str):
        try:
            date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if len(value) == 10:
                return None
    return f"expected a date (YYYY-MM-DD), got {_describe(value)}"


def _check_datetime(value: object, spec: Mapping[str, object]) -> str | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, str) and len(value) > 10:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return None
    return f"expected a date and time (ISO 8601), got {_describe(value)}"


def option_values(spec: Mapping[str, object]) -> tuple[str, ...] | None:
    """The allowed values listed in ``spec['options']``, or ``None`` when not resolved."""
    options = spec.get("options")
    if not isinstance(options, list | tuple):
        return None
    values: list[str] = []
    for option in options:
        if isinstance(option, Mapping):
            option = option.get("value")
        if isinstance(option, str):
            values.append(option)
    return tuple(values)


def _option_error(value: object, spec: Mapping[str, object]) -> str | None:
    if not isinstance(value, str):
        return f"expected an option value, got {_describe(value)}"
    allowed = option_values(spec)
    if allowed is not None and value not in allowed:
        return Message(
            N_("%(value)r is not one of the options (%(options)s)"),
            value=value,
            options=", ".join(allowed),
        )
    return None


def _check_select(value: object, spec: Mapping[str, object]) -> str | None:
    return _option_error(value, spec)


def _check_multiselect(value: object, spec: Mapping[str, object]) -> str | None:
    if not isinstance(value, list | tuple):
        return f"expected a list of option values, got {_describe(value)}"
    for item in value:
        error = _option_error(item, spec)
        if error:
            return error
    if len(set(map(str, value))) != len(value):
        return Message(N_("an option is chosen more than once"))
    return None


def _check_reference(value: object, spec: Mapping[str, object]) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        return f"expected an id, got {_describe(value)}"
    return None


def _check_address(value: object, spec: Mapping[str, object]) -> str | None:
    if not isinstance(value, Mapping):
        return (
            f"expected an address (a mapping of region, city, detail ...), got {_describe(value)}"
        )
    for key, part in value.items():
        if not isinstance(key, str) or not (isinstance(part, str) or _is_number(part)):
            return f"address part {key!r} must be text, got {_describe(part)}"
    return None


def _check_geo(value: object, spec: Mapping[str, object]) -> str | None:
    if not isinstance(value, Mapping):
        return f"expected a location {{lat, lng}}, got {_describe(value)}"
    for key, limit in (("lat", 90), ("lng", 180)):
        number = _number(value.get(key))
        if number is None:
            return f"location needs a numeric {key!r}"
        if abs(number) > limit:
            return f"{key} {number} is outside -{limit}..{limit}"
    return None


def _check_signature(value: object, spec: Mapping[str, object]) -> str | None:
    if isinstance(value, str) and value:
        return None
    return f"expected a signature (an attachment id or data URL), got {_describe(value)}"


def _check_attachments(value: object, spec: Mapping[str, object]) -> str | None:
    if not isinstance(value, list | tuple):
        return f"expected a list of attachments, got {_describe(value)}"
    for item in value:
        if not (isinstance(item, str | int) and not isinstance(item, bool)) and not isinstance(
            item, Mapping
        ):
            return f"expected an attachment id or record, got {_describe(item)}"
    max_files = spec.get("max_files")
    if isinstance(max_files, int) and len(value) > max_files:
        return Message(
            N_("%(count)s files, more than the %(max)s allowed"), count=len(value), max=max_files
        )
    return None


def _check_table(value: object, spec: Mapping[str, object]) -> str | None:
    if not isinstance(value, list | tuple):
        return f"expected a list of rows, got {_describe(value)}"
    columns = spec.get("columns")
    keys = (
        {c.get("key") for c in columns if isinstance(c, Mapping)}
        if isinstance(columns, list | tuple)
        else None
    )
    for number, row in enumerate(value, start=1):
        if not isinstance(row, Mapping):
            return f"row {number} must be a mapping of column → value, got {_describe(row)}"
        unknown = sorted(str(k) for k in row if keys is not None and k not in keys)
        if unknown:
            return f"row {number} has unknown column {unknown[0]!r}"
    return None


def _core(name: str, kind: ValueKind, checker: ValueChecker, description: str) -> FieldType:
    return FieldType(name, kind, OPERATORS_BY_KIND[kind], checker, description)


_CORE_TYPES: tuple[FieldType, ...] = (
    _core("text", "text", _check_text(), "one line of text"),
    _core("textarea", "text", _check_text(), "several lines of text"),
    _core(
        "email",
        "text",
        _check_text(_EMAIL, N_("%(value)r is not a valid email address")),
        "an email address",
    ),
    _core(
        "phone",
        "text",
        _check_text(_PHONE, N_("%(value)r is not a valid phone number")),
        "a phone number",
    ),
    _core("int", "number", _check_number(integer=True, places=None), "a whole number"),
    _core("decimal", "number", _check_number(integer=False, places=None), "a decimal number"),
    _core("money", "number", _check_number(integer=False, places=2), "an amount (2 places)"),
    _core("bool", "bool", _check_bool, "yes or no"),
    _core("date", "date", _check_date, "a calendar date"),
    _core("datetime", "datetime", _check_datetime, "a date and time"),
    _core("select", "choice", _check_select, "one value of an option list"),
    _core("multiselect", "choices", _check_multiselect, "several values of an option list"),
    _core("user", "reference", _check_reference, "a user"),
    _core("department", "reference", _check_reference, "a department"),
    _core("customer", "reference", _check_reference, "a customer"),
    _core("contact", "reference", _check_reference, "a contact of the customer"),
    _core("asset", "reference", _check_reference, "an installed asset"),
    _core("address", "object", _check_address, "a postal address"),
    _core("attachments", "list", _check_attachments, "uploaded files"),
    _core("signature", "object", _check_signature, "a signature"),
    _core("geo", "object", _check_geo, "a check-in location"),
    _core("table", "list", _check_table, "rows of sub-fields"),
)

#: Names of the core field types, in documentation order.
CORE_FIELD_TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in _CORE_TYPES)


class FieldTypeRegistry:
    """The field types known to one application: the core ones plus plugins' namespaced ones."""

    def __init__(self, types: Iterable[FieldType] = ()) -> None:
        self._types: dict[str, FieldType] = {}
        for field_type in types:
            self._types[field_type.name] = field_type

    def get(self, name: str) -> FieldType | None:
        """The type called ``name``, or ``None``."""
        return self._types.get(name)

    def names(self) -> list[str]:
        """All type names, core first, in registration order."""
        return list(self._types)

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def register(self, field_type: FieldType) -> None:
        """Add a plugin's type.

        :raises PluginError: the name is not ``namespace.name``, is taken, or the type allows an
            operator its kind does not support.
        """
        name = field_type.name
        if not isinstance(name, str) or not _PLUGIN_NAME.match(name):
            raise PluginError(
                f"plugin field type {name!r} must be namespaced like 'spare_parts.part_lines'"
            )
        if name in self._types:
            raise PluginError(f"field type {name!r} is registered twice")
        allowed = OPERATORS_BY_KIND.get(field_type.value_kind)
        if allowed is None:
            raise PluginError(
                f"field type {name!r} has unknown value kind {field_type.value_kind!r}"
            )
        extra = sorted(field_type.operators - allowed)
        if extra:
            raise PluginError(
                f"field type {name!r} allows operator {extra[0]!r}, which kind "
                f"{field_type.value_kind!r} does not support"
            )
        self._types[name] = field_type

    def register_many(self, field_types: Mapping[str, FieldType]) -> None:
        """Add what a ``gongdan_field_types`` hook returned (name → type).

        :raises PluginError: a key differs from its type's name, or as :meth:`register`.
        """
        for name, field_type in field_types.items():
            if not isinstance(field_type, FieldType) or field_type.name != name:
                raise PluginError(f"field type {name!r} must be a FieldType of that name")
            self.register(field_type)


def core_field_types() -> FieldTypeRegistry:
    """A fresh registry holding the core field types."""
    return FieldTypeRegistry(_CORE_TYPES)
