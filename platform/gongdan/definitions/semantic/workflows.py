"""Workflow checks: the state graph, owners, transfers, transition roles and required fields."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from gongdan.definitions.documents import Definition
from gongdan.definitions.problems import Problem, did_you_mean
from gongdan.definitions.semantic.actions import check_actions
from gongdan.definitions.semantic.conditions import check_transition_condition
from gongdan.definitions.semantic.context import (
    SemanticContext,
    as_list,
    check_references,
    items,
)


def is_final(state: Mapping[str, Any]) -> bool:
    """A final state ends the ticket's life: ``final: true`` or category ``closed``."""
    return bool(state.get("final")) or state.get("category") == "closed"


def transition_sources(
    transition: Mapping[str, Any], states: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """The states a transition leaves from; ``"*"`` means every non-final state."""
    source = transition.get("from")
    if source == "*":
        return [key for key, state in states.items() if not is_final(state)]
    return [s for s in as_list(source) if isinstance(s, str)]


def check_workflow(definition: Definition, ctx: SemanticContext) -> list[Problem]:
    """Every semantic rule of one Workflow."""
    spec = definition.spec
    found: list[Problem] = []
    states: dict[str, Mapping[str, Any]] = {}
    for index, state in items(spec.get("states")):
        key = state.get("key")
        if key in states:
            found.append(
                definition.problem(
                    "workflow.duplicate_state",
                    f"state {key!r} is defined twice",
                    ("spec", "states", index, "key"),
                )
            )
            continue
        states[key] = state
    state_paths = {
        state.get("key"): ("spec", "states", index) for index, state in items(spec.get("states"))
    }
    found.extend(_check_owners(definition, ctx))
    found.extend(_check_transitions(definition, ctx, states))
    found.extend(_check_graph(definition, states, state_paths))
    return found


def _check_owners(definition: Definition, ctx: SemanticContext) -> list[Problem]:
    spec = definition.spec
    departments = ctx.keys("Department")
    refs = [
        (state.get("owner"), ("spec", "states", index, "owner"))
        for index, state in items(spec.get("states"))
        if state.get("owner") is not None
    ]
    transfers = spec.get("transfers")
    if isinstance(transfers, Mapping):
        for source, targets in transfers.items():
            refs.append((source, ("spec", "transfers", source)))
            refs.extend(
                (target, ("spec", "transfers", source, i))
                for i, target in enumerate(as_list(targets))
            )
    return check_references(definition, refs, departments, "ref.unknown_department", "department")


def _check_transitions(
    definition: Definition, ctx: SemanticContext, states: Mapping[str, Mapping[str, Any]]
) -> list[Problem]:
    found: list[Problem] = []
    seen: set[str] = set()
    users = ctx.ticket_types_using(definition.key)
    for index, transition in items(definition.spec.get("transitions")):
        path = ("spec", "transitions", index)
        key = transition.get("key")
        if key in seen:
            found.append(
                definition.problem(
                    "workflow.duplicate_transition",
                    f"transition {key!r} is defined twice",
                    (*path, "key"),
                )
            )
        seen.add(key)
        found.extend(_check_ends(definition, transition, states, path))
        roles = [
            (role, (*path, "roles", i)) for i, role in enumerate(as_list(transition.get("roles")))
        ]
        found.extend(
            check_references(definition, roles, ctx.role_keys(), "ref.unknown_role", "role")
        )
        for type_definition in users:
            type_fields = {f.get("key") for _, f in items(type_definition.spec.get("fields"))}
            for i, name in enumerate(as_list(transition.get("require_fields"))):
                if isinstance(name, str) and name not in type_fields:
                    found.append(
                        definition.problem(
                            "workflow.unknown_required_field",
                            f"transition {key!r} requires field {name!r}, which ticket type "
                            f"{type_definition.key!r} does not have",
                            (*path, "require_fields", i),
                            hint=did_you_mean(name, {k for k in type_fields if isinstance(k, str)}),
                        )
                    )
        if "when" in transition:
            found.extend(
                check_transition_condition(definition, ctx, transition["when"], (*path, "when"))
            )
        field_keys = None
        if users:
            field_keys = set.intersection(
                *({f.get("key") for _, f in items(t.spec.get("fields"))} for t in users)
            )
        found.extend(
            check_actions(
                definition,
                ctx,
                transition.get("actions"),
                (*path, "actions"),
                field_keys=field_keys,
            )
        )
    return found


def _check_ends(
    definition: Definition,
    transition: Mapping[str, Any],
    states: Mapping[str, Mapping[str, Any]],
    path: tuple[str | int, ...],
) -> list[Problem]:
    found: list[Problem] = []
    key = transition.get("key")
    source = transition.get("from")
    if source != "*":
        source_paths = (
            [(s, (*path, "from", i)) for i, s in enumerate(source)]
            if isinstance(source, list)
            else [(source, (*path, "from"))]
        )
        found.extend(
            check_references(definition, source_paths, states, "workflow.unknown_state", "state")
        )
        for state_key, state_path in source_paths:
            if isinstance(state_key, str) and state_key in states and is_final(states[state_key]):
                found.append(
                    definition.problem(
                        "workflow.transition_from_final",
                        f"transition {key!r} leaves final state {state_key!r}",
                        state_path,
                    )
                )
    found.extend(
        check_references(
            definition,
            [(transition.get("to"), (*path, "to"))],
            states,
            "workflow.unknown_state",
            "state",
        )
    )
    return found


def _check_graph(
    definition: Definition,
    states: Mapping[str, Mapping[str, Any]],
    state_paths: Mapping[Any, tuple[str | int, ...]],
) -> list[Problem]:
    initial = definition.spec.get("initial")
    if initial not in states:
        return [
            definition.problem(
                "workflow.unknown_initial",
                f"initial state {initial!r} is not one of the workflow's states",
                ("spec", "initial"),
                hint=did_you_mean(initial, states),
            )
        ]
    edges: dict[str, set[str]] = {key: set() for key in states}
    for _, transition in items(definition.spec.get("transitions")):
        target = transition.get("to")
        if target not in states:
            continue
        for source in transition_sources(transition, states):
            if source in edges:
                edges[source].add(target)
    finals = {key for key, state in states.items() if is_final(state)}
    if not finals:
        return [
            definition.problem(
                "workflow.no_final_state",
                "the workflow has no final state (final: true or category closed)",
                ("spec", "states"),
            )
        ]
    reachable = _reach({initial}, edges)
    reverse: dict[str, set[str]] = {key: set() for key in states}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].add(source)
    finishing = _reach(finals, reverse)
    found: list[Problem] = []
    for key in states:
        if key not in reachable:
            found.append(
                definition.problem(
                    "workflow.unreachable_state",
                    f"state {key!r} cannot be reached from the initial state {initial!r}",
                    (*state_paths[key], "key"),
                )
            )
        if key not in finishing:
            found.append(
                definition.problem(
                    "workflow.dead_end",
                    f"no final state can be reached from state {key!r}",
                    (*state_paths[key], "key"),
                )
            )
    return found


def _reach(start: set[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen = set(start)
    queue = deque(start)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
