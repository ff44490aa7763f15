"""Condition checks wherever a condition appears, each in the scope of variables it can see.

A transition's ``when`` sees the fields of every ticket type using its workflow; routing, SLA and
automation conditions see the union of all ticket types' fields; a survey's ``visible_if`` sees
its answers, and its ``on_result`` also the score and the ticket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from gongdan.conditions.functions import FunctionRegistry, core_functions
from gongdan.conditions.scope import Scope, Variable, base_scope
from gongdan.conditions.scope import ticket_type_scope as build_ticket_scope
from gongdan.conditions.typecheck import check_condition
from gongdan.definitions.documents import Definition
from gongdan.definitions.extensions import Extensions
from gongdan.definitions.problems import JsonPath, Problem
from gongdan.definitions.semantic.context import SemanticContext, as_list, items
from gongdan.definitions.semantic.fieldtypes import field_type_registry

#: Survey question type → the field type its answer behaves like.
ANSWER_TYPES = {
    "rating": "int",
    "nps": "int",
    "choice": "select",
    "multichoice": "multiselect",
    "yes_no": "bool",
    "text": "text",
    "textarea": "textarea",
}


def option_lists(ctx: SemanticContext) -> dict[str, tuple[str, ...]]:
    """OptionList key → its values, for every schema-valid OptionList."""
    cached = ctx._cache.get("option_lists")
    if cached is None:
        cached = ctx._cache["option_lists"] = {
            option_list.key: tuple(
                str(option["value"])
                for _, option in items(option_list.spec.get("options"))
                if "value" in option
            )
            for option_list in ctx.of_kind("OptionList")
        }
    return cached


def _base(ctx: SemanticContext) -> Scope:
    return base_scope().extend_types(ctx.extensions.context_variables)


def _state_keys(workflow: Definition | None) -> list[str] | None:
    if workflow is None:
        return None
    return [
        s["key"] for _, s in items(workflow.spec.get("states")) if isinstance(s.get("key"), str)
    ]


def ticket_type_scope(ctx: SemanticContext, ticket_type: Definition) -> Scope:
    """The scope of a condition that runs for tickets of one type."""
    fields = [field for _, field in items(ticket_type.spec.get("fields"))]
    return scope_for_fields(fields, _state_keys(ctx.workflow_of(ticket_type)), ctx)


def scope_for_fields(
    fields: list[Mapping[str, Any]], states: Iterable[str] | None, ctx: SemanticContext
) -> Scope:
    """The scope of the given form fields and workflow states on top of the core variables."""
    return build_ticket_scope(
        fields,
        states=states,
        option_lists=option_lists(ctx),
        ticket_types=sorted(ctx.keys("TicketType")),
        base=_base(ctx),
    )


def union_scope(ctx: SemanticContext) -> Scope:
    """The scope of a condition that runs for tickets of any type.

    A field that exists in some ticket type is fine (it is unset on the others); where two
    types give a field different types, the first one (by key) wins.
    """
    cached = ctx._cache.get("union_scope")
    if cached is None:
        fields: list[Mapping[str, Any]] = []
        states: set[str] = set()
        any_workflow = False
        for ticket_type in sorted(ctx.of_kind("TicketType"), key=lambda d: d.key):
            fields.extend(field for _, field in items(ticket_type.spec.get("fields")))
            type_states = _state_keys(ctx.workflow_of(ticket_type))
            if type_states is not None:
                any_workflow = True
                states.update(type_states)
        cached = ctx._cache["union_scope"] = scope_for_fields(
            fields, sorted(states) if any_workflow else None, ctx
        )
    return cached


def condition_functions(ctx: SemanticContext) -> FunctionRegistry:
    """The core condition functions plus the plugins', built once per validation."""
    cached = ctx._cache.get("functions")
    if cached is None:
        cached = ctx._cache["functions"] = functions_for(ctx.extensions)
    return cached


def functions_for(extensions: Extensions) -> FunctionRegistry:
    """The core condition functions plus those of ``extensions``."""
    registry = core_functions()
    for function in extensions.condition_functions.values():
        registry.register(function)
    return registry


def check_in_scope(
    definition: Definition,
    ctx: SemanticContext,
    node: Any,
    path: JsonPath,
    scope: Scope,
) -> list[Problem]:
    """Type-check one condition; issues become problems at the condition's JSON path."""
    found = []
    for issue in check_condition(
        node, scope, condition_functions(ctx), field_types=field_type_registry(ctx)
    ):
        found.append(
            definition.problem(
                issue.code,
                issue.message,
                (*path, *issue.path),
                hint=issue.hint,
            )
        )
    return found


def check_transition_condition(
    definition: Definition, ctx: SemanticContext, node: Any, path: JsonPath
) -> list[Problem]:
    """A transition's ``when`` in the scope of every ticket type using the workflow."""
    users = sorted(ctx.ticket_types_using(definition.key), key=lambda d: d.key)
    if not users:
        return check_global_condition(definition, ctx, node, path)
    found: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for ticket_type in users:
        note = f" (in ticket type {ticket_type.key!r})" if len(users) > 1 else ""
        for problem in check_in_scope(
            definition, ctx, node, path, ticket_type_scope(ctx, ticket_type)
        ):
            identity = (problem.path, problem.code)
            if identity in seen:
                continue
            seen.add(identity)
            found.append(replace(problem, message=problem.message + note) if note else problem)
    return found


def check_global_condition(
    definition: Definition, ctx: SemanticContext, node: Any, path: JsonPath
) -> list[Problem]:
    """A routing, SLA or automation condition, in the union scope of all ticket types."""
    found = check_in_scope(definition, ctx, node, path, union_scope(ctx))
    if not ctx.is_partial("TicketType"):
        return found
    # A ticket type with schema errors may well define the field: do not guess.
    return [
        p
        for p in found
        if not (
            p.code == "condition.unknown_field"
            and str(_value_at(node, p.path[len(path) :])).startswith("ticket.")
        )
    ]


def _value_at(node: Any, path: JsonPath) -> Any:
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def answer_variables(questions: Any) -> list[Variable]:
    """``answer.<question>`` for every survey question, typed like the field it resembles."""
    variables = []
    for _, question in items(questions):
        if not isinstance(question.get("key"), str):
            continue
        options = None
        if question.get("type") in ("choice", "multichoice"):
            options = tuple(
                str(o["value"]) for _, o in items(question.get("options")) if "value" in o
            )
        type_name = ANSWER_TYPES.get(question.get("type"), "text")
        variables.append(Variable(f"answer.{question['key']}", type_name, options))
    return variables


def survey_answer_scope(ctx: SemanticContext, questions: Any) -> Scope:
    """The scope of a question's ``visible_if``: the answers only."""
    return Scope(answer_variables(questions))


def survey_result_scope(ctx: SemanticContext, survey: Definition) -> Scope:
    """The scope of ``on_result``: the score, the answers and the ticket of the survey's types."""
    fields: list[Mapping[str, Any]] = []
    states: set[str] = set()
    for key in as_list(survey.spec.get("for")):
        ticket_type = ctx.get("TicketType", key)
        if ticket_type is None:
            continue
        fields.extend(field for _, field in items(ticket_type.spec.get("fields")))
        states.update(_state_keys(ctx.workflow_of(ticket_type)) or ())
    scope = scope_for_fields(fields, sorted(states) or None, ctx) if fields else union_scope(ctx)
    return scope.extend(
        Variable("score", "decimal"), *answer_variables(survey.spec.get("questions"))
    )
