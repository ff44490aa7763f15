"""``/api/v1/kb``: customers' tokens never reach internal articles or drafts; bad input is a 400."""

from __future__ import annotations

import pytest
from flask import Flask
from tests.gongdan.api.world import ApiWorld, build_world
from tests.gongdan.knowledge.factories import make_articles


@pytest.fixture
def world(app: Flask) -> ApiWorld:
    return build_world(app)


def test_staff_and_customers_search_what_they_may_read(app: Flask, world: ApiWorld) -> None:
    ids = make_articles(app)
    staff = world.call("GET", "/api/v1/kb/articles?q=漏水&match=any", "agent").json
    assert {a["id"] for a in staff["articles"]} == {ids["leak"], ids["board"]}
    customer = world.call("GET", "/api/v1/kb/articles?q=漏水&match=any", "acme_user").json
    assert [a["id"] for a in customer["articles"]] == [ids["leak"]]
    assert "<mark>漏水</mark>" in customer["articles"][0]["title_html"]
    assert world.call("GET", f"/api/v1/kb/articles/{ids['board']}", "acme_user").status_code == 404
    assert world.call("GET", f"/api/v1/kb/articles/{ids['draft']}", "agent").status_code == 404
    article = world.call("GET", f"/api/v1/kb/articles/{ids['leak']}", "acme_user").json
    assert "<strong>密封圈</strong>" in article["body_html"]
    assert world.call("GET", "/api/v1/kb/articles?q=漏水").status_code == 401


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("q=%22*NEAR(%27;%20drop", 200),
        ("q=" + "漏水" * 60_000, 200),
        ("q=", 200),
        ("q=x&limit=0", 400),
        ("q=x&limit=abc", 400),
        ("q=x&match=some", 400),
    ],
)
def test_bad_input_is_answered(app: Flask, world: ApiWorld, query: str, status: int) -> None:
    make_articles(app, ("leak",))
    response = world.call("GET", f"/api/v1/kb/articles?{query}", "acme_user")
    assert response.status_code == status
    if status == 400:
        assert response.json["error"]["fields"]
