"""The IO-free core of surveys: parsing answers, visibility, validation and scores.

Scores live on the 1–5 satisfaction scale the templates' ``on_result`` thresholds use
(``score lt 3``):

* ``rating`` ``v`` in ``[min, max]`` → ``1 + 4 (v - min) / (max - min)`` (1–5 stays itself);
* ``nps`` ``v`` in 0–10 → ``1 + 4 v / 10``;
* ``yes_no`` → 5 for yes, 1 for no;
* ``choice`` → the chosen option's ``score`` (a question whose options carry no score is not
  scored); ``multichoice`` → the mean score of the chosen options that carry one;
* ``text`` / ``textarea`` are never scored.

``scoring.method``:

* ``weighted`` — Σ weightᵢ × scoreᵢ / Σ weightᵢ over the scored questions that were answered
  (a question without ``weight`` weighs 1);
* ``csat`` — the first rating question, on the 1–5 scale;
* ``nps`` — the first NPS answer itself, 0–10.

Every answer also yields ``csat`` (the first rating question on 1–5, rounded) and ``nps`` (the
first NPS answer) for the reports, whatever the method.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gongdan.conditions import EvaluationContext
from gongdan.definitions.compiled import CompiledQuestion, CompiledSurveyTemplate

#: Longest accepted text answers (characters).
TEXT_LIMITS: Mapping[str, int] = {"text": 500, "textarea": 4000}
#: What a yes/no question accepts for yes and for no.
YES_VALUES = frozenset({"yes", "true", "1", "y", "on"})
NO_VALUES = frozenset({"no", "false", "0", "n", "off"})
#: The message of a visible required question left empty.
REQUIRED = "this question needs an answer"
#: Scores of a yes/no answer on the 1–5 scale.
YES_SCORE, NO_SCORE = 5.0, 1.0


@dataclass(frozen=True)
class Checked:
    """The outcome of :func:`check_answers`: cleaned visible answers, or errors per question."""

    answers: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    visible: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Scores:
    """The template's score and the two report columns."""

    score: float | None
    csat: int | None
    nps: int | None


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []


