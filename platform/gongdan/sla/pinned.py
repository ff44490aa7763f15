"""A clock row's pinned policy and calendar, and the mapping between rows and clock states.

Policy and Calendar revisions never change, so their compiled form is cached per process by
revision ids (a bounded LRU).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.compiled import CompiledSlaPolicy
from gongdan.definitions.extensions import current_extensions
from gongdan.definitions.registry import load_revision
from gongdan.sla import clock
from gongdan.sla.calendar import BusinessCalendar, round_the_clock
from gongdan.sla.clock import ClockState
from gongdan.sla.models import METRICS, SlaClock


@dataclass(frozen=True, slots=True)
class PinnedPolicy:
    """A clock's compiled SlaPolicy revision and the business calendar it runs on."""

    policy: CompiledSlaPolicy
    calendar: BusinessCalendar


_cache: OrderedDict[tuple[int, int | None], PinnedPolicy] = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 128


def pinned_policy(
    session: Session, policy_revision_id: int, calendar_revision_id: int | None
) -> PinnedPolicy:
    """Compile a policy revision and its calendar revision (cached: revisions never change).

    A policy without a calendar runs round the clock in UTC.
    """
    key = (policy_revision_id, calendar_revision_id)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    definitions = [load_revision(session, policy_revision_id)]
    if calendar_revision_id is not None:
        definitions.append(load_revision(session, calendar_revision_id))
    compiled = compile_definitions(
        definitions,
        revision_ids={(d.kind, d.key): rid for d, rid in zip(definitions, key, strict=False)},
        validate=False,  # each revision was valid in the set it was published in
        extensions=current_extensions(),  # a plugin's field types and condition functions
    )
    policy = compiled.sla_policies[0]
    calendars = list(compiled.calendars.values())
    calendar = BusinessCalendar(calendars[0]) if calendars else round_the_clock()
    pinned = PinnedPolicy(policy, calendar)
    with _cache_lock:
        _cache[key] = pinned
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return pinned


def pinned_for(session: Session, row: SlaClock) -> PinnedPolicy:
    """The pinned policy and calendar of one clock row."""
    return pinned_policy(session, row.policy_revision_id, row.calendar_revision_id)


# ------------------------------------------------------------------------ rows and states


def state_of(row: SlaClock) -> ClockState:
    """The IO-free state of a clock row."""
    return ClockState(
        target_seconds=row.target_seconds,
        used_seconds=row.business_seconds_used_before_pause or 0.0,
        running_since=row.running_since,
        paused_at=row.paused_at,
        stopped_at=row.stopped_at,
    )


def store(row: SlaClock, state: ClockState, pinned: PinnedPolicy) -> None:
    """Write ``state`` to ``row`` with its deadline and the instant of its next rung."""
    row.target_seconds = state.target_seconds
    row.business_seconds_used_before_pause = state.used_seconds
    row.running_since = state.running_since
    row.paused_at = state.paused_at
    row.stopped_at = state.stopped_at
    row.due_at = clock.due_at(state, pinned.calendar)
    ladder = clock.rungs(pinned.policy, row.metric)
    row.next_fire_at = clock.fire_at(state, pinned.calendar, clock.rung_of(ladder, row.next_level))
    if state.stopped_at is not None:
        row.met = clock.met(state)
        row.breached = not row.met
    else:
        row.met = row.breached = None
    row.version = (row.version or 0) + 1


def clocks_of(session: Session, ticket_id: int) -> list[SlaClock]:
    """The clock rows of a ticket, in metric order."""
    rows = session.scalars(select(SlaClock).where(SlaClock.ticket_id == ticket_id))
    return sorted(rows, key=lambda row: METRICS.index(row.metric))
