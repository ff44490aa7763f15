"""Schedule arithmetic, free of IO: due dates of a recurrence and the catch-up list.

A schedule counts its visits from an *anchor* date: visit ``n`` (1, 2, 3 ...) is due on
:func:`nth_due` ``(recurrence, anchor, n)``. Counting from the anchor (not from the previous
due date) keeps a monthly plan anchored on the 31st on the last day of short months instead of
drifting to the 28th. A plan that follows completion re-anchors on the day a visit was done.

:func:`catch_up` is what one generation run does for one schedule: every visit whose ticket is
due to be created by ``as_of`` (due date minus lead time), each marked ``generate`` or — when
the visit after it is already due too, so that an engineer would be sent for two visits at
once after downtime — ``missed``.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

#: Interval units a plan can use.
UNITS: tuple[str, ...] = ("days", "weeks", "months")
#: A generation run creates at most this many visits per schedule (the next run goes on).
MAX_CATCH_UP = 366

Fate = Literal["generate", "missed"]


@dataclass(frozen=True, slots=True)
class Recurrence:
    """Every ``count`` ``unit`` (``unit`` in :data:`UNITS`), or on calendar dates: the
    ``day`` of each month in ``months`` (a day past a month's end is its last day)."""

    unit: str | None = None
    count: int = 0
    months: tuple[int, ...] = ()
    day: int = 1

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Recurrence:
        """The recurrence of a MaintenancePlan spec (``every`` or ``calendar``)."""
        every = spec.get("every")
        if isinstance(every, Mapping) and every:
            unit, count = next(iter(every.items()))
            return cls(unit=str(unit), count=int(count))
        rule = spec.get("calendar") or {}
        return cls(months=tuple(sorted(set(rule.get("months") or ()))), day=int(rule.get("day", 1)))

    @property
    def is_calendar(self) -> bool:
        return self.unit is None

    def shortest_gap_days(self) -> int:
        """The fewest days between two consecutive due dates (0: the plan never recurs)."""
        if not self.is_calendar:
            per_unit = {"days": 1, "weeks": 7, "months": 28}[str(self.unit)]
            return self.count * per_unit
        if not self.months:
            return 0
        year = 2025  # a common year: February has 28 days, the shortest case
        dates = [_on_day(year, month, self.day) for month in self.months]
        dates.append(_on_day(year + 1, self.months[0], self.day))
        return min((later - earlier).days for earlier, later in zip(dates, dates[1:], strict=False))

    def describe(self) -> str:
        """``every 3 months`` / ``on day 15 of months 3, 9``."""
        if not self.is_calendar:
            return f"every {self.count} {self.unit}"
        return f"on day {self.day} of months {', '.join(str(m) for m in self.months)}"


def _on_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def add_months(start: date, months: int) -> date:
    """``start`` moved by ``months``, on the same day or the month's last day."""
    index = start.year * 12 + start.month - 1 + months
    return _on_day(index // 12, index % 12 + 1, start.day)


def nth_due(recurrence: Recurrence, anchor: date, n: int) -> date:
    """The due date of visit ``n`` (from 1) counted from ``anchor`` (always after it).

    :raises ValueError: ``n`` is below 1 or the recurrence never recurs.
    """
    if n < 1:
        raise ValueError(f"visits are counted from 1, not {n}")
    if recurrence.shortest_gap_days() <= 0:
        raise ValueError(f"the recurrence {recurrence.describe()!r} never recurs")
    if recurrence.unit == "days":
        return anchor + timedelta(days=recurrence.count * n)
    if recurrence.unit == "weeks":
        return anchor + timedelta(weeks=recurrence.count * n)
    if recurrence.unit == "months":
        return add_months(anchor, recurrence.count * n)
    found = 0
    year = anchor.year
    while True:
        for month in recurrence.months:
            candidate = _on_day(year, month, recurrence.day)
            if candidate > anchor:
                found += 1
                if found == n:
                    return candidate
        year += 1


def first_sequence_on_or_after(recurrence: Recurrence, anchor: date, day: date) -> int:
    """The smallest ``n`` whose due date is ``day`` or later (a new schedule starts there,
    so an asset installed years ago does not get years of past visits)."""
    if day <= anchor:
        return 1
    gap = max(recurrence.shortest_gap_days(), 1)
    # Jump close below the answer, then walk: gaps are at least ``gap`` days apart.
    n = max(1, (day - anchor).days // (gap * 2))
    while n > 1 and nth_due(recurrence, anchor, n) >= day:
        n //= 2
    while nth_due(recurrence, anchor, n) < day:
        n += 1
    return n


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    """One visit a generation run records: its number, due date and fate."""

    sequence: int
    due: date
    fate: Fate


def catch_up(
    recurrence: Recurrence,
    anchor: date,
    next_sequence: int,
    as_of: date,
    lead_days: int,
    *,
    follows_completion: bool = False,
    limit: int = MAX_CATCH_UP,
    today: date | None = None,
) -> list[PlannedVisit]:
    """The visits to record by ``as_of``: those due by ``as_of + lead_days``, oldest first.

    A visit is ``missed`` when the one after it was due by ``today`` (``as_of`` unless given)
    as well: catching up after downtime sends one engineer for the latest, not for every visit
    the downtime skipped, while generating ahead (``as_of`` after ``today``) misses nothing.
    A plan that follows completion has one visit outstanding at a time: at most one is
    returned.
    """
    today = min(today or as_of, as_of)
    horizon = as_of + timedelta(days=lead_days)
    planned: list[PlannedVisit] = []
    n = next_sequence
    due = nth_due(recurrence, anchor, n)
    while due <= horizon and len(planned) < limit:
        if follows_completion:
            return [PlannedVisit(n, due, "generate")]
        following = nth_due(recurrence, anchor, n + 1)
        planned.append(PlannedVisit(n, due, "missed" if following <= today else "generate"))
        n, due = n + 1, following
    return planned


def replan_anchor(
    recurrence: Recurrence,
    start: date,
    last_generated_due: date | None,
    today: date,
) -> tuple[date, int]:
    """``(anchor, next_sequence)`` for a schedule whose plan changed: the visits already
    generated stay, the next one is counted from the last of them under the new recurrence
    (or, when none was generated, from ``start``, beginning on ``today``)."""
    if last_generated_due is not None:
        return last_generated_due, 1
    return start, first_sequence_on_or_after(recurrence, start, today)


def upcoming(
    recurrence: Recurrence, anchor: date, next_sequence: int, until: date, limit: int = 60
) -> list[date]:
    """The due dates from visit ``next_sequence`` up to ``until`` (for the calendar)."""
    dates: list[date] = []
    n = next_sequence
    while len(dates) < limit:
        due = nth_due(recurrence, anchor, n)
        if due > until:
            break
        dates.append(due)
        n += 1
    return dates
