"""Business-time arithmetic over a compiled Calendar: no IO, no database, no Flask.

A :class:`BusinessCalendar` turns a :class:`~gongdan.definitions.compiled.CompiledCalendar`
into one schedule per date — the working intervals of that local day as aware UTC instants —
computed once per date and cached. Arithmetic jumps interval by interval and day by day, never
minute by minute, so a target of ten business days costs about two weeks of cached lookups.

Conventions (every public method):

* inputs and outputs are aware datetimes; results are in UTC; local days, weekdays, holidays and
  working hours are those of the calendar's time zone (``zoneinfo``). Elapsed time inside a
  working interval is real elapsed time, so a working interval that spans a DST change counts
  the hours that really passed (23 or 25 on a 24-hour day).
* a working interval includes its start and excludes its end.
* :meth:`BusinessCalendar.add_business_time` returns the *earliest* instant at which the
  duration has elapsed: adding exactly the rest of a morning ends at 12:00, not 13:00, and adding
  zero returns the start unchanged. Hence ``add(t, a + b) == add(add(t, a), b)`` and
  ``between(t, add(t, d)) == d``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Mapping

import chinese_calendar
import isodate

from gongdan.definitions.compiled import CompiledCalendar
from gongdan.definitions.frozen import Duration

Interval = tuple[dt.datetime, dt.datetime]
Minutes = tuple[tuple[int, int], ...]

#: A calendar with no working time for this many consecutive days cannot reach a deadline.
MAX_EMPTY_DAYS = 3660

_DAY = dt.timedelta(days=1)
_ZERO = dt.timedelta(0)


class BusinessCalendar:
    """Working hours, holidays and adjusted working days (调休) of one Calendar definition.

    Which hours a local date has, first rule that applies:

    1. a date in the definition's ``holidays``: none;
    2. a date in the definition's ``workdays``: ``workday_hours`` (the usual day's hours when
       the definition gives none);
    3. ``holidays_from: cn`` and a year the ``chinese_calendar`` package covers: a statutory
       holiday (including the weekdays given in lieu) has none; an adjusted working day
       (a 调休 Saturday or Sunday whose weekday pattern is empty) gets ``workday_hours``;
    4. the weekly pattern.

    For years the ``chinese_calendar`` package has no data for (before 2004, or after the last
    year its installed version covers), rule 3 is skipped: the weekly pattern and the
    definition's own ``holidays``/``workdays`` apply, and :meth:`holiday_data_covers` says so.
    Nothing raises for such years: a deadline in an uncovered year is computed, only without
    statutory holidays. Upgrading the package adds the years the State Council publishes.
    """

    def __init__(self, compiled: CompiledCalendar) -> None:
        self.key = compiled.key
        self.zone = zoneinfo.ZoneInfo(compiled.timezone)
        self.week: Mapping[int, Minutes] = {day: compiled.week.get(day, ()) for day in range(7)}
        self.use_cn = compiled.holidays_from == "cn"
        self.holidays = compiled.holidays
        self.workdays = compiled.workdays
        self.usual_hours = _usual_hours(self.week)
        self.workday_hours: Minutes = compiled.workday_hours or self.usual_hours
        self.business_day = _length(compiled.workday_hours) or _length(self.usual_hours) or _DAY
        self._schedules: dict[dt.date, tuple[Interval, ...]] = {}

    # ------------------------------------------------------------------------------ days

    def holiday_data_covers(self, day: dt.date) -> bool:
        """Whether statutory holidays are known for ``day``'s year (always for non-cn calendars)."""
        if not self.use_cn:
            return True
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return False
        return True

    def working_minutes(self, day: dt.date) -> Minutes:
        """The working intervals of local date ``day`` as minutes after midnight."""
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self.workday_hours
        pattern = self.week[day.weekday()]
        if self.use_cn:
            try:
                statutory_off, _name = chinese_calendar.get_holiday_detail(day)
                adjusted_workday = chinese_calendar.is_workday(day)
            except NotImplementedError:
                return pattern  # a year without data: the weekly pattern (class docstring)
            if adjusted_workday and not pattern:
                return self.workday_hours
            if statutory_off and _name is not None:
                return ()
        return pattern

    def is_working_day(self, day: dt.date) -> bool:
        """Whether local date ``day`` has any working time."""
        return bool(self.working_minutes(day))

    def schedule(self, day: dt.date) -> tuple[Interval, ...]:
        """The working intervals of local date ``day`` as aware UTC instants (cached)."""
        found = self._schedules.get(day)
        if found is None:
            found = tuple(
                (start, end)
                for start, end in (
                    (self._instant(day, a), self._instant(day, b))
                    for a, b in self.working_minutes(day)
                )
                if end > start
            )
            self._schedules[day] = found
        return found

    def _instant(self, day: dt.date, minutes: int) -> dt.datetime:
        # 24:00 is the next midnight; a wall time a DST gap skips resolves as zoneinfo does.
        extra_days, rest = divmod(minutes, 1440)
        local = dt.datetime.combine(
            day + dt.timedelta(days=extra_days), dt.time(rest // 60, rest % 60), self.zone
        )
        return local.astimezone(dt.UTC)

    def _local_date(self, instant: dt.datetime) -> dt.date:
        return _aware(instant).astimezone(self.zone).date()

    # ------------------------------------------------------------------------ arithmetic

    def next_working_instant(self, instant: dt.datetime) -> dt.datetime:
        """The earliest working instant at or after ``instant`` (UTC).

        :raises ValueError: the calendar has no working time for :data:`MAX_EMPTY_DAYS` days.
        """
        t = _aware(instant).astimezone(dt.UTC)
        day = self._local_date(t)
        for _ in range(MAX_EMPTY_DAYS):
            for start, end in self.schedule(day):
                if end > t:
                    return max(start, t)
            day += _DAY
        raise ValueError(f"calendar {self.key!r} has no working time after {t.isoformat()}")

    def add_business_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The earliest instant (UTC) at which ``duration`` of working time has passed.

        Counting starts at ``start`` (or the next working instant after it).

        :raises ValueError: ``duration`` is negative, or the calendar has no working time for
            :data:`MAX_EMPTY_DAYS` consecutive days.
        """
        if duration < _ZERO:
            raise ValueError(f"cannot add a negative business duration {duration}")
        t = _aware(start).astimezone(dt.UTC)
        if duration == _ZERO:
            return t
        remaining = duration
        day = self._local_date(t)
        empty_days = 0
        while empty_days < MAX_EMPTY_DAYS:
            intervals = self.schedule(day)
            empty_days = 0 if intervals else empty_days + 1
            for begin, end in intervals:
                if end <= t:
                    continue
                begin = max(begin, t)
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += _DAY
        raise ValueError(f"calendar {self.key!r} has no working time after {t.isoformat()}")

    def business_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Working time from ``a`` to ``b``.

        Negative (the same amount) when ``b`` is before ``a``; zero when both fall in the same
        non-working stretch.
        """
        first, last = _aware(a).astimezone(dt.UTC), _aware(b).astimezone(dt.UTC)
        if last < first:
            return -self.business_time_between(last, first)
        total = _ZERO
        day, final_day = self._local_date(first), self._local_date(last)
        while day <= final_day:
            for begin, end in self.schedule(day):
                overlap = min(end, last) - max(begin, first)
                if overlap > _ZERO:
                    total += overlap
            day += _DAY
        return total

    def business_duration(self, duration: Duration) -> dt.timedelta:
        """A definition's duration as working time: each day of it is one business day.

        ``P1D`` is :attr:`business_day` long — the length of ``workday_hours``, else of the most
        common working weekday (8 hours for 09:00-12:00 + 13:00-18:00, 24 hours round the
        clock) — so ``P2D`` from Monday 10:00 ends Wednesday 10:00 on a working week. Hours and
        minutes count as they are; a month is 30 days and a year 365 (as definition validation
        compares them).
        """
        if isinstance(duration, isodate.Duration):
            days = int(duration.years) * 365 + int(duration.months) * 30
            duration = duration.tdelta + dt.timedelta(days=days)
        whole_days = dt.timedelta(days=duration.days)
        return self.business_day * duration.days + (duration - whole_days)


def _aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: business time needs aware datetimes")
    return instant


def _length(minutes: Minutes) -> dt.timedelta:
    return dt.timedelta(minutes=sum(end - start for start, end in minutes))


def _usual_hours(week: Mapping[int, Minutes]) -> Minutes:
    """The most common non-empty weekday pattern (the longest on a tie), or none."""
    counts = Counter(pattern for pattern in week.values() if pattern)
    if not counts:
        return ()
    return max(counts, key=lambda pattern: (counts[pattern], _length(pattern)))


def round_the_clock(key: str = "24x7", timezone: str = "UTC") -> BusinessCalendar:
    """A calendar where every instant is working time (a policy that names no calendar)."""
    return BusinessCalendar(
        CompiledCalendar(
            key=key,
            timezone=timezone,
            week={day: ((0, 1440),) for day in range(7)},
            holidays_from="none",
            holidays=frozenset(),
            workdays=frozenset(),
            workday_hours=(),
        )
    )
