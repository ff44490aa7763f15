"""The reports' CSAT/NPS read the survey answers: hand-computed on SQLite and PostgreSQL.

Answers on the report data set (tests/gongdan/reports/factory.py), in the period unless noted:
t1 (customer A) csat 5 nps 10; t3 (B) csat 2 nps 6; t4 (B) csat 4, no NPS; t10 (B) NPS 9 only;
t11 (A, before the period) csat 1 nps 0 — counted nowhere.

* all: 4 answers; ratings 5, 2, 4 → mean 11/3, CSAT (share ≥ 4) 2/3; NPS answers 10, 6, 9 →
  2 promoters, 1 detractor → (2 − 1) / 3 × 100 = 33.3;
* customer A: 1 answer, CSAT 1.0, NPS 100; customer B: ratings 2, 4 → mean 3, CSAT 0.5;
  NPS 6, 9 → (1 − 1) / 2 = 0.
"""

from __future__ import annotations

import pytest
from flask import Flask
from tests.gongdan.reports.factory import PARAMS, ReportWorld, build_report_world

from gongdan.db import db
from gongdan.definitions.models import DefinitionRevision
from gongdan.reports import csat
from gongdan.surveys.models import SurveyAnswer, SurveyInvitation

ANSWERS = {"t1": (5, 10), "t3": (2, 6), "t4": (4, None), "t10": (None, 9), "t11": (1, 0)}


@pytest.fixture
def world(app: Flask) -> ReportWorld:
    with app.app_context():
        found = build_report_world(db.session)
        revision = DefinitionRevision(
            kind="SurveyTemplate", key="s", revision=1, content_hash="s", document={},
            status="active", author="test",
        )  # fmt: skip
        db.session.add(revision)
        db.session.flush()
        for name, (rating, nps) in ANSWERS.items():
            ticket_id = found.tickets[name]
            invitation = SurveyInvitation(
                ticket_id=ticket_id, template_key="s", template_revision_id=revision.id,
                status="answered", channels=[], nonce="n", due_at=PARAMS.now,
            )  # fmt: skip
            db.session.add(invitation)
            db.session.flush()
            db.session.add(
                SurveyAnswer(
                    invitation_id=invitation.id,
                    ticket_id=ticket_id,
                    template_key="s",
                    answers={},
                    csat=rating,
                    nps=nps,
                    followup="none",
                )  # fmt: skip
            )
        db.session.commit()
        return found


def test_csat_and_nps_of_the_period(app: Flask, world: ReportWorld) -> None:
    with app.app_context():
        found = csat.summary(db.session, PARAMS)
    assert found["available"] is True
    assert (found["answers"], found["rated"], found["nps_answers"]) == (4, 3, 3)
    assert found["mean_csat"] == pytest.approx(11 / 3)
    assert found["csat"] == pytest.approx(2 / 3)
    assert found["nps"] == pytest.approx(100 / 3)


def test_csat_and_nps_per_customer(app: Flask, world: ReportWorld) -> None:
    answers = csat.answers_table()
    assert answers is not None
    with app.app_context():
        rows = db.session.execute(csat.csat_query(PARAMS.grouped("customer"), answers)).mappings()
        by_customer = {row["group_key"]: row for row in rows}
    a, b = by_customer[world.customers["A"]], by_customer[world.customers["B"]]
    assert (a["answers"], float(a["csat"]), float(a["nps"])) == (1, 1.0, 100.0)
    assert b["answers"] == 3
    assert float(b["mean_csat"]) == pytest.approx(3.0)
    assert float(b["csat"]) == pytest.approx(0.5)
    assert float(b["nps"]) == pytest.approx(0.0)
