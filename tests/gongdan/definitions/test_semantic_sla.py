"""SLA policies and calendars: ordered targets, increasing ladders, sane business hours."""

from __future__ import annotations

import pytest
from tests.gongdan.definitions.fixtures.minimal_set import validate_edited, where

SLA = "sla/standard.yaml"
CAL = "calendars/cn_workdays.yaml"

CASES = [
    pytest.param(
        SLA,
        "on_site: PT2H, resolution: PT4H",
        "on_site: PT5H, resolution: PT4H",
        "PT4H}",
        "sla.targets_out_of_order",
        "urgent: resolution target PT4H is shorter than the on_site target PT5H",
        "targets must grow: first_response ≤ on_site ≤ resolution",
        id="on-site-after-resolution",
    ),
    pytest.param(
        SLA,
        "normal: {first_response: PT4H, resolution: P2D}",
        "normal: {first_response: P3D, resolution: P2D}",
        "P2D}",
        "sla.targets_out_of_order",
        "normal: resolution target P2D is shorter than the first_response target P3D",
        "targets must grow: first_response ≤ on_site ≤ resolution",
        id="days-compare-with-days",
    ),
    pytest.param(
        SLA,
        "- at: 100%",
        "- at: 80%",
        ("- at: 80%", "80%"),
        "sla.thresholds_not_increasing",
        "resolution escalation at 80% does not come after the previous one at 80%",
        "list the ladder's thresholds of a metric in increasing order",
        id="threshold-repeated",
    ),
    pytest.param(
        SLA,
        "{at: 80%, metric: resolution,",
        "{at: 80%, metric: on_site,",
        "on_site,",
        "sla.unknown_metric",
        "escalation on 'on_site', which no priority has a target for",
        None,
        id="metric-without-target",
    ),
    pytest.param(
        SLA,
        "template: sla_warning, to: [assignee]",
        "template: sla_warn, to: [assignee]",
        "sla_warn,",
        "ref.unknown_template",
        "unknown notification template 'sla_warn'",
        "did you mean 'sla_warning'?",
        id="escalation-template",
    ),
    pytest.param(
        SLA,
        "to: [role:agent, department:workshop]",
        "to: [role:agents, department:workshop]",
        "role:agents",
        "ref.unknown_role",
        "unknown role 'agents'",
        "did you mean 'agent'?",
        id="escalation-recipient-role",
    ),
    pytest.param(
        CAL,
        "Asia/Shanghai",
        "Asia/Shangai",
        "Asia/Shangai",
        "calendar.unknown_timezone",
        "unknown time zone 'Asia/Shangai'",
        "did you mean 'Asia/Shanghai'?",
        id="timezone",
    ),
    pytest.param(
        CAL,
        'mon: ["09:00-12:00", "13:00-18:00"]',
        'mon: ["09:00-12:00", "11:00-18:00"]',
        '"11:00-18:00"',
        "calendar.overlapping_intervals",
        "working hours '11:00-18:00' overlap '09:00-12:00'",
        None,
        id="overlap",
    ),
    pytest.param(
        CAL,
        'tue: ["09:00-12:00", "13:00-18:00"]',
        'tue: ["12:00-09:00"]',
        '"12:00-09:00"',
        "calendar.empty_interval",
        "working hours '12:00-09:00' end before they start",
        None,
        id="backwards-interval",
    ),
    pytest.param(
        CAL,
        'workdays: ["2026-12-27"]',
        'workdays: ["2026-12-31"]',
        ("workdays", '"2026-12-31"'),
        "calendar.day_both_off_and_on",
        "2026-12-31 is listed both in holidays and in workdays",
        None,
        id="holiday-and-workday",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "needle", "code", "message", "hint"), CASES)
def test_sla_and_calendar_rule(
    file: str,
    old: str,
    new: str,
    needle: str | tuple[str, str],
    code: str,
    message: str,
    hint: str | None,
) -> None:
    problems, texts = validate_edited({file: [(old, new)]})
    assert [(p.code, p.message, p.hint) for p in problems] == [(code, message, hint)]
    spot = where(texts, file, *needle) if isinstance(needle, tuple) else where(texts, file, needle)
    assert (problems[0].file, problems[0].line, problems[0].column) == spot


def test_at_most_one_default_sla_policy() -> None:
    problems, texts = validate_edited({SLA: [("  order: 10\n", "  order: 10\n  default: true\n")]})
    assert [(p.code, p.message) for p in problems] == [
        (
            "sla.multiple_defaults",
            "SlaPolicy 'urgent_only' is a second default; 'standard' already is one",
        )
    ]


def test_at_most_one_default_routing_rule() -> None:
    problems, _ = validate_edited(
        {"routing/rules.yaml": [("  order: 10\n", "  order: 10\n  default: true\n")]}
    )
    assert [p.code for p in problems] == ["routing.multiple_defaults"]


def test_ladder_thresholds_are_per_metric() -> None:
    # A first-response rung at 50% after a resolution rung at 80% is fine.
    extra = (
        "    - {at: 50%, metric: first_response, actions: [{do: notify, template: sla_warning}]}\n"
    )
    problems, _ = (
        validate_edited({SLA: [("      actions:\n", extra + "      actions:\n")]})
        if False
        else (validate_edited({SLA: [("    - at: 100%\n", extra + "    - at: 100%\n")]}))
    )
    assert problems == []


def test_time_zone_folder_is_not_a_time_zone() -> None:
    problems, _ = validate_edited({CAL: [("Asia/Shanghai", "America/Argentina")]})
    assert [(p.code, p.message) for p in problems] == [
        ("calendar.unknown_timezone", "unknown time zone 'America/Argentina'")
    ]
