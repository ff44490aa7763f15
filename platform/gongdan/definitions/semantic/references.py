"""Checks of the smaller kinds, mostly references: routing rules, automations, departments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gongdan.definitions.documents import Definition
from gongdan.definitions.problems import JsonPath, Problem, did_you_mean
from gongdan.definitions.semantic.actions import check_actions, check_events
from gongdan.definitions.semantic.conditions import check_global_condition, union_scope
from gongdan.definitions.semantic.context import (
    CORE_TICKET_ATTRIBUTES,
    SemanticContext,
    as_list,
    check_references,
    items,
)


def check_routing_rule(definition: Definition, ctx: SemanticContext) -> list[Problem]:
    """Departments named by ``assign`` and ``fallback``, the events, the condition."""
    spec = definition.spec
    found: list[Problem] = []
    assign = spec.get("assign") if isinstance(spec.get("assign"), Mapping) else {}
    refs: list[tuple[Any, JsonPath]] = []
    if "department" in assign:
        refs.append((assign["department"], ("spec", "assign", "department")))
    if isinstance(assign.get("map"), Mapping):
        refs.extend(
            (target, ("spec", "assign", "map", value)) for value, target in assign["map"].items()
        )
    fallback = spec.get("fallback")
    if isinstance(fallback, Mapping) and "queue" in fallback:
        refs.append((fallback["queue"], ("spec", "fallback", "queue")))
    found.extend(
        check_references(
            definition, refs, ctx.keys("Department"), "ref.unknown_department", "department"
        )
    )
    field = assign.get("field")
    all_fields = ctx.all_field_keys()
    if isinstance(field, str) and field.startswith("ticket.") and all_fields is not None:
        found.extend(
            check_references(
                definition,
                [(field.removeprefix("ticket."), ("spec", "assign", "field"))],
                all_fields | set(CORE_TICKET_ATTRIBUTES),
                "ref.unknown_field",
                "ticket field",
            )
        )
    found.extend(_check_skill_references(definition, ctx, assign))
    found.extend(check_events(definition, ctx, spec.get("on"), ("spec", "on")))
    if "when" in spec:
        found.extend(check_global_condition(definition, ctx, spec["when"], ("spec", "when")))
    return found


def _check_skill_references(
    definition: Definition, ctx: SemanticContext, assign: Mapping[str, Any]
) -> list[Problem]:
    """``$ticket.x`` in ``skills_any`` / ``skills_all`` names a variable tickets have."""
    scope = union_scope(ctx)
    if ctx.is_partial("TicketType"):
        return []
    refs = [
        (skill[1:], ("spec", "assign", member, index))
        for member in ("skills_any", "skills_all")
        for index, skill in enumerate(as_list(assign.get(member)))
        if isinstance(skill, str) and skill.startswith("$")
    ]
    return [
        definition.problem(
            "ref.unknown_field",
            f"skill reference '${name}' names no ticket, customer or asset variable",
            path,
            hint=did_you_mean(name, scope),
        )
        for name, path in refs
        if name not in scope
    ]


def check_automation(definition: Definition, ctx: SemanticContext) -> list[Problem]:
    """Events, the condition and the actions of an automation."""
    spec = definition.spec
    found = check_events(definition, ctx, spec.get("on"), ("spec", "on"))
    if "when" in spec:
        found.extend(check_global_condition(definition, ctx, spec["when"], ("spec", "when")))
    found.extend(check_actions(definition, ctx, spec.get("actions"), ("spec", "actions")))
    return found


def check_department(definition: Definition, ctx: SemanticContext) -> list[Problem]:
    """A department's ``parent`` is a department, and parents do not form a cycle."""
    parent = definition.spec.get("parent")
    if parent is None:
        return []
    found = check_references(
        definition,
        [(parent, ("spec", "parent"))],
        ctx.keys("Department"),
        "ref.unknown_department",
        "department",
    )
    seen = {definition.key}
    current: Any = parent
    while isinstance(current, str):
        if current in seen:
            found.append(
                definition.problem(
                    "department.parent_cycle",
                    f"department {definition.key!r} is its own ancestor",
                    ("spec", "parent"),
                )
            )
            break
        seen.add(current)
        nxt = ctx.get("Department", current)
        current = nxt.spec.get("parent") if nxt is not None else None
    return found


def check_option_list(definition: Definition, ctx: SemanticContext) -> list[Problem]:
    """Option values are unique within a list."""
    seen: set[Any] = set()
    found = []
    for index, option in items(definition.spec.get("options")):
        value = option.get("value")
        if value in seen:
            found.append(
                definition.problem(
                    "option_list.duplicate_value",
                    f"option {value!r} is listed twice",
                    ("spec", "options", index, "value"),
                )
            )
        seen.add(value)
    return found
