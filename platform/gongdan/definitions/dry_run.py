"""Dry run: what publishing draft revisions would change, shown on the pack's sample tickets.

The *candidate set* is the active set with the drafts in place of the active revisions of
their kind and key. Every sample ticket is run under both sets (routing rule and department,
SLA policy and the deadline of each metric from one instant, transitions open from the initial
state, the sample's own expectations), and the open tickets pinned to each TicketType or
Workflow revision a draft replaces are counted by state, with the breaking changes the draft
brings (they need a ticket migration after publishing).

Nothing is written: the service only reads revisions and tickets, and compiles in memory.
:func:`sample_outcome` and :func:`compare_samples` do no IO at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from gongdan.db import utcnow
from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.compiled import CompiledSet
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.registry import (
    active_revisions,
    compiled_active_set,
    definition_from_revision,
)
from gongdan.definitions.samples import routed_department, run_sample, sample_context
from gongdan.definitions.validate import validate_definitions
from gongdan.errors import DefinitionNotFound, ValidationFailed
from gongdan.sla import clock
from gongdan.sla.calendar import BusinessCalendar, round_the_clock
from gongdan.sla.models import METRICS

if TYPE_CHECKING:
    from gongdan.definitions.extensions import Extensions
    from gongdan.definitions.packs import Sample
    from gongdan.definitions.problems import Problem
    from gongdan.workflow.breaking import BreakingChange

#: The parts of an outcome a difference is reported for, in the order they are shown.
ASPECTS = ("routing_rule", "department", "sla_policy", "deadlines", "transitions", "problems")


@dataclass(frozen=True)
class SampleOutcome:
    """What one definition set does with one sample ticket."""

    routing_rule: str | None
    department: str | None
    sla_policy: str | None
    #: Metric → deadline for a ticket created at the dry run's instant.
    deadlines: dict[str, dt.datetime | None]
    #: Transitions open from the initial state (their conditions hold for the sample).
    transitions: tuple[str, ...]
    #: The sample's expectations this set does not meet.
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class SampleDifference:
    """One sample under the active and the candidate set; ``changed`` lists the aspects that
    differ (an outcome is ``None`` when that set has no such ticket type)."""

    name: str
    file: str
    active: SampleOutcome | None
    candidate: SampleOutcome | None
    changed: tuple[str, ...]


@dataclass(frozen=True)
class InFlight:
    """Open tickets pinned to a revision a draft replaces, by state, and what breaks for them."""

    revision_id: int
    ref: str
    open_tickets: int
    by_state: dict[str, int]
    breaking: list[BreakingChange] = field(default_factory=list)


@dataclass(frozen=True)
class DryRunReport:
    """Everything the dry run found; ``problems`` are the candidate set's validation errors
    (when there are any, samples run under the active set only)."""

    drafts: list[DefinitionRevision]
    at: dt.datetime
    samples: list[SampleDifference]
    in_flight: list[InFlight]
    problems: list[Problem]

    @property
    def changed_samples(self) -> int:
        """How many samples would be treated differently."""
        return sum(1 for sample in self.samples if sample.changed)


def _calendar(compiled: CompiledSet, key: str | None) -> BusinessCalendar:
    found = compiled.calendars.get(key or "")
    return BusinessCalendar(found) if found is not None else round_the_clock()


def sample_outcome(compiled: CompiledSet, sample: Sample, at: dt.datetime) -> SampleOutcome | None:
    """What ``compiled`` does with ``sample`` created at ``at``; ``None``: unknown ticket type."""
    ticket = sample.data.get("ticket")
    if not isinstance(ticket, dict) or ticket.get("type") not in compiled.ticket_types:
        return None
    context = sample_context(compiled, ticket)
    rule = compiled.matching_routing_rule("created", context)
    policy = compiled.matching_sla_policy(context)
    deadlines: dict[str, dt.datetime | None] = {}
    if policy is not None:
        calendar = _calendar(compiled, policy.calendar_key)
        priority = str(context.value("ticket.priority") or "normal")
        ticket_type = compiled.ticket_types[ticket["type"]]
        has_check_in = any(f.type == "geo" for f in ticket_type.fields)
        for metric in METRICS:
            target = policy.target(priority, metric)
            if target is None or (metric == "on_site" and not has_check_in):
                continue
            started = clock.start(calendar.business_duration(target), at)
            deadlines[metric] = clock.due_at(started, calendar)
    workflow = compiled.workflow_of(ticket["type"])
    transitions = tuple(
        t.key
        for t in workflow.transitions_from(workflow.initial)
        if t.predicate is None or t.predicate(context)
    )
    return SampleOutcome(
        routing_rule=rule.key if rule else None,
        department=routed_department(rule, context) if rule else None,
        sla_policy=policy.key if policy else None,
        deadlines=deadlines,
        transitions=transitions,
        problems=tuple(p.message for p in run_sample(sample, compiled)),
    )


def _changed(active: SampleOutcome | None, candidate: SampleOutcome | None) -> tuple[str, ...]:
    if active is None or candidate is None:
        return () if active is candidate else ASPECTS
    return tuple(a for a in ASPECTS if getattr(active, a) != getattr(candidate, a))


def compare_samples(
    active: CompiledSet,
    candidate: CompiledSet | None,
    samples: Sequence[Sample],
    at: dt.datetime,
) -> list[SampleDifference]:
    """Each sample under both sets (``candidate=None``: it did not compile; nothing changes)."""
    found = []
    for sample in samples:
        before = sample_outcome(active, sample, at)
        after = sample_outcome(candidate, sample, at) if candidate is not None else None
        changed = _changed(before, after) if candidate is not None else ()
        found.append(SampleDifference(sample.name, sample.file, before, after, changed))
    return found


def _in_flight(
    session: Session, replaced: DefinitionRevision, draft: DefinitionRevision
) -> InFlight:
    from gongdan.tickets.migration import compile_revision, open_tickets_by_state
    from gongdan.workflow.breaking import breaking_changes

    by_state = open_tickets_by_state(session, replaced.kind, replaced.id)
    breaking = breaking_changes(
        compile_revision(session, replaced.id), compile_revision(session, draft.id)
    )
    return InFlight(replaced.id, replaced.ref, sum(by_state.values()), by_state, breaking)


def dry_run(
    session: Session,
    revision_ids: Sequence[int],
    samples: Sequence[Sample],
    *,
    extensions: Extensions | None = None,
    at: dt.datetime | None = None,
) -> DryRunReport:
    """Compare the active set with the active set plus the drafts ``revision_ids``.

    ``at`` is the instant sample tickets are created at (default: now). Reads only.

    :raises DefinitionNotFound: a revision id does not exist.
    :raises ValidationFailed: a revision is not a draft, or two drafts have one kind and key.
    """
    moment = at or utcnow()
    drafts = []
    for revision_id in revision_ids:
        draft = session.get(DefinitionRevision, revision_id)
        if draft is None:
            raise DefinitionNotFound(f"no definition revision with id {revision_id!r}")
        if draft.status != "draft":
            raise ValidationFailed(f"{draft.ref} is {draft.status}; a dry run replays drafts")
        drafts.append(draft)
    identities = [(d.kind, d.key) for d in drafts]
    if len(set(identities)) != len(identities):
        raise ValidationFailed("a dry run takes at most one draft per kind and key")
    active = active_revisions(session)
    replaced = {(r.kind, r.key): r for r in active if (r.kind, r.key) in set(identities)}
    candidate_revisions = [r for r in active if (r.kind, r.key) not in set(identities)] + drafts
    definitions = [definition_from_revision(r) for r in candidate_revisions]
    problems = [
        p for p in validate_definitions(definitions, extensions=extensions) if p.severity == "error"
    ]
    candidate = None
    if not problems:
        candidate = compile_definitions(
            definitions,
            extensions=extensions,
            revision_ids={(r.kind, r.key): r.id for r in candidate_revisions},
            validate=False,
        )
    compared = compare_samples(
        compiled_active_set(session, extensions=extensions), candidate, samples, moment
    )
    in_flight = [
        _in_flight(session, replaced[(d.kind, d.key)], d)
        for d in drafts
        if d.kind in ("TicketType", "Workflow") and (d.kind, d.key) in replaced
    ]
    return DryRunReport(drafts, moment, compared, in_flight, problems)
