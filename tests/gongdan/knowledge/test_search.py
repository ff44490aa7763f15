"""Search on SQLite (FTS5) and PostgreSQL (tsvector): Chinese, English, visibility, bad input."""

from __future__ import annotations

import pytest
from flask import Flask
from tests.gongdan.fieldwork.factories import Site
from tests.gongdan.knowledge.factories import make_articles

from gongdan.db import db
from gongdan.knowledge.models import KbArticle
from gongdan.knowledge.search import search, search_best
from gongdan.knowledge.tokens import parse_query


def titles(app: Flask, text: str, audience: str = "staff", match_all: bool = True) -> list[str]:
    with app.app_context():
        hits = search(db.session, parse_query(text), audience=audience, match_all=match_all)  # type: ignore[arg-type]
        return [h.article.title for h in hits]


@pytest.fixture
def articles(site: Site) -> dict[str, int]:
    return make_articles(site.app)


def test_a_two_character_chinese_query_finds_its_article(
    site: Site, articles: dict[str, int]
) -> None:
    assert titles(site.app, "出水") == ["咖啡机不出水：检查水箱和进水阀"]
    assert titles(site.app, "密封")[0] == "蒸汽棒漏水的处理方法"  # in the body only


def test_title_matches_rank_above_body_matches(site: Site, articles: dict[str, int]) -> None:
    # 漏水 is in the leak article's title and in the internal board article's body.
    assert titles(site.app, "漏水") == [
        "蒸汽棒漏水的处理方法",
        "主板通信故障的内部排查（含维修密码）",
    ]


def test_english_finds_english(site: Site, articles: dict[str, int]) -> None:
    assert titles(site.app, "oily BEANS") == ["Grinder jams on oily beans"]
    assert titles(site.app, "burrs") == ["Grinder jams on oily beans"]


def test_fault_codes_and_models_are_searchable(site: Site, articles: dict[str, int]) -> None:
    assert titles(site.app, "E08") == ["蒸汽棒漏水的处理方法"]  # the option's title 'E08 漏水'
    assert titles(site.app, "ES-Pro 双头") == ["蒸汽棒漏水的处理方法"]


def test_customers_never_find_internal_articles(site: Site, articles: dict[str, int]) -> None:
    assert titles(site.app, "主板", audience="public") == []
    assert titles(site.app, "漏水", audience="public") == ["蒸汽棒漏水的处理方法"]
    assert titles(site.app, "主板", audience="staff") == ["主板通信故障的内部排查（含维修密码）"]


def test_drafts_are_never_found(site: Site, articles: dict[str, int]) -> None:
    assert titles(site.app, "制冰机") == []
    assert titles(site.app, "冷凝器", audience="public") == []


def test_any_word_mode_and_the_fallback(site: Site, articles: dict[str, int]) -> None:
    assert titles(site.app, "密封 oily") == []
    found = titles(site.app, "密封 oily", match_all=False)
    assert set(found) == {"蒸汽棒漏水的处理方法", "Grinder jams on oily beans"}
    with site.app.app_context():
        hits, all_words = search_best(db.session, parse_query("密封 oily"), audience="public")
    assert not all_words and len(hits) == 2


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "*",
        "NEAR(",
        "'; drop table kb_articles; --",
        "&|!():",
        '漏水" OR 1=1 --',
        "\\",
        "a:*",
        "",
    ],
)
def test_syntax_characters_get_an_answer_not_an_error(
    site: Site, articles: dict[str, int], text: str
) -> None:
    result = titles(site.app, text, match_all=False)
    assert titles(site.app, text) is not None
    assert isinstance(result, list)
    if "漏水" in text:
        assert "蒸汽棒漏水的处理方法" in result


def test_an_enormous_query_is_answered(site: Site, articles: dict[str, int]) -> None:
    assert titles(site.app, "漏水 " * 50_000) == titles(site.app, "漏水")


def test_editing_an_article_updates_the_index(site: Site, articles: dict[str, int]) -> None:
    with site.app.app_context():
        article = db.session.get(KbArticle, articles["grinder"])
        assert article is not None
        article.title = "磨豆机卡豆"
        db.session.commit()
    assert titles(site.app, "卡豆") == ["磨豆机卡豆"]
    assert titles(site.app, "jams") == []
    with site.app.app_context():
        db.session.delete(db.session.get(KbArticle, articles["grinder"]))
        db.session.commit()
    assert titles(site.app, "卡豆") == []
    assert titles(site.app, "burrs") == []
