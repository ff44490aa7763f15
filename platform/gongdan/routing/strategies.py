"""Who gets a ticket: the routing strategies, as pure functions of a rule, a ticket and people.

No IO here. :func:`decide` takes a :class:`CompiledRoutingRule`, the ticket's
:class:`EvaluationContext` and the :class:`Candidate` engineers (loaded by
:mod:`gongdan.routing.candidates`), and returns a :class:`RoutingDecision` that explains itself:
a human ``why`` ("skill espresso, 3 open of 12, 4.2 km"), the same facts as ``details`` (for
rendering in other languages later) and every engineer passed over with the reason.

Who is passed over, in this order of checks:

* ``off`` — never assigned automatically (a dispatcher may still assign by hand);
* full — open tickets ≥ the engineer's capacity, or the rule's ``max_open_per_engineer`` if
  lower;
* without a required skill (``skills_any``: at least one; ``skills_all``: every one);
* ``nearest`` only: without a known (or with a stale) location;
* ``busy`` — skipped while anyone ``available`` fits; when only busy engineers fit, the best of
  them is chosen and the ``why`` says so, because a late answer beats no answer.

Nobody left: the rule's fallback queue (the department, unassigned).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from gongdan.conditions import EvaluationContext
from gongdan.conditions.operators import reference_name
from gongdan.definitions.compiled import CompiledRoutingRule
from gongdan.routing.geo import Point, haversine_km, point_of

STRATEGIES: tuple[str, ...] = ("round_robin", "least_loaded", "skill_match", "nearest", "by_field")

#: Where the ticket is, for ``nearest``: the first of these variables holding a point.
TICKET_LOCATION_FIELDS: tuple[str, ...] = ("address", "ticket.visit_address", "ticket.location")

#: An engineer's last location older than this is not used for ``nearest``.
LOCATION_MAX_AGE = timedelta(days=7)

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An engineer who could take the ticket, with what routing needs to know about them."""

    user_id: int
    name: str
    skills: frozenset[str] = frozenset()
    availability: str = "available"
    capacity: int = 10
    open_count: int = 0
    lat: float | None = None
    lng: float | None = None
    last_assigned_at: datetime | None = None
    located_at: datetime | None = None

    def limit(self, rule_limit: int | None) -> int:
        """Open tickets this engineer may hold under a rule: the lower of both limits."""
        return self.capacity if rule_limit is None else min(self.capacity, rule_limit)

    def load(self, rule_limit: int | None) -> float:
        """Open tickets as a share of the limit (1.0 and more is full)."""
        limit = self.limit(rule_limit)
        return float("inf") if limit <= 0 else self.open_count / limit


@dataclass(frozen=True, slots=True)
class Skipped:
    """An engineer passed over, and why (``"off"``, ``"full (8 of 8 open)"`` ...)."""

    user_id: int
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class Turn:
    """Where a round robin stands: the engineer who had the last turn and how many were given."""

    last_user_id: int | None = None
    position: int = 0


@dataclass(frozen=True)
class RoutingDecision:
    """The outcome of one rule for one ticket.

    ``department`` is where the ticket goes (the fallback queue when nobody fitted, then
    ``queue`` names it too and ``assignee_id`` is ``None``). ``why`` is the sentence shown on
    the timeline; ``details`` holds its facts; ``skipped`` everyone passed over, in id order.
    """

    rule_key: str
    strategy: str
    assignee_id: int | None
    department: str | None
    queue: str | None
    why: str
    details: Mapping[str, Any] = field(default_factory=dict)
    skipped: tuple[Skipped, ...] = ()
    assignee_name: str | None = None
    turn: Turn | None = None

    @property
    def fell_back(self) -> bool:
        """True when nobody fitted and the ticket went to the fallback queue."""
        return self.assignee_id is None

    def event_data(self) -> dict[str, Any]:
        """The JSON the ``assigned`` event records: rule, strategy, why and who was skipped."""
        return {
            "rule": self.rule_key,
            "strategy": self.strategy,
            "why": self.why,
            "why_details": dict(self.details),
            "skipped": [[s.user_id, s.reason] for s in self.skipped],
            "queue": self.queue,
        }


def target_department(rule: CompiledRoutingRule, context: EvaluationContext) -> str | None:
    """The department a rule routes to for this ticket (``by_field``: the mapped value)."""
    if rule.strategy != "by_field":
        return rule.department
    value = context.value(str(rule.assign.get("field", "")))
    mapping: Mapping[str, str] = rule.assign.get("map") or {}
    return mapping.get(str(value)) if value is not None else None


