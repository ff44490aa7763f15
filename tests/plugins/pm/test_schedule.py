"""The schedule arithmetic (no database): due dates, the first visit, catching up."""

from __future__ import annotations

from datetime import date

import pytest
from gongdan_pm.schedule import (
    PlannedVisit,
    Recurrence,
    catch_up,
    first_sequence_on_or_after,
    nth_due,
    replan_anchor,
    upcoming,
)

QUARTERLY = Recurrence(unit="months", count=3)
EVERY_60_DAYS = Recurrence(unit="days", count=60)
MARCH_AND_SEPTEMBER_15 = Recurrence(months=(3, 9), day=15)


def test_months_count_from_the_anchor_so_month_ends_do_not_drift() -> None:
    anchor = date(2026, 1, 31)
    monthly = Recurrence(unit="months", count=1)
    assert [nth_due(monthly, anchor, n) for n in (1, 2, 3, 13)] == [
        date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2027, 2, 28),
    ]  # fmt: skip


def test_days_weeks_and_calendar_rules() -> None:
    assert nth_due(EVERY_60_DAYS, date(2026, 2, 1), 2) == date(2026, 6, 1)
    assert nth_due(Recurrence(unit="weeks", count=2), date(2026, 6, 1), 3) == date(2026, 7, 13)
    anchor = date(2026, 3, 15)  # the anchor day itself is not a visit: visits come after it
    assert [nth_due(MARCH_AND_SEPTEMBER_15, anchor, n) for n in (1, 2, 3)] == [
        date(2026, 9, 15), date(2027, 3, 15), date(2027, 9, 15),
    ]  # fmt: skip
    assert nth_due(Recurrence(months=(2,), day=31), date(2026, 1, 1), 1) == date(2026, 2, 28)


def test_a_recurrence_that_never_recurs_is_refused() -> None:
    with pytest.raises(ValueError, match="never recurs"):
        nth_due(Recurrence(unit="months", count=0), date(2026, 1, 1), 1)
    assert Recurrence(unit="days", count=0).shortest_gap_days() == 0
    assert QUARTERLY.shortest_gap_days() == 84
    assert MARCH_AND_SEPTEMBER_15.shortest_gap_days() == 181  # 2025-03-15 → 2025-09-15


def test_a_new_schedule_starts_on_or_after_today_not_years_back() -> None:
    anchor = date(2023, 1, 10)
    n = first_sequence_on_or_after(QUARTERLY, anchor, date(2026, 6, 1))
    assert (n, nth_due(QUARTERLY, anchor, n)) == (14, date(2026, 7, 10))
    assert first_sequence_on_or_after(QUARTERLY, anchor, date(2026, 7, 10)) == 14
    assert first_sequence_on_or_after(QUARTERLY, anchor, date(2022, 1, 1)) == 1


def test_catching_up_marks_visits_overtaken_by_the_next_one_as_missed() -> None:
    # Visits 2 (07-10) and 3 (10-10) of a quarterly plan from 01-10; the run on 10-20 comes
    # after months of downtime: 07-10 is overtaken by 10-10 (already due), 10-10 is generated,
    # 2027-01-10 is beyond the 14 days' lead.
    planned = catch_up(QUARTERLY, date(2026, 1, 10), 2, date(2026, 10, 20), 14)
    assert planned == [
        PlannedVisit(2, date(2026, 7, 10), "missed"),
        PlannedVisit(3, date(2026, 10, 10), "generate"),
    ]


def test_catching_up_within_the_lead_time_generates_ahead() -> None:
    assert catch_up(QUARTERLY, date(2026, 1, 10), 2, date(2026, 6, 26), 14) == [
        PlannedVisit(2, date(2026, 7, 10), "generate")
    ]
    assert catch_up(QUARTERLY, date(2026, 1, 10), 2, date(2026, 6, 25), 14) == []


def test_generating_ahead_of_today_misses_nothing() -> None:
    # Through 2027-01-10 on 2026-06-01: the visits of 07-10, 10-10 and 2027-01-10 are all
    # still to come, so each gets its ticket; judged on 2027-01-10 itself two were missed.
    ahead = catch_up(QUARTERLY, date(2026, 1, 10), 2, date(2027, 1, 10), 0, today=date(2026, 6, 1))
    assert [visit.fate for visit in ahead] == ["generate"] * 3
    replayed = catch_up(QUARTERLY, date(2026, 1, 10), 2, date(2027, 1, 10), 0)
    assert [visit.fate for visit in replayed] == ["missed", "missed", "generate"]


def test_a_plan_following_completion_has_one_visit_outstanding() -> None:
    planned = catch_up(EVERY_60_DAYS, date(2026, 2, 1), 1, date(2026, 12, 1), 7,
                       follows_completion=True)  # fmt: skip
    assert planned == [PlannedVisit(1, date(2026, 4, 2), "generate")]


def test_a_plan_change_counts_from_the_last_generated_visit() -> None:
    monthly = Recurrence(unit="months", count=1)
    assert replan_anchor(monthly, date(2026, 1, 10), date(2026, 7, 10), date(2026, 7, 1)) == (
        date(2026, 7, 10), 1,
    )  # fmt: skip
    anchor, n = replan_anchor(monthly, date(2026, 1, 10), None, date(2026, 7, 1))
    assert nth_due(monthly, anchor, n) == date(2026, 7, 10)


def test_upcoming_lists_due_dates_up_to_a_day() -> None:
    assert upcoming(QUARTERLY, date(2026, 1, 10), 2, date(2026, 12, 31)) == [
        date(2026, 7, 10), date(2026, 10, 10),
    ]  # fmt: skip
