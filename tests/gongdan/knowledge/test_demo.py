"""The demo articles: installed by ``gongdan init --demo``, once, and found by demo symptoms."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from gongdan.db import db
from gongdan.knowledge.demo import ARTICLES
from gongdan.knowledge.models import KbArticle
from gongdan.knowledge.search import search
from gongdan.knowledge.tokens import parse_query


def _count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(KbArticle)) or 0)


def test_init_demo_installs_the_articles_once(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["init", "--demo"]).exit_code == 0
    assert _count(app) == len(ARTICLES) >= 10
    assert runner.invoke(args=["init", "--demo"]).exit_code == 0
    assert _count(app) == len(ARTICLES)
    with app.app_context():
        for symptom in ("不出水", "漏水", "滤芯报警", "异响", "打不出奶泡", "no water"):
            hits = search(db.session, parse_query(symptom), audience="public", match_all=False)
            assert hits, symptom
        internal = search(db.session, parse_query("E03"), audience="public")
        assert internal == []
        staff = search(db.session, parse_query("E03"), audience="staff")
        assert [h.article.title for h in staff] == ["锅炉压力异常（E03）内部处理指引"]
