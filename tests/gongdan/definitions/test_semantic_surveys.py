"""Survey templates: unique questions, sane scales, options where choices are asked."""

from __future__ import annotations

import pytest
from tests.gongdan.definitions.fixtures.minimal_set import validate_edited, where

SURVEY = "surveys/repair_callback.yaml"

CASES = [
    pytest.param(
        "{key: engineer, type: rating",
        "{key: overall, type: rating",
        ("overall, type: rating, min: 1, max: 5, weight", "overall"),
        "survey.duplicate_question",
        "question 'overall' is asked twice",
        id="duplicate-question",
    ),
    pytest.param(
        "{key: engineer, type: rating, min: 1, max: 5",
        "{key: engineer, type: rating, min: 5, max: 5",
        ("engineer", "5, max"),
        "survey.rating_range",
        "rating 'engineer' has min 5 not below max 5",
        id="rating-range",
    ),
    pytest.param(
        "{key: reason, type: choice, options: [{value: slow, score: 1}, {value: rude, score: 1}]}",
        "{key: reason, type: choice}",
        ("reason", "{key: reason"),
        "survey.missing_options",
        "choice question 'reason' needs 'options'",
        id="choice-without-options",
    ),
    pytest.param(
        "{key: recommend, type: nps}",
        "{key: recommend, type: nps, max: 5}",
        ("recommend", "5}"),
        "survey.nps_range",
        "NPS question 'recommend' is always scored 0-10, not with max 5",
        id="nps-scale",
    ),
    pytest.param(
        "weight: 0.4}",
        "weight: 0}",
        ("weight: 0}", "0}"),
        "survey.weight_not_positive",
        "question 'engineer' has weight 0; weights must be positive",
        id="weight",
    ),
    pytest.param(
        '{on: "state_entered:closed"',
        '{on: "state_entered:done"',
        ("state_entered:done", '"state_entered'),
        "ref.unknown_state",
        "event 'state_entered:done' names unknown state 'done'",
        id="send-event",
    ),
    pytest.param(
        "{do: create_ticket, type: repair,",
        "{do: create_ticket, type: complaint,",
        ("complaint", "complaint"),
        "ref.unknown_ticket_type",
        "unknown ticket type 'complaint'",
        id="follow-up-type",
    ),
]


@pytest.mark.parametrize(("old", "new", "spot", "code", "message"), CASES)
def test_survey_rule(old: str, new: str, spot: tuple[str, str], code: str, message: str) -> None:
    problems, texts = validate_edited({SURVEY: [(old, new)]})
    assert [(p.code, p.message) for p in problems] == [(code, message)]
    assert (problems[0].file, problems[0].line, problems[0].column) == where(texts, SURVEY, *spot)
