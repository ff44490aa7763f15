"""Plain-data helpers of compiled definitions: read-only copies, durations, working hours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import isodate

Duration = dt.timedelta | isodate.Duration

#: Weekday keys of a Calendar, Monday first (``date.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def freeze(value: Any) -> Any:
    """A read-only copy: mappings become ``MappingProxyType``, lists tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Plain ``dict``/``list`` data again (for JSON, or for a caller that must change it)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


def duration(text: Any) -> Duration | None:
    """An ISO 8601 duration, or ``None`` for a missing one."""
    return isodate.parse_duration(text) if isinstance(text, str) else None


def interval(text: str) -> tuple[int, int]:
    """``"09:00-12:00"`` → ``(540, 720)`` minutes after midnight."""
    start, end = text.split("-")
    return _minutes(start), _minutes(end)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)
