"""How condition values compare: one set of rules shared by Python evaluation and SQL.

* A missing value (``None``) equals nothing and orders against nothing: every comparison with
  it is false. ``ne`` and ``not_in`` are the exact negations of ``eq`` and ``in``, so they are
  *true* for a missing value.
* Booleans compare only with booleans, numbers (int, float, Decimal) with numbers, text with text.
  A float meets a Decimal as the decimal it was written as (``99.99``), like SQL ``NUMERIC``.
* Dates and datetimes: naive datetimes are taken as UTC. A date compared with a datetime is
  compared by day: the datetime's UTC date. ISO strings are parsed when the other side is a date.
* "Set" means not ``None``, not ``""`` and not an empty list or mapping.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal


def is_set(value: object) -> bool:
    """True unless ``value`` is ``None``, ``""`` or an empty list, tuple, set or mapping."""
    if value is None or value == "":
        return False
    if isinstance(value, list | tuple | set | frozenset | Mapping):
        return len(value) > 0
    return True


@functools.lru_cache(maxsize=2048)
def parse_temporal(text: str) -> date | datetime | None:
    """``'2026-01-01'`` → date, ``'2026-01-01T08:00:00+08:00'`` → aware UTC datetime, else None."""
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive ones are taken as UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _temporal(value: object) -> date | None:
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_temporal(value)
    return None


def comparable(left: object, right: object) -> tuple[object, object] | None:
    """The pair to compare for ``left`` and ``right``, or ``None`` if they do not compare."""
    if left is None or right is None:
        return None
    if isinstance(left, bool) or isinstance(right, bool):
        return (left, right) if isinstance(left, bool) and isinstance(right, bool) else None
    if _is_number(left) or _is_number(right):
        if not (_is_number(left) and _is_number(right)):
            return None
        # 99.99 as written, not the binary float below it: as the database compares NUMERIC.
        if isinstance(left, Decimal) and isinstance(right, float):
            return left, Decimal(repr(right))
        if isinstance(left, float) and isinstance(right, Decimal):
            return Decimal(repr(left)), right
        return left, right
    if isinstance(left, date) or isinstance(right, date):
        a, b = _temporal(left), _temporal(right)
        if a is None or b is None:
            return None
        if isinstance(a, datetime) != isinstance(b, datetime):
            a = a.date() if isinstance(a, datetime) else a
            b = b.date() if isinstance(b, datetime) else b
        return a, b
    if isinstance(left, str) and isinstance(right, str):
        return left, right
    if type(left) is type(right):
        return left, right
    return None


def equal(left: object, right: object) -> bool:
    """``eq``: both present, comparable and equal."""
    pair = comparable(left, right)
    return pair is not None and pair[0] == pair[1]


def order(left: object, right: object) -> int | None:
    """-1, 0 or 1 as ``left`` is before, equal to or after ``right``; ``None`` if unordered."""
    pair = comparable(left, right)
    if pair is None or isinstance(pair[0], bool | list | tuple | Mapping):
        return None
    a, b = pair
    try:
        return -1 if a < b else (1 if a > b else 0)  # type: ignore[operator]
    except TypeError:
        return None


def same(before: object, after: object) -> bool:
    """Whether a change from ``before`` to ``after`` is *no* change (both unset counts as same)."""
    if not is_set(before) and not is_set(after):
        return True
    if equal(before, after):
        return True
    pair = comparable(before, after)
    return pair is None and before == after
