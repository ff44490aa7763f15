"""ISO 8601 durations for ``older_than`` and ``within_last`` (calendar time, not business time)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import isodate

Duration = timedelta | isodate.Duration

_PROBE = datetime(2000, 1, 1, tzinfo=UTC)


@functools.lru_cache(maxsize=512)
def parse_duration(text: str) -> Duration:
    """Parse a positive ISO 8601 duration (``PT4H``, ``P7D``, ``P1M``).

    :raises ValueError: with a message naming the value when it is not one.
    """
    if not isinstance(text, str) or not text.startswith("P"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration (e.g. PT4H, P7D)")
    try:
        duration = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError, TypeError) as exc:
        raise ValueError(f"{text!r} is not an ISO 8601 duration (e.g. PT4H, P7D)") from exc
    if _PROBE + duration <= _PROBE:
        raise ValueError(f"duration {text!r} must be longer than zero")
    return duration


def before(moment: datetime, duration: Duration) -> datetime:
    """``moment`` minus ``duration`` (months and years by the calendar)."""
    result = moment - duration
    assert isinstance(result, datetime)
    return result
