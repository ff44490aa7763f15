"""Scores, visibility and validation of every example SurveyTemplate, by hand-computed values."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from tests.gongdan.fieldwork.factories import after_sales_pack

from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.compiled import CompiledSurveyTemplate
from gongdan.definitions.packs import load_pack
from gongdan.surveys.pages import client_condition
from gongdan.surveys.scoring import check_answers, compute_scores, result_context, triggered_actions

CALL_CENTER = Path(__file__).resolve().parents[3] / "definitions" / "call_center"


@functools.cache
def templates() -> dict[str, CompiledSurveyTemplate]:
    found = dict(compile_definitions(after_sales_pack().definitions).survey_templates)
    found.update(compile_definitions(load_pack(CALL_CENTER).definitions).survey_templates)
    return found


def score(key: str, answers: dict[str, object]) -> tuple[float | None, int | None, int | None]:
    checked = check_answers(templates()[key], answers)
    assert checked.ok, checked.errors
    result = compute_scores(templates()[key], checked.answers)
    return result.score, result.csat, result.nps


def test_repair_callback_weighted() -> None:
    # (0.4·2 + 0.2·3 + 0.3·4 + 0.1·1[no]) / (0.4 + 0.2 + 0.3 + 0.1) = 2.7
    low = {"overall": "2", "response": "3", "engineer": "4", "fixed_first_time": "no",
           "low_reason": "slow", "comment": "太慢"}  # fmt: skip
    assert score("repair_callback", low) == (2.7, 2, None)
    # (0.4·5 + 0.2·5 + 0.3·4 + 0.1·5[yes]) / 1.0 = 4.7; low_reason is hidden and dropped
    high = {"overall": "5", "response": "5", "engineer": "4", "fixed_first_time": "yes",
            "low_reason": "slow"}  # fmt: skip
    checked = check_answers(templates()["repair_callback"], high)
    assert "low_reason" not in checked.answers and "low_reason" not in checked.visible
    assert score("repair_callback", high) == (4.7, 5, None)
    # Only the required question answered: the weights of the answered ones count.
    assert score("repair_callback", {"overall": "1"}) == (1.0, 1, None)


def test_depot_repair_option_scores() -> None:
    # (0.5·4 + 0.3·3 + 0.2·2[minor_damage]) / 1.0 = 3.3
    answers = {"overall": "4", "turnaround": "3", "packaging": "minor_damage"}
    assert score("depot_repair_callback", answers) == (3.3, 4, None)
    # A damaged machine opens a complaint whatever the score: (0.5·5 + 0.3·5 + 0.2·1) = 4.2
    template = templates()["depot_repair_callback"]
    answers = {"overall": "5", "turnaround": "5", "packaging": "damaged"}
    checked = check_answers(template, answers)
    assert score("depot_repair_callback", answers)[0] == 4.2
    actions = triggered_actions(template, result_context(checked.answers, 4.2, {}))
    assert [a["do"] for a in actions] == ["create_ticket"]
    assert actions[0]["priority"] == "high"


def test_installation_weighted_with_yes_no() -> None:
    # (0.5·3 + 0.2·1[no] + 0.3·2) / 1.0 = 2.3
    answers = {"overall": "3", "punctual": "no", "tidy": "2", "comment": "迟到"}
    assert score("installation_callback", answers) == (2.3, 3, None)


def test_consultation_csat_is_the_rating() -> None:
    assert score("consultation_callback", {"satisfied": "4", "solved": "yes"}) == (4.0, 4, None)


def test_complaint_nps_is_the_recommendation() -> None:
    answers = {"handled_well": "2", "recommend": "6", "comment": "一般"}
    assert score("complaint_callback", answers) == (6.0, 2, 6)
    template = templates()["complaint_callback"]
    checked = check_answers(template, answers)
    actions = triggered_actions(template, result_context(checked.answers, 6.0, {}))
    assert [(a["do"], a["template"]) for a in actions] == [("notify", "low_score_alert")]
    # The comment is asked only of detractors (recommend ≤ 6).
    promoter = check_answers(template, {"handled_well": "5", "recommend": "9", "comment": "好"})
    assert promoter.answers == {"handled_well": 5, "recommend": 9}


def test_call_center_unweighted_question_weighs_one() -> None:
    # (0.6·4 + 0.4·5 + 1·5[yes]) / (0.6 + 0.4 + 1) = 9.4 / 2 = 4.7
    answers = {"result": "4", "agent": "5", "buy_again": "yes"}
    assert score("cc_complaint_callback", answers) == (4.7, 4, None)


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({}, {"overall": "this question needs an answer"}),
        ({"overall": "6"}, {"overall": "6 is outside 1–5"}),
        ({"overall": "0"}, {"overall": "0 is outside 1–5"}),
        ({"overall": "abc"}, {"overall": "'abc' is not a whole number"}),
        ({"overall": "2", "low_reason": "rude"},
         {"low_reason": "'rude' is not one of the options"}),
        ({"overall": "5", "fixed_first_time": "maybe"},
         {"fixed_first_time": "'maybe' is neither yes nor no"}),
        ({"overall": "2", "comment": "长" * 4001}, {"comment": "longer than 4000 characters"}),
    ],
)  # fmt: skip
def test_bad_answers_are_reported_beside_their_question(
    answers: dict[str, object], errors: dict[str, str]
) -> None:
    checked = check_answers(templates()["repair_callback"], answers)
    assert checked.errors == errors


def test_a_hidden_question_is_neither_required_nor_checked() -> None:
    # An unknown option on a hidden question is not an error: the answer is dropped.
    checked = check_answers(templates()["repair_callback"], {"overall": "5", "low_reason": "rude"})
    assert checked.ok and checked.answers == {"overall": 5}


def test_nps_range_and_multichoice() -> None:
    template = templates()["complaint_callback"]
    assert check_answers(template, {"handled_well": "3", "recommend": "11"}).errors == {
        "recommend": "11 is outside 0–10"
    }


def test_visible_if_goes_to_the_browser_with_question_keys() -> None:
    question = next(q for q in templates()["repair_callback"].questions if q.key == "comment")
    assert question.visible_if is not None
    assert client_condition(question.visible_if.node) == {
        "field": "overall",
        "op": "le",
        "value": 3,
    }
