"""The routing strategies as pure functions: who is chosen, who is skipped, and the why text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from gongdan.conditions import EvaluationContext
from gongdan.definitions.compiled import CompiledRoutingRule
from gongdan.routing.strategies import (
    Candidate,
    Skipped,
    Turn,
    decide,
    required_skills,
    ticket_location,
)

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
PEOPLES_SQUARE = {"lat": 31.2304, "lng": 121.4737}


def rule(strategy: str = "skill_match", **assign: Any) -> CompiledRoutingRule:
    department = assign.pop("department", None if strategy == "by_field" else "tech_support")
    fallback = assign.pop("fallback", "support_queue")
    spec = {"department": department, "strategy": strategy, **assign}
    return CompiledRoutingRule(
        key="test_rule",
        order=10,
        default=False,
        on=frozenset({"created"}),
        predicate=None,
        department=department,
        strategy=strategy,
        assign={k: v for k, v in spec.items() if v is not None},
        fallback_queue=fallback,
    )


def ticket(**values: Any) -> EvaluationContext:
    ticket_values = {"product_line": "espresso", "visit_address": PEOPLES_SQUARE}
    ticket_values.update(values.pop("ticket", {}))
    return EvaluationContext({"ticket": ticket_values, **values})


def person(user_id: int, name: str, **attributes: Any) -> Candidate:
    attributes.setdefault("capacity", 12)
    attributes["skills"] = frozenset(attributes.get("skills", ()))
    return Candidate(user_id=user_id, name=name, **attributes)


def team() -> list[Candidate]:
    """Ann fits; Bob is off; Cai is full; Dan is busy; Eve lacks the skill."""
    return [
        person(1, "Ann", skills={"espresso"}, open_count=3, lat=31.20, lng=121.45),
        person(2, "Bob", skills={"espresso"}, availability="off"),
        person(3, "Cai", skills={"espresso"}, capacity=5, open_count=5),
        person(4, "Dan", skills={"espresso"}, availability="busy"),
        person(5, "Eve", skills={"grinder"}),
    ]


def test_skill_match_skips_off_full_busy_and_unskilled_engineers_with_reasons() -> None:
    decision = decide(rule(skills_any=["$ticket.product_line"]), ticket(), team(), now=NOW)
    assert decision.assignee_id == 1 and decision.assignee_name == "Ann"
    assert decision.why == "skill espresso, 3 open of 12"
    assert decision.department == "tech_support" and decision.queue is None
    assert decision.skipped == (
        Skipped(2, "Bob", "off"),
        Skipped(3, "Cai", "full (5 of 5 open)"),
        Skipped(4, "Dan", "busy"),
        Skipped(5, "Eve", "no skill espresso"),
    )
    assert decision.details == {
        "department": "tech_support",
        "skills": ["espresso"],
        "open": 3,
        "capacity": 12,
    }
    assert decision.event_data()["skipped"] == [[2, "off"], [3, "full (5 of 5 open)"],
                                                [4, "busy"], [5, "no skill espresso"]]  # fmt: skip


def test_skill_references_resolve_from_the_ticket_and_empty_ones_drop_out() -> None:
    both = rule(skills_any=["$ticket.product_line", "senior"], skills_all=["$ticket.tags"])
    context = ticket(ticket={"product_line": "ice", "tags": ["cn", "en"]})
    assert required_skills(both, context) == (("ice", "senior"), ("cn", "en"))
    assert required_skills(both, ticket(ticket={"product_line": None})) == (("senior",), ())


def test_skills_all_needs_every_skill() -> None:
    people = [person(1, "Ann", skills={"espresso"}), person(2, "Bo", skills={"espresso", "ice"})]
    decision = decide(rule(skills_all=["espresso", "ice"]), ticket(), people, now=NOW)
    assert decision.assignee_id == 2
    assert decision.why == "skills espresso + ice, 0 open of 12"
    assert decision.skipped == (Skipped(1, "Ann", "no skill ice"),)


def test_the_rule_capacity_caps_the_engineers_own() -> None:
    people = [person(1, "Ann", open_count=8), person(2, "Bo", open_count=5, capacity=6)]
    decision = decide(
        rule("least_loaded", capacity={"max_open_per_engineer": 8}), ticket(), people, now=NOW
    )
    assert decision.assignee_id == 2
    assert decision.why == "least loaded, 5 open of 6"
    assert decision.skipped == (Skipped(1, "Ann", "full (8 of 8 open)"),)


def test_least_loaded_compares_ratios_and_breaks_ties_by_longest_wait() -> None:
    people = [
        person(1, "Ann", open_count=4, capacity=8),  # 0.5
        person(2, "Bo", open_count=3, capacity=12, last_assigned_at=NOW),  # 0.25, just now
        person(3, "Cy", open_count=1, capacity=4, last_assigned_at=NOW - timedelta(hours=2)),
    ]
    decision = decide(rule("least_loaded"), ticket(), people, now=NOW)
    assert decision.assignee_id == 3
    assert decision.why == "least loaded, 1 open of 4"
    never = person(4, "Di", open_count=0, capacity=4)
    first = decide(rule("least_loaded"), ticket(), [*people, never], now=NOW)
    assert first.assignee_id == 4


def test_busy_engineers_are_chosen_only_when_nobody_is_available() -> None:
    people = [
        person(1, "Ann", availability="busy", open_count=2),
        person(2, "Bo", availability="off"),
    ]
    decision = decide(rule("least_loaded"), ticket(), people, now=NOW)
    assert decision.assignee_id == 1
    assert decision.why == "busy (nobody available), least loaded, 2 open of 12"
    assert decision.skipped == (Skipped(2, "Bo", "off"),)


def test_nobody_fits_sends_the_ticket_to_the_fallback_queue() -> None:
    people = [person(1, "Ann", availability="off"), person(2, "Bo", skills={"grinder"})]
    decision = decide(rule(skills_any=["espresso"]), ticket(), people, now=NOW)
    assert decision.fell_back and decision.assignee_id is None
    assert (decision.department, decision.queue) == ("support_queue", "support_queue")
    assert decision.why == "nobody fits in tech_support (2 skipped): queue support_queue"
    assert decision.skipped == (Skipped(1, "Ann", "off"), Skipped(2, "Bo", "no skill espresso"))
    empty = decide(rule("least_loaded"), ticket(), [], now=NOW)
    assert empty.why == "no one in tech_support: queue support_queue"
    unassigned = decide(rule("least_loaded", fallback=None), ticket(), [], now=NOW)
    assert unassigned.why == "no one in tech_support: left unassigned"
    assert unassigned.department == "tech_support"


def test_round_robin_takes_the_next_turn_after_the_cursor_and_wraps() -> None:
    people = [
        person(1, "Ann"),
        person(3, "Cai"),
        person(5, "Eve"),
        person(7, "Gu", availability="off"),
    ]
    first = decide(rule("round_robin"), ticket(), people, turn=Turn(), now=NOW)
    assert (first.assignee_id, first.why) == (1, "turn 1, 0 open of 12")
    assert first.turn == Turn(1, 1)
    second = decide(rule("round_robin"), ticket(), people, turn=Turn(3, 7), now=NOW)
    assert (second.assignee_id, second.why) == (5, "turn 8, 0 open of 12")
    wrapped = decide(rule("round_robin"), ticket(), people, turn=Turn(5, 8), now=NOW)
    assert wrapped.assignee_id == 1, "Gu is off: the turn wraps around to Ann"
    gone = decide(rule("round_robin"), ticket(), people, turn=Turn(4, 2), now=NOW)
    assert gone.assignee_id == 5, "the last engineer left the team: the next id in line"


def test_nearest_measures_from_the_last_location_to_the_visit_address() -> None:
    people = [
        person(1, "Ann", skills={"espresso"}, open_count=3, lat=31.20, lng=121.45),
        person(2, "Bo", skills={"espresso"}, lat=30.2741, lng=120.1551),
        person(3, "Cy", skills={"espresso"}),
        person(4, "Di", skills={"espresso"}, lat=31.2304, lng=121.4737,
               located_at=NOW - timedelta(days=9)),
    ]  # fmt: skip
    decision = decide(rule("nearest", skills_any=["$ticket.product_line"]), ticket(), people,
                      now=NOW)  # fmt: skip
    assert decision.assignee_id == 1
    assert decision.why == "skill espresso, 3 open of 12, 4.1 km"
    assert decision.details["distance_km"] == 4.1
    assert decision.skipped == (
        Skipped(3, "Cy", "no location"),
        Skipped(4, "Di", "location 9 days old"),
    )


def test_nearest_prefers_the_customer_address_point_and_degrades_without_one() -> None:
    hangzhou = {"lat": 30.2741, "lng": 120.1551, "region": "east"}
    assert ticket_location(ticket(address=hangzhou)) == (30.2741, 120.1551)
    assert ticket_location(ticket(ticket={"visit_address": {"city": "上海"}})) is None
    people = [person(1, "Ann", open_count=2), person(2, "Bo", open_count=1)]
    context = ticket(ticket={"visit_address": None})
    decision = decide(rule("nearest"), context, people, now=NOW)
    assert decision.assignee_id == 2
    assert decision.why == "no location on the ticket, least loaded, 1 open of 12"


def test_by_field_maps_the_value_to_a_department_then_least_loaded() -> None:
    by_region = rule("by_field", field="address.region", map={"east": "field_east"},
                     fallback="field_service")  # fmt: skip
    people = [person(1, "Ann", open_count=2, capacity=6), person(2, "Bo", open_count=1, capacity=6)]
    decision = decide(by_region, ticket(address={"region": "east"}), people, now=NOW)
    assert (decision.assignee_id, decision.department) == (2, "field_east")
    assert decision.why == "address.region east → field_east, least loaded, 1 open of 6"
    unmapped = decide(by_region, ticket(address={"region": "west"}), people, now=NOW)
    assert unmapped.fell_back and unmapped.department == "field_service"
    assert unmapped.why == "address.region west maps to no department: queue field_service"
    missing = decide(by_region, ticket(address={}), people, now=NOW)
    assert missing.why == "address.region empty maps to no department: queue field_service"
