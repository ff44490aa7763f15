"""SurveyTemplate checks: ticket types, the sending event, questions, scoring and follow-ups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gongdan.definitions.documents import Definition
from gongdan.definitions.problems import Problem
from gongdan.definitions.semantic.actions import check_actions, check_events
from gongdan.definitions.semantic.conditions import (
    check_in_scope,
    survey_answer_scope,
    survey_result_scope,
)
from gongdan.definitions.semantic.context import (
    SemanticContext,
    as_list,
    check_references,
    items,
)

#: The fixed scale of a Net Promoter Score question.
NPS_RANGE = (0, 10)


def check_survey_template(definition: Definition, ctx: SemanticContext) -> list[Problem]:
    """Every semantic rule of one SurveyTemplate."""
    spec = definition.spec
    types = [(t, ("spec", "for", i)) for i, t in enumerate(as_list(spec.get("for")))]
    found = check_references(
        definition, types, ctx.keys("TicketType"), "ref.unknown_ticket_type", "ticket type"
    )
    send = spec.get("send") if isinstance(spec.get("send"), Mapping) else {}
    found.extend(
        check_events(
            definition,
            ctx,
            send.get("on"),
            ("spec", "send", "on"),
            state_keys=_states_of(ctx, spec),
        )
    )
    questions = spec.get("questions")
    answer_scope = survey_answer_scope(ctx, questions)
    seen: set[Any] = set()
    for index, question in items(questions):
        path = ("spec", "questions", index)
        key = question.get("key")
        if key in seen:
            found.append(
                definition.problem(
                    "survey.duplicate_question",
                    f"question {key!r} is asked twice",
                    (*path, "key"),
                )
            )
        seen.add(key)
        found.extend(_check_question(definition, question, path))
        if "visible_if" in question:
            found.extend(
                check_in_scope(
                    definition, ctx, question["visible_if"], (*path, "visible_if"), answer_scope
                )
            )
    result_scope = survey_result_scope(ctx, definition)
    for index, rule in items(spec.get("on_result")):
        path = ("spec", "on_result", index)
        if "when" in rule:
            found.extend(
                check_in_scope(definition, ctx, rule["when"], (*path, "when"), result_scope)
            )
        found.extend(check_actions(definition, ctx, rule.get("actions"), (*path, "actions")))
    return found


def _states_of(ctx: SemanticContext, spec: Mapping[str, Any]) -> set[str] | None:
    """States of the workflows of the survey's ticket types (``None``: any workflow's)."""
    states: set[str] = set()
    for key in as_list(spec.get("for")):
        ticket_type = ctx.get("TicketType", key)
        workflow = ctx.workflow_of(ticket_type) if ticket_type is not None else None
        if workflow is None:
            return None
        states.update(s.get("key") for _, s in items(workflow.spec.get("states")))
    return states or None


def _check_question(
    definition: Definition, question: Mapping[str, Any], path: tuple[str | int, ...]
) -> list[Problem]:
    found: list[Problem] = []
    kind = question.get("type")
    key = question.get("key")
    low, high = question.get("min"), question.get("max")
    if kind == "rating":
        low = 1 if low is None else low
        high = 5 if high is None else high
        if isinstance(low, int) and isinstance(high, int) and low >= high:
            found.append(
                definition.problem(
                    "survey.rating_range",
                    f"rating {key!r} has min {low} not below max {high}",
                    (*path, "min" if "min" in question else "max"),
                )
            )
    if kind == "nps":
        for member, fixed in zip(("min", "max"), NPS_RANGE, strict=True):
            if member in question and question[member] != fixed:
                found.append(
                    definition.problem(
                        "survey.nps_range",
                        f"NPS question {key!r} is always scored 0-10, not with {member} "
                        f"{question[member]!r}",
                        (*path, member),
                        hint=f"remove {member}",
                    )
                )
    if kind in ("choice", "multichoice") and not question.get("options"):
        found.append(
            definition.problem(
                "survey.missing_options",
                f"{kind} question {key!r} needs 'options'",
                path,
            )
        )
    if kind not in ("choice", "multichoice") and "options" in question:
        found.append(
            definition.problem(
                "survey.unexpected_options",
                f"{kind} question {key!r} takes no 'options'",
                (*path, "options"),
                severity="warning",
            )
        )
    weight = question.get("weight")
    if isinstance(weight, int | float) and not isinstance(weight, bool) and weight <= 0:
        found.append(
            definition.problem(
                "survey.weight_not_positive",
                f"question {key!r} has weight {weight}; weights must be positive",
                (*path, "weight"),
            )
        )
    values: set[Any] = set()
    for index, option in items(question.get("options")):
        if option.get("value") in values:
            found.append(
                definition.problem(
                    "survey.duplicate_option",
                    f"option {option.get('value')!r} is listed twice",
                    (*path, "options", index, "value"),
                )
            )
        values.add(option.get("value"))
    return found
