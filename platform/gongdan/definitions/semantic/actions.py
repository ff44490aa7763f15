"""The action, recipient and event vocabulary: every name an action or an event uses exists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gongdan.definitions.documents import Definition
from gongdan.definitions.problems import JsonPath, Problem, did_you_mean
from gongdan.definitions.semantic.context import (
    CORE_TICKET_ATTRIBUTES,
    SemanticContext,
    items,
    reference_problem,
)
from gongdan.reports.names import REPORT_NAMES

#: Actions the core executes.
CORE_ACTIONS = (
    "notify",
    "set",
    "route",
    "assign",
    "transfer",
    "transition",
    "create_ticket",
    "send_survey",
    "send_report",
)

#: Per core action: ``(member, kind it names, problem code, what it is called)``.
ACTION_REFERENCES: Mapping[str, tuple[tuple[str, str, str, str], ...]] = {
    "notify": (
        ("template", "NotificationTemplate", "ref.unknown_template", "notification template"),
    ),
    "route": (("rule", "RoutingRule", "ref.unknown_routing_rule", "routing rule"),),
    "transfer": (("department", "Department", "ref.unknown_department", "department"),),
    "create_ticket": (("type", "TicketType", "ref.unknown_ticket_type", "ticket type"),),
    "send_survey": (("template", "SurveyTemplate", "ref.unknown_survey", "survey template"),),
}

#: Recipients that need no reference.
PLAIN_RECIPIENTS = ("customer", "contact", "assignee", "department_lead", "watchers")

#: Events without an argument.
PLAIN_EVENTS = (
    "created",
    "assigned",
    "transferred",
    "commented",
    "sla_warning",
    "sla_breached",
)


def check_actions(
    definition: Definition,
    ctx: SemanticContext,
    actions: Any,
    path: JsonPath,
    *,
    field_keys: set[str] | None = None,
) -> list[Problem]:
    """Check a list of actions: known ``do``, and every key it names resolves.

    ``field_keys`` are the ticket fields a ``set`` action may name here (``None``: every field of
    every ticket type).
    """
    found: list[Problem] = []
    for index, action in items(actions):
        found.extend(_check_action(definition, ctx, action, (*path, index), field_keys))
    return found


def _check_action(
    definition: Definition,
    ctx: SemanticContext,
    action: Mapping[str, Any],
    path: JsonPath,
    field_keys: set[str] | None,
) -> list[Problem]:
    do = action.get("do")
    known_actions = set(CORE_ACTIONS) | set(ctx.extensions.actions)
    if do not in known_actions:
        hint = did_you_mean(do, known_actions)
        return [
            definition.problem("action.unknown", f"unknown action {do!r}", (*path, "do"), hint=hint)
        ]
    found: list[Problem] = []
    for member, kind, code, what in ACTION_REFERENCES.get(do, ()):
        problem = reference_problem(
            definition, action.get(member), ctx.keys(kind), (*path, member), code, what
        )
        if problem is not None:
            found.append(problem)
    if do == "transition":
        problem = reference_problem(
            definition,
            action.get("transition"),
            ctx.all_transition_keys(),
            (*path, "transition"),
            "ref.unknown_transition",
            "transition",
        )
        if problem is not None:
            found.append(problem)
    if do == "notify":
        found.extend(check_recipients(definition, ctx, action.get("to"), (*path, "to")))
    if do == "set":
        found.extend(
            _check_set_field(definition, ctx, action.get("field"), (*path, "field"), field_keys)
        )
    if do == "send_report":
        found.extend(_check_send_report(definition, ctx, action, path))
    if do == "create_ticket":
        fields = action.get("fields")
        target = ctx.get("TicketType", action.get("type"))
        if isinstance(fields, Mapping) and target is not None:
            target_fields = {f.get("key") for _, f in items(target.spec.get("fields"))}
            for name in fields:
                problem = reference_problem(
                    definition,
                    name,
                    target_fields,
                    (*path, "fields", name),
                    "ref.unknown_field",
                    "field",
                    message=f"ticket type {target.key!r} has no field {name!r}",
                )
                if problem is not None:
                    found.append(problem)
    return found


def _check_send_report(
    definition: Definition, ctx: SemanticContext, action: Mapping[str, Any], path: JsonPath
) -> list[Problem]:
    """A known report and format, staff recipients, in a scheduled automation of reports only.

    A report is about a period, not a ticket: it runs once per schedule slot, which needs a
    ``schedule``, no ``when`` and no ticket action beside it.
    """
    found: list[Problem] = []
    report = action.get("report")
    if isinstance(report, str) and report not in REPORT_NAMES:
        found.append(
            definition.problem(
                "ref.unknown_report",
                f"unknown report {report!r}",
                (*path, "report"),
                hint=did_you_mean(report, REPORT_NAMES) or f"use one of {', '.join(REPORT_NAMES)}",
            )
        )
    if report == "dashboard" and action.get("format") == "csv":
        found.append(
            definition.problem(
                "action.report_format",
                "the dashboard report is a workbook of several tables: use format xlsx",
                (*path, "format"),
            )
        )
    recipients = action.get("to")
    found.extend(check_recipients(definition, ctx, recipients, (*path, "to")))
    for index, recipient in enumerate(recipients if isinstance(recipients, list) else ()):
        if recipient in PLAIN_RECIPIENTS:
            found.append(
                definition.problem(
                    "action.report_recipient",
                    f"a report goes to staff by role:<role> or department:<department>, "
                    f"not {recipient!r} (it is about no ticket)",
                    (*path, "to", index),
                )
            )
    spec = definition.spec
    others = [a.get("do") for _, a in items(spec.get("actions")) if a.get("do") != "send_report"]
    if definition.kind != "Automation" or "schedule" not in spec or "when" in spec or others:
        found.append(
            definition.problem(
                "action.send_report_needs_schedule",
                "send_report runs in a scheduled automation without 'when' and without "
                "ticket actions: one report per schedule slot",
                (*path, "do"),
            )
        )
    return found


def _check_set_field(
    definition: Definition,
    ctx: SemanticContext,
    name: Any,
    path: JsonPath,
    field_keys: set[str] | None,
) -> list[Problem]:
    if not isinstance(name, str):
        return []
    scope, _, attribute = name.partition(".")
    if scope != "ticket" or not attribute:
        return [
            definition.problem(
                "action.unsettable_field",
                f"'set' can only change ticket fields (ticket.<field>), not {name!r}",
                path,
            )
        ]
    fields = ctx.all_field_keys() if field_keys is None else field_keys
    if fields is None:
        return []
    candidates = set(CORE_TICKET_ATTRIBUTES) | fields
    problem = reference_problem(
        definition,
        attribute,
        candidates,
        path,
        "ref.unknown_field",
        "ticket field",
    )
    return [problem] if problem is not None else []


def check_recipients(
    definition: Definition, ctx: SemanticContext, recipients: Any, path: JsonPath
) -> list[Problem]:
    """Every ``role:x`` names a Role and every ``department:x`` a Department."""
    if not isinstance(recipients, list | tuple):
        return []
    found: list[Problem] = []
    for index, recipient in enumerate(recipients):
        if not isinstance(recipient, str) or recipient in PLAIN_RECIPIENTS:
            continue
        prefix, _, name = recipient.partition(":")
        if prefix == "role":
            problem = reference_problem(
                definition, name, ctx.role_keys(), (*path, index), "ref.unknown_role", "role"
            )
        elif prefix == "department":
            problem = reference_problem(
                definition,
                name,
                ctx.keys("Department"),
                (*path, index),
                "ref.unknown_department",
                "department",
            )
        else:
            problem = definition.problem(
                "action.unknown_recipient",
                f"unknown recipient {recipient!r}",
                (*path, index),
                hint=did_you_mean(recipient, PLAIN_RECIPIENTS),
            )
        if problem is not None:
            found.append(problem)
    return found


def check_events(
    definition: Definition,
    ctx: SemanticContext,
    events: Any,
    path: JsonPath,
    *,
    state_keys: set[str] | None = None,
    field_keys: set[str] | None = None,
) -> list[Problem]:
    """Every ``state_entered:x``, ``transition:x`` and ``field_changed:x`` names something real.

    ``state_keys`` / ``field_keys`` narrow the candidates (e.g. to the workflows of a survey's
    ticket types); by default any workflow's states and any ticket type's fields count.
    """
    if isinstance(events, str):
        pairs = [(events, path)]
    elif isinstance(events, list | tuple):
        pairs = [(event, (*path, index)) for index, event in enumerate(events)]
    else:
        return []
    found: list[Problem] = []
    for event, event_path in pairs:
        if not isinstance(event, str) or event in PLAIN_EVENTS or ":" not in event:
            continue
        prefix, _, name = event.partition(":")
        if prefix == "state_entered":
            candidates = ctx.all_state_keys() if state_keys is None else state_keys
            code, what = "ref.unknown_state", "state"
        elif prefix == "transition":
            candidates, code, what = (
                ctx.all_transition_keys(),
                "ref.unknown_transition",
                "transition",
            )
        elif prefix == "field_changed":
            fields = ctx.all_field_keys() if field_keys is None else field_keys
            candidates = None if fields is None else fields | set(CORE_TICKET_ATTRIBUTES)
            code, what = "ref.unknown_field", "field"
        else:
            continue  # a plugin's namespaced event: the plugin's schema owns it
        problem = reference_problem(
            definition,
            name,
            candidates,
            event_path,
            code,
            what,
            message=f"event {event!r} names unknown {what} {name!r}",
        )
        if problem is not None:
            found.append(problem)
    return found
