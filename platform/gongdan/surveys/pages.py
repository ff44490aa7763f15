"""What the survey pages show: questions as widgets, browser conditions, a ticket's panel."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan import i18n
from gongdan.definitions.compiled import CompiledQuestion, CompiledSurveyTemplate
from gongdan.forms.conditions_js import CLIENT_OPERATORS
from gongdan.surveys.models import SurveyInvitation
from gongdan.surveys.scoring import REQUIRED, TEXT_LIMITS
from gongdan.surveys.services import (
    applicable_templates,
    effective_status,
    invitations_of,
    pinned_template,
    survey_link,
)
from gongdan.tickets.models import Ticket

_ANSWER = "answer."


def client_condition(node: Any) -> Any:
    """A ``visible_if`` tree for ``static/js/surveys.js``, leaves naming the question key;
    ``None`` when the browser cannot judge it (the server decides on submit anyway)."""
    if not isinstance(node, Mapping):
        return None
    for group in ("all", "any"):
        if group in node:
            parts = [client_condition(part) for part in node[group]]
            return None if any(p is None for p in parts) else {group: parts}
    if "not" in node:
        inner = client_condition(node["not"])
        return None if inner is None else {"not": inner}
    name, op = node.get("field"), node.get("op")
    value = node.get("value")
    if not isinstance(name, str) or not name.startswith(_ANSWER) or op not in CLIENT_OPERATORS:
        return None
    if isinstance(value, str) and value.startswith("$"):
        return None
    plain = list(value) if isinstance(value, list | tuple) else value
    return {"field": name.removeprefix(_ANSWER), "op": op, "value": plain}


@dataclass(frozen=True)
class QuestionView:
    """One question as the page draws it."""

    key: str
    type: str
    title: str
    required: bool
    scale: tuple[int, ...]
    options: tuple[tuple[str, str], ...]
    visible_if: str | None
    shown: bool


def question_views(
    template: CompiledSurveyTemplate, visible: frozenset[str] | None = None
) -> list[QuestionView]:
    """The questions of ``template`` in the current language; ``visible`` as last computed."""
    views = []
    for question in template.questions:
        views.append(
            QuestionView(
                key=question.key,
                type=question.type,
                title=i18n.local_text(question.title, question.key),
                required=question.required,
                scale=_scale(question),
                options=tuple(
                    (str(o.get("value")), i18n.local_text(o.get("title"), str(o.get("value"))))
                    for o in question.options
                ),
                visible_if=_condition_json(question),
                shown=visible is None or question.key in visible,
            )
        )
    return views


def _scale(question: CompiledQuestion) -> tuple[int, ...]:
    if question.type in ("rating", "nps") and question.min is not None and question.max is not None:
        return tuple(range(question.min, question.max + 1))
    return ()


def _condition_json(question: CompiledQuestion) -> str | None:
    if question.visible_if is None:
        return None
    converted = client_condition(question.visible_if.node)
    return json.dumps(converted, ensure_ascii=False) if converted is not None else None


def problem_text(question: CompiledQuestion, message: str) -> str:
    """What to tell a person about a bad answer, in the current language.

    Each question type can fail one way only (besides being required), so the type says it;
    the English ``message`` of :mod:`gongdan.surveys.scoring` stays in logs and the API.
    """
    from flask_babel import gettext

    if message == REQUIRED:
        return gettext("Please answer this question.")
    if question.type in ("rating", "nps"):
        return gettext(
            "Choose a number from %(low)s to %(high)s.", low=question.min, high=question.max
        )
    if question.type == "yes_no":
        return gettext("Choose yes or no.")
    if question.type in ("choice", "multichoice"):
        return gettext("Choose from the options shown.")
    return gettext(
        "Please keep it under %(limit)s characters.", limit=TEXT_LIMITS.get(question.type, 4000)
    )


def localised_problems(
    template: CompiledSurveyTemplate, errors: Mapping[str, str]
) -> dict[str, str]:
    """``errors`` (question key → message) in the current language."""
    questions = {q.key: q for q in template.questions}
    return {
        key: problem_text(questions[key], message) if key in questions else message
        for key, message in errors.items()
    }


def answer_lines(
    template: CompiledSurveyTemplate, answers: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """``(question title, answer text)`` for every answered question, in template order."""
    lines = []
    for question in template.questions:
        if question.key not in answers:
            continue
        value = answers[question.key]
        titles = {str(o.get("value")): i18n.local_text(o.get("title"), str(o.get("value")))
                  for o in question.options}  # fmt: skip
        if isinstance(value, bool):
            text = i18n_yes_no(value)
        elif isinstance(value, list):
            text = "、".join(titles.get(v, v) for v in value)
        else:
            text = titles.get(str(value), str(value))
        lines.append((i18n.local_text(question.title, question.key), text))
    return lines


def i18n_yes_no(value: bool) -> str:
    """Yes / no in the current language."""
    from flask_babel import gettext

    return gettext("Yes") if value else gettext("No")


def ticket_panel(session: Session, ticket: Ticket) -> dict[str, Any]:
    """The survey panel of a staff ticket page: each invitation, its status, link and answers,
    the templates an agent may still record by phone, and the parent / follow-up tickets."""
    rows = []
    for invitation in invitations_of(session, ticket.id):
        template = pinned_template(session, invitation.template_revision_id)
        answer = invitation.answer
        status = effective_status(invitation)
        rows.append(
            {
                "invitation": invitation,
                "title": i18n.local_text(template.title, template.key),
                "status": status,
                "link": survey_link(invitation) if status == "sent" else None,
                "answer": answer,
                "lines": answer_lines(template, answer.answers or {}) if answer else [],
            }
        )
    taken = {row["invitation"].template_key for row in rows if row["status"] == "answered"}
    recordable = [
        (t.key, i18n.local_text(t.title, t.key))
        for t in applicable_templates(session, ticket)
        if t.key not in taken
    ]
    parent = session.get(Ticket, ticket.parent_ticket_id) if ticket.parent_ticket_id else None
    children = list(
        session.scalars(
            select(Ticket.number).where(Ticket.parent_ticket_id == ticket.id).order_by(Ticket.id)
        )
    )
    return {
        "rows": rows,
        "recordable": recordable,
        "parent": parent.number if parent is not None else None,
        "children": children,
        "has_surveys": bool(rows or recordable),
    }


def invitation_for(session: Session, ticket: Ticket, template_key: str) -> SurveyInvitation | None:
    """The ticket's invitation of ``template_key``, if any."""
    return session.scalar(
        select(SurveyInvitation).where(
            SurveyInvitation.ticket_id == ticket.id,
            SurveyInvitation.template_key == template_key,
        )
    )
