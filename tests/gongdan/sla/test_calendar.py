"""Business calendars: nights, weekends, statutory holidays and 调休, time zones, exactness."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

import isodate
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongdan.definitions.compiled import CompiledCalendar
from gongdan.sla.calendar import BusinessCalendar, round_the_clock

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
OFFICE = ((540, 720), (780, 1080))  # 09:00-12:00, 13:00-18:00


def calendar(
    *,
    zone: str = "Asia/Shanghai",
    week: tuple[tuple[int, int], ...] = OFFICE,
    days: int = 5,
    holidays_from: str = "cn",
    holidays: tuple[dt.date, ...] = (),
    workdays: tuple[dt.date, ...] = (),
    workday_hours: tuple[tuple[int, int], ...] = OFFICE,
) -> BusinessCalendar:
    return BusinessCalendar(
        CompiledCalendar(
            key="test",
            timezone=zone,
            week={day: week if day < days else () for day in range(7)},
            holidays_from=holidays_from,
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            workday_hours=workday_hours,
        )
    )


CN = calendar()


def local(*args: int, zone: dt.tzinfo = SHANGHAI) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


def hours(value: float) -> dt.timedelta:
    return dt.timedelta(hours=value)


def test_results_are_utc_and_inputs_may_be_in_any_zone() -> None:
    start = local(2026, 11, 24, 10, 0)  # Tuesday 10:00 in Shanghai
    result = CN.add_business_time(start.astimezone(BERLIN), hours(1))
    assert result.tzinfo == dt.UTC
    assert result == local(2026, 11, 24, 11, 0)


def test_the_lunch_break_and_the_night_do_not_count() -> None:
    assert CN.add_business_time(local(2026, 11, 24, 11, 30), hours(1)) == local(
        2026, 11, 24, 13, 30
    )
    assert CN.add_business_time(local(2026, 11, 24, 17, 30), hours(1)) == local(2026, 11, 25, 9, 30)
    assert CN.add_business_time(local(2026, 11, 24, 22, 0), hours(1)) == local(2026, 11, 25, 10, 0)
    assert CN.business_time_between(
        local(2026, 11, 24, 17, 0), local(2026, 11, 25, 10, 0)
    ) == hours(2)


def test_the_earliest_instant_ends_a_morning_at_noon_not_at_one() -> None:
    assert CN.add_business_time(local(2026, 11, 24, 11, 0), hours(1)) == local(2026, 11, 24, 12, 0)
    assert CN.add_business_time(local(2026, 11, 24, 12, 0), hours(1)) == local(2026, 11, 24, 14, 0)


def test_weekends_are_skipped() -> None:
    friday = local(2026, 11, 20, 17, 0)
    assert CN.add_business_time(friday, hours(2)) == local(2026, 11, 23, 10, 0)
    assert not CN.is_working_day(dt.date(2026, 11, 21))
    assert CN.business_time_between(friday, local(2026, 11, 23, 9, 0)) == hours(1)


def test_national_day_golden_week_2026() -> None:
    # 1–7 October 2026 are off; Saturday 10 October is a 调休 working day.
    for day in range(1, 8):
        assert not CN.is_working_day(dt.date(2026, 10, day)), day
    assert CN.is_working_day(dt.date(2026, 10, 8))
    eve = local(2026, 9, 30, 17, 0)
    assert CN.add_business_time(eve, hours(2)) == local(2026, 10, 8, 10, 0)
    assert CN.business_time_between(local(2026, 9, 30, 9, 0), local(2026, 10, 8, 18, 0)) == hours(
        16
    )


def test_an_adjusted_saturday_gets_the_workday_hours() -> None:
    assert CN.working_minutes(dt.date(2026, 10, 10)) == OFFICE
    assert CN.add_business_time(local(2026, 10, 9, 17, 0), hours(2)) == local(2026, 10, 10, 10, 0)
    shorter = calendar(workday_hours=((600, 900),))  # 10:00-15:00 on adjusted days
    assert shorter.add_business_time(local(2026, 10, 9, 17, 0), hours(2)) == local(
        2026, 10, 10, 11, 0
    )


def test_spring_festival_2026() -> None:
    # Saturday 14 February works (调休); 15–23 February are off; back on Tuesday the 24th.
    assert CN.add_business_time(local(2026, 2, 13, 17, 0), hours(2)) == local(2026, 2, 14, 10, 0)
    assert CN.add_business_time(local(2026, 2, 14, 17, 0), hours(2)) == local(2026, 2, 24, 10, 0)
    assert not CN.is_working_day(dt.date(2026, 2, 23))  # a Monday given in lieu


def test_the_definition_overrides_the_library() -> None:
    own = calendar(
        holidays=(dt.date(2026, 12, 31),),
        workdays=(dt.date(2026, 12, 27), dt.date(2026, 10, 5)),
    )
    assert not own.is_working_day(dt.date(2026, 12, 31))
    assert own.is_working_day(dt.date(2026, 12, 27))  # a Sunday
    assert own.is_working_day(dt.date(2026, 10, 5))  # inside the golden week
    assert own.add_business_time(local(2026, 12, 30, 17, 0), hours(2)) == local(2027, 1, 1, 10, 0)


def test_years_without_library_data_fall_back_to_the_weekly_pattern() -> None:
    new_year_2030 = dt.date(2030, 1, 1)  # a Tuesday; the library stops before 2030
    assert not CN.holiday_data_covers(new_year_2030)
    assert CN.holiday_data_covers(dt.date(2026, 10, 1))
    assert CN.is_working_day(new_year_2030)
    assert CN.add_business_time(local(2029, 12, 31, 17, 0), hours(2)) == local(2030, 1, 1, 10, 0)


def test_without_cn_holidays_national_day_is_a_working_day() -> None:
    plain = calendar(holidays_from="none")
    assert plain.is_working_day(dt.date(2026, 10, 1))
    assert not plain.is_working_day(dt.date(2026, 10, 10))


def test_round_the_clock_counts_everything() -> None:
    always = round_the_clock()
    start = local(2026, 10, 1, 3, 0)
    assert always.add_business_time(start, hours(30)) == start + hours(30)
    assert always.business_duration(isodate.parse_duration("P2D")) == hours(48)


def test_dst_days_count_the_hours_that_really_passed() -> None:
    berlin_24 = calendar(zone="Europe/Berlin", week=((0, 1440),), days=7, holidays_from="none")
    spring = local(2026, 3, 29, 0, 0, zone=BERLIN)
    assert berlin_24.business_time_between(spring, local(2026, 3, 30, 0, 0, zone=BERLIN)) == hours(
        23
    )
    autumn = local(2026, 10, 25, 0, 0, zone=BERLIN)
    assert berlin_24.business_time_between(autumn, local(2026, 10, 26, 0, 0, zone=BERLIN)) == hours(
        25
    )
    office = calendar(zone="Europe/Berlin", holidays_from="none")
    # Friday 16:00 CET + 4 h: 2 h on Friday, 2 h on Monday morning (now CEST).
    result = office.add_business_time(local(2026, 3, 27, 16, 0, zone=BERLIN), hours(4))
    assert result == local(2026, 3, 30, 11, 0, zone=BERLIN)
    assert result == dt.datetime(2026, 3, 30, 9, 0, tzinfo=dt.UTC)


def test_durations_count_days_as_business_days() -> None:
    assert CN.business_day == hours(8)
    assert CN.business_duration(isodate.parse_duration("P1D")) == hours(8)
    assert CN.business_duration(isodate.parse_duration("P2DT1H")) == hours(17)
    assert CN.business_duration(isodate.parse_duration("PT30M")) == dt.timedelta(minutes=30)
    monday = local(2026, 11, 23, 10, 0)
    assert CN.add_business_time(monday, CN.business_duration(isodate.parse_duration("P2D"))) == (
        local(2026, 11, 25, 10, 0)
    )


def test_zero_negative_and_naive_inputs() -> None:
    start = local(2026, 11, 21, 3, 0)  # a Saturday night
    assert CN.add_business_time(start, dt.timedelta(0)) == start
    assert CN.next_working_instant(start) == local(2026, 11, 23, 9, 0)
    a, b = local(2026, 11, 23, 10, 0), local(2026, 11, 24, 10, 0)
    assert CN.business_time_between(b, a) == -CN.business_time_between(a, b) == -hours(8)
    assert CN.business_time_between(start, local(2026, 11, 22, 12, 0)) == dt.timedelta(0)
    with pytest.raises(ValueError, match="negative business duration"):
        CN.add_business_time(a, -hours(1))
    with pytest.raises(ValueError, match="naive datetime"):
        CN.add_business_time(dt.datetime(2026, 11, 23, 10, 0), hours(1))


def test_a_calendar_without_working_time_says_so() -> None:
    never = calendar(days=0, holidays_from="none", workday_hours=())
    with pytest.raises(ValueError, match="no working time"):
        never.add_business_time(local(2026, 1, 1, 0, 0), hours(1))


def test_long_targets_are_fast() -> None:
    calendar_ = calendar()
    start = local(2026, 9, 20, 8, 0)
    began = time.perf_counter()
    for offset in range(2000):
        calendar_.add_business_time(start + dt.timedelta(minutes=offset), hours(80))
    assert time.perf_counter() - began < 2.0


instants = st.datetimes(
    min_value=dt.datetime(2025, 12, 1), max_value=dt.datetime(2027, 2, 1), timezones=st.just(dt.UTC)
)
durations = st.integers(min_value=0, max_value=200 * 3600).map(lambda s: dt.timedelta(seconds=s))
BERLIN_OFFICE = calendar(zone="Europe/Berlin", holidays_from="none", days=6)


@settings(max_examples=150, deadline=None)
@given(start=instants, a=durations, b=durations)
def test_adding_in_two_steps_equals_adding_once(
    start: dt.datetime, a: dt.timedelta, b: dt.timedelta
) -> None:
    for cal in (CN, BERLIN_OFFICE):
        once = cal.add_business_time(start, a + b)
        assert once == cal.add_business_time(cal.add_business_time(start, a), b)


@settings(max_examples=150, deadline=None)
@given(start=instants, d=durations)
def test_between_undoes_add(start: dt.datetime, d: dt.timedelta) -> None:
    for cal in (CN, BERLIN_OFFICE):
        end = cal.add_business_time(start, d)
        assert cal.business_time_between(start, end) == d
        assert cal.business_time_between(end, start) == -d
