"""Run a pack's samples (``gongdan pack test``): sample tickets and what they must get.

Each sample names a ticket (type, priority, channel, form fields, customer, asset) and what the
pack must do with it: the routing rule and department it gets on creation, the SLA policy that
covers it, and a path of transitions that can be walked from the initial state. A sample that
does not get what it expects is a :class:`Problem` at the sample's position.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gongdan.conditions import EvaluationContext
from gongdan.definitions.compiled import CompiledRoutingRule, CompiledSet, CompiledTicketType
from gongdan.definitions.frozen import thaw
from gongdan.definitions.problems import JsonPath, Problem, did_you_mean

if TYPE_CHECKING:
    from gongdan.definitions.packs import LoadedPack, Sample

__all__ = ["run_sample", "run_samples", "sample_context", "routed_department"]

#: Ticket attributes a sample may set besides form fields.
_CORE = ("priority", "channel")
#: Groups of context variables a sample may fill in.
_GROUPS = ("customer", "asset", "contact", "address")


def _problem(sample: Sample, code: str, message: str, path: JsonPath = ()) -> Problem:
    line, column = (sample.line, 0)
    if sample.source is not None and path:
        line, column = sample.source.position(path)
    return Problem(
        code=code,
        message=f"sample {sample.name!r}: {message}",
        file=sample.file,
        line=line,
        column=column,
        path=tuple(path),
        key=sample.name,
    )


def _initial_values(ticket_type: CompiledTicketType, ticket: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in ticket_type.fields:
        if field.has_default:
            values[field.key] = thaw(field.default)
    values.update(thaw(ticket_type.defaults))
    fields = ticket.get("fields")
    if isinstance(fields, Mapping):
        values.update(fields)
    for name in _CORE:
        if name in ticket:
            values[name] = ticket[name]
    return values


def sample_context(
    compiled: CompiledSet, ticket: Mapping[str, Any], state: str | None = None
) -> EvaluationContext:
    """The evaluation context of a sample ticket as the engine would create it.

    Defaults apply first, then the sample's own values, then ``derive`` rules fill in what is
    still unset; ``state`` defaults to the workflow's initial state.
    """
    ticket_type = compiled.ticket_types[ticket["type"]]
    workflow = compiled.workflows.get(ticket_type.workflow_key)
    values = _initial_values(ticket_type, ticket)
    groups = {g: thaw(ticket[g]) for g in _GROUPS if isinstance(ticket.get(g), Mapping)}
    current_state = state or (workflow.initial if workflow else None)

    def build(current: Mapping[str, Any]) -> EvaluationContext:
        ticket_values = {"type": ticket["type"], "state": current_state, **current}
        if workflow is not None and current_state in workflow.states:
            ticket_values["state_category"] = workflow.states[current_state].category
        return EvaluationContext({"ticket": ticket_values, **groups})

    context = build(values)
    for name in ticket_type.derive:
        if values.get(name) is None:
            found, value = ticket_type.derived_value(name, context)
            if found:
                values[name] = value
    return build(values)


def routed_department(rule: CompiledRoutingRule, context: EvaluationContext) -> str | None:
    """The department a rule sends a ticket to (``by_field`` looks its field up in ``map``)."""
    if rule.strategy == "by_field":
        mapping = rule.assign.get("map", {})
        value = context.value(str(rule.assign.get("field", "")))
        return mapping.get(value) if isinstance(value, str) else None
    return rule.department


def run_samples(pack: LoadedPack, compiled: CompiledSet) -> list[Problem]:
    """Run every sample of ``pack`` against the compiled active set; one problem per failure."""
    found: list[Problem] = []
    for sample in pack.samples:
        found.extend(_run_sample(sample, compiled))
    return found


def run_sample(sample: Sample, compiled: CompiledSet) -> list[Problem]:
    """Run one sample against ``compiled``; one problem per expectation it does not meet."""
    return _run_sample(sample, compiled)


def _run_sample(sample: Sample, compiled: CompiledSet) -> list[Problem]:
    data = sample.data
    ticket = data.get("ticket") if isinstance(data.get("ticket"), Mapping) else {}
    expect = data.get("expect") if isinstance(data.get("expect"), Mapping) else {}
    type_key = ticket.get("type")
    if type_key not in compiled.ticket_types:
        return [
            _problem(
                sample,
                "sample.unknown_ticket_type",
                f"unknown ticket type {type_key!r}",
                ("ticket", "type"),
            )
        ]
    context = sample_context(compiled, ticket)
    found = _check_routing(sample, compiled, context, expect.get("routing"))
    found.extend(_check_sla(sample, compiled, context, expect.get("sla")))
    if "transitions" in expect or "state" in expect:
        found.extend(_walk(sample, compiled, ticket, expect))
    return found


def _check_routing(
    sample: Sample, compiled: CompiledSet, context: EvaluationContext, expected: Any
) -> list[Problem]:
    if not isinstance(expected, Mapping):
        return []
    rule = compiled.matching_routing_rule("created", context)
    got = rule.key if rule else None
    found = []
    if "rule" in expected and expected["rule"] != got:
        found.append(
            _problem(
                sample,
                "sample.routing_mismatch",
                f"expected routing rule {expected['rule']!r}, got "
                + (repr(got) if got else "no matching rule"),
                ("expect", "routing", "rule"),
            )
        )
    department = routed_department(rule, context) if rule else None
    if "department" in expected and expected["department"] != department:
        found.append(
            _problem(
                sample,
                "sample.department_mismatch",
                f"expected department {expected['department']!r}, got {department!r}",
                ("expect", "routing", "department"),
            )
        )
    return found


def _check_sla(
    sample: Sample, compiled: CompiledSet, context: EvaluationContext, expected: Any
) -> list[Problem]:
    if not isinstance(expected, Mapping) or "policy" not in expected:
        return []
    policy = compiled.matching_sla_policy(context)
    got = policy.key if policy else None
    if expected["policy"] == got:
        return []
    return [
        _problem(
            sample,
            "sample.sla_mismatch",
            f"expected SLA policy {expected['policy']!r}, got "
            + (repr(got) if got else "no matching policy"),
            ("expect", "sla", "policy"),
        )
    ]


def _step_key(step: Any) -> str | None:
    if isinstance(step, str):
        return step
    if isinstance(step, Mapping):
        key = step.get("transition", step.get("key"))
        return key if isinstance(key, str) else None
    return None


def _walk(
    sample: Sample, compiled: CompiledSet, ticket: Mapping[str, Any], expect: Mapping[str, Any]
) -> list[Problem]:
    ticket_type = compiled.ticket_types[ticket["type"]]
    workflow = compiled.workflows[ticket_type.workflow_key]
    state = workflow.initial
    steps = expect.get("transitions") if isinstance(expect.get("transitions"), list) else []
    for index, step in enumerate(steps):
        path = ("expect", "transitions", index)
        key = _step_key(step)
        transition = workflow.transition(key) if key else None
        if transition is None:
            names = [t.key for t in workflow.transitions]
            return [
                _problem(
                    sample,
                    "sample.unknown_transition",
                    f"workflow {workflow.key!r} has no transition {key!r}"
                    + (f" ({did_you_mean(key, names)})" if did_you_mean(key, names) else ""),
                    path,
                )
            ]
        if state not in transition.sources:
            return [
                _problem(
                    sample,
                    "sample.transition_not_allowed",
                    f"transition {key!r} cannot leave state {state!r}",
                    path,
                )
            ]
        context = sample_context(compiled, ticket, state)
        if transition.predicate is not None and not transition.predicate(context):
            return [
                _problem(
                    sample,
                    "sample.transition_blocked",
                    f"the condition of transition {key!r} is false for this ticket",
                    path,
                )
            ]
        ticket_values = context.values.get("ticket", {})
        missing = [
            name
            for name in (
                *transition.require_fields,
                *(f.key for f in ticket_type.fields if transition.target in f.required_in_states),
            )
            if ticket_values.get(name) in (None, "", [], {})
        ]
        if missing:
            return [
                _problem(
                    sample,
                    "sample.missing_required_fields",
                    f"transition {key!r} needs field(s) {', '.join(sorted(set(missing)))}",
                    path,
                )
            ]
        state = transition.target
    expected_state = expect.get("state")
    if isinstance(expected_state, str) and expected_state != state:
        return [
            _problem(
                sample,
                "sample.state_mismatch",
                f"expected to end in state {expected_state!r}, got {state!r}",
                ("expect", "state"),
            )
        ]
    return []