def _integer(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    return None


def option_values(question: CompiledQuestion) -> tuple[str, ...]:
    """The values a choice question accepts, in the template's order."""
    return tuple(str(option.get("value")) for option in question.options)


def parse_answer(question: CompiledQuestion, raw: Any) -> tuple[Any, str | None]:
    """``raw`` (a form string, list or JSON value) as the question's type; ``(value, error)``.

    An empty answer is ``(None, None)``.
    """
    if _empty(raw):
        return None, None
    kind = question.type
    if kind in ("rating", "nps"):
        value = _integer(raw)
        low, high = question.min, question.max
        if value is None:
            return None, f"{raw!r} is not a whole number"
        if (low is not None and value < low) or (high is not None and value > high):
            return None, f"{value} is outside {low}–{high}"
        return value, None
    if kind == "yes_no":
        if isinstance(raw, bool):
            return raw, None
        text = str(raw).strip().lower()
        if text in YES_VALUES:
            return True, None
        if text in NO_VALUES:
            return False, None
        return None, f"{raw!r} is neither yes nor no"
    if kind == "choice":
        if not isinstance(raw, str) or raw not in option_values(question):
            return None, f"{raw!r} is not one of the options"
        return raw, None
    if kind == "multichoice":
        chosen = [raw] if isinstance(raw, str) else raw
        if not isinstance(chosen, list) or not all(isinstance(v, str) for v in chosen):
            return None, "not a list of options"
        unknown = [v for v in chosen if v not in option_values(question)]
        if unknown:
            return None, f"{unknown[0]!r} is not one of the options"
        return [v for v in option_values(question) if v in chosen], None
    if not isinstance(raw, str):
        return None, "not text"
    text = raw.strip()
    limit = TEXT_LIMITS.get(kind, 4000)
    if len(text) > limit:
        return None, f"longer than {limit} characters"
    return text, None


def visible_questions(
    template: CompiledSurveyTemplate, answers: Mapping[str, Any]
) -> frozenset[str]:
    """The keys of the questions shown for ``answers``.

    A ``visible_if`` reads the answers of the visible questions only, so hiding one question
    can hide another that depends on it; repeated until nothing changes.
    """
    keys = frozenset(q.key for q in template.questions)
    for _ in range(len(template.questions) + 1):
        kept = {k: v for k, v in answers.items() if k in keys}
        context = EvaluationContext({"answer": kept})
        shown = frozenset(
            q.key for q in template.questions if q.visible_if is None or q.visible_if(context)
        )
        if shown == keys:
            return shown
        keys = shown
    return keys


def check_answers(template: CompiledSurveyTemplate, submitted: Mapping[str, Any]) -> Checked:
    """Parse, drop the answers of hidden questions, and require the visible required ones.

    Unknown keys in ``submitted`` are ignored (a form posts other names too).
    """
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in template.questions:
        value, error = parse_answer(question, submitted.get(question.key))
        if error:
            errors[question.key] = error
        elif value is not None:
            parsed[question.key] = value
    visible = visible_questions(template, parsed)
    answers = {k: v for k, v in parsed.items() if k in visible}
    errors = {k: v for k, v in errors.items() if k in visible}
    for question in template.questions:
        if question.key in visible and question.required and question.key not in answers:
            errors.setdefault(question.key, REQUIRED)
    return Checked(answers=answers, errors=errors, visible=visible)


def question_score(question: CompiledQuestion, value: Any) -> float | None:
    """One answer on the 1–5 scale (see the module docstring); ``None`` when not scored."""
    if value is None:
        return None
    if question.type == "rating":
        low, high = question.min or 1, question.max or 5
        return 1 + 4 * (int(value) - low) / (high - low)
    if question.type == "nps":
        return 1 + 4 * int(value) / 10
    if question.type == "yes_no":
        return YES_SCORE if value else NO_SCORE
    if question.type in ("choice", "multichoice"):
        scores = {str(o.get("value")): o.get("score") for o in question.options}
        chosen = [value] if isinstance(value, str) else list(value)
        found = [float(scores[v]) for v in chosen if scores.get(v) is not None]
        return sum(found) / len(found) if found else None
    return None


def _first(template: CompiledSurveyTemplate, kind: str, answers: Mapping[str, Any]) -> Any:
    question = next((q for q in template.questions if q.type == kind), None)
    return (question, answers.get(question.key)) if question is not None else (None, None)


def compute_scores(template: CompiledSurveyTemplate, answers: Mapping[str, Any]) -> Scores:
    """The score of ``answers`` by the template's ``scoring.method``, and csat / nps."""
    rating, rating_value = _first(template, "rating", answers)
    csat_score = question_score(rating, rating_value) if rating is not None else None
    _, nps_value = _first(template, "nps", answers)
    nps = int(nps_value) if nps_value is not None else None
    method = template.scoring_method
    score: float | None
    if method == "csat":
        score = csat_score
    elif method == "nps":
        score = float(nps) if nps is not None else None
    else:
        total = weights = 0.0
        for question in template.questions:
            value = question_score(question, answers.get(question.key))
            if value is not None and question.weight > 0:
                total += question.weight * value
                weights += question.weight
        score = total / weights if weights else None
    return Scores(
        score=round(score, 3) if score is not None else None,
        csat=int(csat_score + 0.5) if csat_score is not None else None,
        nps=nps,
    )


def result_context(
    answers: Mapping[str, Any], score: float | None, ticket_values: Mapping[str, object]
) -> EvaluationContext:
    """The context ``on_result`` conditions read: ``answer.*``, ``score`` and the ticket."""
    return EvaluationContext({**ticket_values, "answer": dict(answers), "score": score})


def triggered_actions(
    template: CompiledSurveyTemplate, context: EvaluationContext
) -> list[Mapping[str, Any]]:
    """The actions of every ``on_result`` rule whose condition holds, in order."""
    actions: list[Mapping[str, Any]] = []
    for rule in template.on_result:
        if rule.predicate is None or rule.predicate(context):
            actions.extend(rule.actions)
    return actions