def required_skills(
    rule: CompiledRoutingRule, context: EvaluationContext
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(skills_any, skills_all)`` with ``$ticket.x`` references resolved from the ticket.

    A reference to an empty value drops out (a repair without a product line does not demand
    a skill nobody can have); a list value (a multiselect field) adds each item.
    """
    return (
        _resolve(rule.assign.get("skills_any") or (), context),
        _resolve(rule.assign.get("skills_all") or (), context),
    )


def _resolve(items: Iterable[Any], context: EvaluationContext) -> tuple[str, ...]:
    skills: list[str] = []
    for item in items:
        name = reference_name(item)
        value = context.value(name) if name is not None else item
        values = value if isinstance(value, list | tuple) else (value,)
        for skill in values:
            if skill not in (None, "") and str(skill) not in skills:
                skills.append(str(skill))
    return tuple(skills)


def ticket_location(context: EvaluationContext) -> Point | None:
    """Where the ticket is: its address (customer address or ``visit_address``) as a point."""
    for name in TICKET_LOCATION_FIELDS:
        point = point_of(context.value(name))
        if point is not None:
            return point
    return None


@dataclass(frozen=True, slots=True)
class _Inputs:
    rule: CompiledRoutingRule
    department: str
    limit: int | None
    skills_any: tuple[str, ...]
    skills_all: tuple[str, ...]
    point: Point | None
    now: datetime


def decide(
    rule: CompiledRoutingRule,
    context: EvaluationContext,
    candidates: Sequence[Candidate],
    *,
    turn: Turn | None = None,
    now: datetime | None = None,
) -> RoutingDecision:
    """Choose an engineer among ``candidates`` (the target department's) by ``rule``.

    ``turn`` is the round robin's position (ignored by the other strategies); ``now`` judges
    the age of engineers' locations.
    """
    department = target_department(rule, context)
    details: dict[str, Any] = {"department": department}
    prefix: list[str] = []
    if rule.strategy == "by_field":
        field_name = str(rule.assign.get("field", ""))
        value = context.value(field_name)
        plain = value if value is None or isinstance(value, str | int | float) else str(value)
        details.update(field=field_name, value=plain)  # JSON-safe: it goes into the event
        if department is None:
            shown = "empty" if value is None else f"{value!s}"
            return _fallback(rule, f"{field_name} {shown} maps to no department", details, [])
        prefix.append(f"{field_name} {value} → {department}")
    if department is None:  # the schema requires one; a defensive answer, not a crash
        return _fallback(rule, "the rule names no department", details, [])
    capacity = rule.assign.get("capacity") or {}
    skills_any, skills_all = required_skills(rule, context)
    inputs = _Inputs(
        rule=rule,
        department=department,
        limit=capacity.get("max_open_per_engineer"),
        skills_any=skills_any,
        skills_all=skills_all,
        point=ticket_location(context) if rule.strategy == "nearest" else None,
        now=now or datetime.now(UTC),
    )
    reasons: dict[int, str] = {}
    fitting: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: c.user_id):
        reason = _unfit(candidate, inputs)
        if reason is None:
            fitting.append(candidate)
        else:
            reasons[candidate.user_id] = reason
    available = [c for c in fitting if c.availability == "available"]
    pool = available or fitting
    if available:
        for candidate in fitting:
            if candidate.availability != "available":
                reasons[candidate.user_id] = candidate.availability
    skipped = [
        Skipped(c.user_id, c.name, reasons[c.user_id])
        for c in sorted(candidates, key=lambda c: c.user_id)
        if c.user_id in reasons
    ]
    if not pool:
        if not candidates:
            return _fallback(rule, f"no one in {department}", details, skipped)
        return _fallback(rule, f"nobody fits in {department}", details, skipped)
    if not available:
        prefix.insert(0, "busy (nobody available)")
        details["busy"] = True
    chosen, words = _PICKERS[rule.strategy](pool, inputs, turn or Turn(), details)
    matched = _matched_skills(chosen, inputs)
    if matched:
        details["skills"] = list(matched)
        words.append(("skill " if len(matched) == 1 else "skills ") + " + ".join(matched))
    details.update(open=chosen.open_count, capacity=chosen.limit(inputs.limit))
    words.append(f"{chosen.open_count} open of {chosen.limit(inputs.limit)}")
    if "distance_km" in details:
        words.append(f"{details['distance_km']:.1f} km")
    return RoutingDecision(
        rule_key=rule.key,
        strategy=rule.strategy,
        assignee_id=chosen.user_id,
        department=department,
        queue=None,
        why=", ".join([*prefix, *words]),
        details=details,
        skipped=tuple(skipped),
        assignee_name=chosen.name,
        turn=Turn(chosen.user_id, (turn or Turn()).position + 1)
        if rule.strategy == "round_robin"
        else None,
    )


def _unfit(candidate: Candidate, inputs: _Inputs) -> str | None:
    """Why ``candidate`` cannot take the ticket, or ``None`` when they can."""
    if candidate.availability == "off":
        return "off"
    limit = candidate.limit(inputs.limit)
    if candidate.open_count >= limit:
        return f"full ({candidate.open_count} of {limit} open)"
    if inputs.skills_any and not set(inputs.skills_any) & candidate.skills:
        wanted = " or ".join(inputs.skills_any)
        return f"no skill {wanted}"
    missing = [skill for skill in inputs.skills_all if skill not in candidate.skills]
    if missing:
        return f"no skill {' + '.join(missing)}"
    if inputs.rule.strategy == "nearest" and inputs.point is not None:
        if candidate.lat is None or candidate.lng is None:
            return "no location"
        located = candidate.located_at
        if located is not None and inputs.now - _aware(located) > LOCATION_MAX_AGE:
            return f"location {(inputs.now - _aware(located)).days} days old"
    return None


def _matched_skills(candidate: Candidate, inputs: _Inputs) -> tuple[str, ...]:
    wanted = [*inputs.skills_any, *inputs.skills_all]
    return tuple(dict.fromkeys(skill for skill in wanted if skill in candidate.skills))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _load_order(limit: int | None) -> Callable[[Candidate], tuple[Any, ...]]:
    """Lowest open/limit ratio first; ties: the longest since their last assignment, then id."""

    def key(candidate: Candidate) -> tuple[Any, ...]:
        last = _aware(candidate.last_assigned_at) if candidate.last_assigned_at else _NEVER
        return candidate.load(limit), last, candidate.user_id

    return key


_Picked = tuple[Candidate, list[str]]


def _least_loaded(
    pool: list[Candidate], inputs: _Inputs, turn: Turn, details: dict[str, Any]
) -> _Picked:
    # skill_match explains itself by the skill; the others name the load criterion.
    words = [] if inputs.rule.strategy == "skill_match" else ["least loaded"]
    return min(pool, key=_load_order(inputs.limit)), words


def _round_robin(
    pool: list[Candidate], inputs: _Inputs, turn: Turn, details: dict[str, Any]
) -> _Picked:
    after = [c for c in pool if turn.last_user_id is not None and c.user_id > turn.last_user_id]
    chosen = after[0] if after else pool[0]
    details["turn"] = turn.position + 1
    return chosen, [f"turn {turn.position + 1}"]


def _nearest(
    pool: list[Candidate], inputs: _Inputs, turn: Turn, details: dict[str, Any]
) -> _Picked:
    if inputs.point is None:
        details["ticket_location"] = False
        return min(pool, key=_load_order(inputs.limit)), ["no location on the ticket, least loaded"]
    point = inputs.point
    load = _load_order(inputs.limit)

    def distance(candidate: Candidate) -> float:
        assert candidate.lat is not None and candidate.lng is not None
        return haversine_km((candidate.lat, candidate.lng), point)

    chosen = min(pool, key=lambda c: (round(distance(c), 3), *load(c)))
    details["distance_km"] = round(distance(chosen), 1)
    return chosen, []


_PICKERS: dict[str, Callable[[list[Candidate], _Inputs, Turn, dict[str, Any]], _Picked]] = {
    "round_robin": _round_robin,
    "least_loaded": _least_loaded,
    "skill_match": _least_loaded,
    "nearest": _nearest,
    "by_field": _least_loaded,
}


def _fallback(
    rule: CompiledRoutingRule,
    reason: str,
    details: dict[str, Any],
    skipped: list[Skipped],
) -> RoutingDecision:
    queue = rule.fallback_queue
    if skipped:
        reason += f" ({len(skipped)} skipped)"
    target = f"queue {queue}" if queue else "left unassigned"
    details.update(fallback=True, reason=reason)
    return RoutingDecision(
        rule_key=rule.key,
        strategy=rule.strategy,
        assignee_id=None,
        department=queue or details.get("department"),
        queue=queue,
        why=f"{reason}: {target}",
        details=details,
        skipped=tuple(skipped),
    )
