"""SlaPolicy and Calendar checks: target order, the escalation ladder, business hours."""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

import isodate

from gongdan.definitions.documents import Definition
from gongdan.definitions.problems import JsonPath, Problem, did_you_mean
from gongdan.definitions.semantic.actions import check_actions
from gongdan.definitions.semantic.conditions import check_global_condition
from gongdan.definitions.semantic.context import (
    SemanticContext,
    as_list,
    check_references,
    items,
    reference_problem,
)

#: Metrics in the order their targets must grow.
METRICS = ("first_response", "on_site", "resolution")


def parse_duration(text: Any) -> dt.timedelta | None:
    """An ISO 8601 duration as a timedelta (a year 365 days, a month 30), ``None`` if invalid."""
    if not isinstance(text, str):
        return None
    try:
        value = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError):
        return None
    if isinstance(value, isodate.Duration):
        # Only ordering matters here, so calendar months and years may be approximated.
        return value.tdelta + dt.timedelta(days=int(value.years) * 365 + int(value.months) * 30)
    return value


def parse_percentage(text: Any) -> float | None:
    """``"80%"`` → ``80.0``; ``None`` when it is not a percentage."""
    if isinstance(text, str) and re.fullmatch(r"[0-9]+(\.[0-9]+)?%", text):
        return float(text[:-1])
    return None


def check_sla_policy(definition: Definition, ctx: SemanticContext) -> list[Problem]:
    """Every semantic rule of one SlaPolicy."""
    spec = definition.spec
    found: list[Problem] = []
    if "calendar" in spec:
        problem = reference_problem(
            definition,
            spec["calendar"],
            ctx.keys("Calendar"),
            ("spec", "calendar"),
            "ref.unknown_calendar",
            "calendar",
        )
        if problem is not None:
            found.append(problem)
    pauses = [
        (s, ("spec", "pause_states", i)) for i, s in enumerate(as_list(spec.get("pause_states")))
    ]
    found.extend(
        check_references(definition, pauses, ctx.all_state_keys(), "ref.unknown_state", "state")
    )
    if "when" in spec:
        found.extend(check_global_condition(definition, ctx, spec["when"], ("spec", "when")))
    targets = spec.get("targets") if isinstance(spec.get("targets"), Mapping) else {}
    found.extend(_check_targets(definition, targets))
    found.extend(_check_ladder(definition, ctx, targets))
    return found


def _check_targets(definition: Definition, targets: Mapping[str, Any]) -> list[Problem]:
    found: list[Problem] = []
    for priority, metrics in targets.items():
        if not isinstance(metrics, Mapping):
            continue
        present = [(m, parse_duration(metrics.get(m))) for m in METRICS if m in metrics]
        for (low, low_value), (high, high_value) in zip(present, present[1:], strict=False):
            if low_value is not None and high_value is not None and low_value > high_value:
                found.append(
                    definition.problem(
                        "sla.targets_out_of_order",
                        f"{priority}: {high} target {metrics[high]} is shorter than the "
                        f"{low} target {metrics[low]}",
                        ("spec", "targets", priority, high),
                        hint="targets must grow: first_response ≤ on_site ≤ resolution",
                    )
                )
    return found


def _check_ladder(
    definition: Definition, ctx: SemanticContext, targets: Mapping[str, Any]
) -> list[Problem]:
    found: list[Problem] = []
    with_target = {
        m for metrics in targets.values() if isinstance(metrics, Mapping) for m in metrics
    }
    last: dict[str, tuple[float, str]] = {}
    for index, step in items(definition.spec.get("escalations")):
        path = ("spec", "escalations", index)
        metric = step.get("metric")
        if metric not in with_target:
            found.append(
                definition.problem(
                    "sla.unknown_metric",
                    f"escalation on {metric!r}, which no priority has a target for",
                    (*path, "metric"),
                    hint=did_you_mean(metric, with_target),
                )
            )
        threshold = parse_percentage(step.get("at"))
        if threshold is not None and isinstance(metric, str):
            previous = last.get(metric)
            if previous is not None and threshold <= previous[0]:
                found.append(
                    definition.problem(
                        "sla.thresholds_not_increasing",
                        f"{metric} escalation at {step.get('at')} does not come after the "
                        f"previous one at {previous[1]}",
                        (*path, "at"),
                        hint="list the ladder's thresholds of a metric in increasing order",
                    )
                )
            else:
                last[metric] = (threshold, str(step.get("at")))
        found.extend(check_actions(definition, ctx, step.get("actions"), (*path, "actions")))
    return found


def check_single_defaults(ctx: SemanticContext, kind: str) -> list[Problem]:
    """At most one definition of ``kind`` (SlaPolicy, RoutingRule) is ``default: true``."""
    defaults = sorted(
        (d for d in ctx.of_kind(kind) if d.spec.get("default") is True),
        key=lambda d: (d.file, d.key),
    )
    code = "sla.multiple_defaults" if kind == "SlaPolicy" else "routing.multiple_defaults"
    return [
        definition.problem(
            code,
            f"{kind} {definition.key!r} is a second default; {defaults[0].key!r} already is one",
            ("spec", "default"),
        )
        for definition in defaults[1:]
    ]


def _interval(text: Any) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d\d):(\d\d)-(\d\d):(\d\d)", text) if isinstance(text, str) else None
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return h1 * 60 + m1, h2 * 60 + m2


def _check_intervals(definition: Definition, ranges: Any, path: JsonPath) -> list[Problem]:
    found: list[Problem] = []
    parsed = []
    for index, text in enumerate(as_list(ranges)):
        interval = _interval(text)
        if interval is None:
            continue
        if interval[0] >= interval[1]:
            found.append(
                definition.problem(
                    "calendar.empty_interval",
                    f"working hours {text!r} end before they start",
                    (*path, index),
                )
            )
            continue
        parsed.append((interval, index, text))
    parsed.sort()
    for (first, _, first_text), (second, index, text) in zip(parsed, parsed[1:], strict=False):
        if second[0] < first[1]:
            found.append(
                definition.problem(
                    "calendar.overlapping_intervals",
                    f"working hours {text!r} overlap {first_text!r}",
                    (*path, index),
                )
            )
    return found


@functools.cache
def known_timezones() -> frozenset[str]:
    """IANA time zone names this machine knows.

    Checked by membership because ``ZoneInfo()`` fails with a different error for a folder
    (``America/Argentina``), a path and an unknown name.
    """
    return frozenset(zoneinfo.available_timezones())


def check_calendar(definition: Definition, ctx: SemanticContext) -> list[Problem]:
    """Time zone, working-hour intervals, and days both off and on."""
    spec = definition.spec
    found: list[Problem] = []
    timezone = spec.get("timezone")
    if isinstance(timezone, str) and timezone not in known_timezones():
        found.append(
            definition.problem(
                "calendar.unknown_timezone",
                f"unknown time zone {timezone!r}",
                ("spec", "timezone"),
                hint=did_you_mean(timezone, known_timezones()),
            )
        )
    week = spec.get("week") if isinstance(spec.get("week"), Mapping) else {}
    for day, ranges in week.items():
        found.extend(_check_intervals(definition, ranges, ("spec", "week", day)))
    found.extend(_check_intervals(definition, spec.get("workday_hours"), ("spec", "workday_hours")))
    holidays = set(as_list(spec.get("holidays")))
    for index, day in enumerate(as_list(spec.get("workdays"))):
        if day in holidays:
            found.append(
                definition.problem(
                    "calendar.day_both_off_and_on",
                    f"{day} is listed both in holidays and in workdays",
                    ("spec", "workdays", index),
                )
            )
    return found
