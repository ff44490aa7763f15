"""SLA clock arithmetic without IO: time used, deadlines, pauses, rungs and what agents see.

A clock is described by :class:`ClockState`; every function returns a new state or a value and
touches no database. :mod:`gongdan.sla.services` maps states to ``sla_clocks`` rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from gongdan.definitions.compiled import CompiledEscalation, CompiledSlaPolicy
from gongdan.sla.calendar import BusinessCalendar

#: Share of the target from which a running clock shows as at risk (unless a rung comes first).
AT_RISK_PERCENT = 80.0


@dataclass(frozen=True, slots=True)
class ClockState:
    """Target and progress of one clock (see :class:`gongdan.sla.models.SlaClock`)."""

    target_seconds: int
    used_seconds: float = 0.0
    running_since: dt.datetime | None = None
    paused_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None

    @property
    def running(self) -> bool:
        return self.running_since is not None and self.stopped_at is None


@dataclass(frozen=True, slots=True)
class ClockView:
    """One clock as an agent sees it: ``state`` is ok, at_risk, breached, paused or met."""

    metric: str
    due_at: dt.datetime | None
    remaining: dt.timedelta
    state: str
    percent: float
    target: dt.timedelta
    policy: str


def start(target: dt.timedelta, at: dt.datetime) -> ClockState:
    """A clock with ``target`` business time, running from ``at``."""
    return ClockState(target_seconds=round(target.total_seconds()), running_since=at)


def used(state: ClockState, calendar: BusinessCalendar, now: dt.datetime) -> float:
    """Business seconds used at ``now`` (frozen while paused or stopped)."""
    if not state.running or state.running_since is None:
        return state.used_seconds
    since = calendar.business_time_between(state.running_since, max(now, state.running_since))
    return state.used_seconds + since.total_seconds()


def instant_when_used(
    state: ClockState, calendar: BusinessCalendar, seconds: float
) -> dt.datetime | None:
    """When the clock will have used ``seconds`` (``running_since`` if already past).

    ``None`` for a paused or stopped clock: it has no deadline until it runs again.
    """
    if not state.running or state.running_since is None:
        return None
    remaining = max(0.0, seconds - state.used_seconds)
    return calendar.add_business_time(state.running_since, dt.timedelta(seconds=remaining))


def due_at(state: ClockState, calendar: BusinessCalendar) -> dt.datetime | None:
    """The deadline given the current pause state; ``None`` while paused or stopped."""
    return instant_when_used(state, calendar, state.target_seconds)


def pause(state: ClockState, calendar: BusinessCalendar, at: dt.datetime) -> ClockState:
    """Freeze the time used at ``at`` (a paused or stopped clock is returned unchanged)."""
    if not state.running:
        return state
    return dataclasses.replace(
        state, used_seconds=used(state, calendar, at), running_since=None, paused_at=at
    )


def resume(state: ClockState, at: dt.datetime) -> ClockState:
    """Run again from ``at``, keeping the time used (a running clock is unchanged)."""
    if state.running or state.stopped_at is not None:
        return state
    return dataclasses.replace(state, running_since=at, paused_at=None)


def stop(state: ClockState, calendar: BusinessCalendar, at: dt.datetime) -> ClockState:
    """Stop at ``at`` for good (until :func:`restart`): the time used is final."""
    if state.stopped_at is not None:
        return state
    return dataclasses.replace(
        state, used_seconds=used(state, calendar, at), running_since=None, paused_at=None,
        stopped_at=at,
    )  # fmt: skip


def restart(state: ClockState, at: dt.datetime) -> ClockState:
    """A stopped clock runs again from ``at``, continuing from the time it had used."""
    if state.stopped_at is None:
        return state
    return dataclasses.replace(state, stopped_at=None, paused_at=None, running_since=at)


def retarget(state: ClockState, target: dt.timedelta) -> ClockState:
    """The same progress against a new target (the elapsed business time is kept)."""
    return dataclasses.replace(state, target_seconds=round(target.total_seconds()))


def met(state: ClockState) -> bool:
    """Whether the time used is within the target (the outcome once stopped)."""
    return state.used_seconds <= state.target_seconds


def rungs(policy: CompiledSlaPolicy, metric: str) -> tuple[CompiledEscalation, ...]:
    """The ladder rungs of ``metric``, in firing order."""
    return tuple(rung for rung in policy.ladder if rung.metric == metric)


def threshold_seconds(target_seconds: int, rung: CompiledEscalation) -> float:
    """Business seconds after which ``rung`` fires."""
    return target_seconds * rung.at_percent / 100.0


def rung_after(
    ladder: Sequence[CompiledEscalation], level: int | None
) -> CompiledEscalation | None:
    """The rung following level ``level`` (the first one for ``None``), or ``None``."""
    for rung in ladder:
        if level is None or rung.level > level:
            return rung
    return None


def rung_of(ladder: Sequence[CompiledEscalation], level: int | None) -> CompiledEscalation | None:
    """The rung with level ``level``, or ``None``."""
    return next((rung for rung in ladder if rung.level == level), None)


def fire_at(
    state: ClockState, calendar: BusinessCalendar, rung: CompiledEscalation | None
) -> dt.datetime | None:
    """When ``rung`` is due; ``None`` without a rung or while the clock is not running."""
    if rung is None:
        return None
    return instant_when_used(state, calendar, threshold_seconds(state.target_seconds, rung))


def view(
    metric: str,
    policy: str,
    state: ClockState,
    calendar: BusinessCalendar,
    now: dt.datetime,
    ladder: Sequence[CompiledEscalation] = (),
) -> ClockView:
    """What an agent sees of one clock at ``now``.

    ``at_risk`` from :data:`AT_RISK_PERCENT` of the target, or from the metric's first rung when
    that comes earlier; ``breached`` once the time used passes the target (running or stopped).
    """
    spent = used(state, calendar, now)
    target = state.target_seconds
    percent = 100.0 * spent / target if target else 100.0
    remaining = dt.timedelta(seconds=target - spent)
    risk_from = min([AT_RISK_PERCENT, *(rung.at_percent for rung in ladder[:1])])
    if state.stopped_at is not None:
        label = "met" if spent <= target else "breached"
    elif spent > target:
        label = "breached"
    elif state.paused_at is not None:
        label = "paused"
    elif percent >= risk_from:
        label = "at_risk"
    else:
        label = "ok"
    return ClockView(
        metric=metric,
        due_at=due_at(state, calendar),
        remaining=remaining,
        state=label,
        percent=round(percent, 1),
        target=dt.timedelta(seconds=target),
        policy=policy,
    )
