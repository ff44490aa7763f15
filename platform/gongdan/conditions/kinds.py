"""How a literal or a reference fits a field's value kind: shared by the type checker."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from gongdan.conditions.values import parse_temporal
from gongdan.workflow.fields import FieldType

EXPECTED = {
    "text": "text",
    "number": "a number",
    "bool": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date or date and time (ISO 8601)",
    "choice": "one of its values",
    "choices": "one of its values",
    "reference": "an id",
}
STRING_KINDS = frozenset({"text", "choice", "choices"})
TEMPORAL_KINDS = frozenset({"date", "datetime"})


def describe(value: object) -> str:
    """A short, user-readable description of a value of the wrong shape."""
    if value is None:
        return "nothing (null)"
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


def compatible(field_type: FieldType, other: FieldType) -> bool:
    """Whether a reference of type ``other`` may be compared with a field of ``field_type``."""
    a, b = field_type.value_kind, other.value_kind
    if a == "reference" or b == "reference":
        return field_type.name == other.name
    if a == b or {a, b} <= TEMPORAL_KINDS:
        return True
    return a in STRING_KINDS and b in STRING_KINDS


def literal_fits(kind: str, value: object) -> bool:
    """Whether a literal has the right shape for a field of value kind ``kind``."""
    if kind in STRING_KINDS:
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind in TEMPORAL_KINDS:
        if isinstance(value, date):
            return True
        return isinstance(value, str) and parse_temporal(value) is not None
    if kind == "reference":
        return isinstance(value, int | str) and not isinstance(value, bool) and value != ""
    return False
