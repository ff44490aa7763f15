"""The /kb and /portal/kb pages and the suggestions JSON: what staff and customers see."""

from __future__ import annotations

import io
from typing import Any

import pytest
from tests.gongdan.fieldwork.factories import Site, png_bytes
from tests.gongdan.knowledge.factories import make_articles

from gongdan.db import db
from gongdan.knowledge.models import KbArticle


@pytest.fixture
def articles(site: Site) -> dict[str, int]:
    return make_articles(site.app)


def test_staff_suggestions_are_highlighted_and_include_internal(
    site: Site, articles: dict[str, int]
) -> None:
    data = site.client("agent").get("/kb/suggest", query_string={"q": "门店的蒸汽棒漏水了"}).json
    titles = [a["title"] for a in data["articles"]]
    assert titles[0] == "蒸汽棒漏水的处理方法"
    assert "主板通信故障的内部排查（含维修密码）" in titles
    assert data["articles"][0]["title_html"].startswith("<mark>蒸汽</mark>棒<mark>漏水</mark>")
    assert len(titles) <= 5


def test_customers_never_get_internal_articles_or_drafts(
    site: Site, articles: dict[str, int]
) -> None:
    client = site.client("acme_user")
    assert client.get("/kb/suggest?q=主板").status_code == 403
    data = client.get("/portal/kb/suggest", query_string={"q": "主板 漏水 制冰机"}).json
    assert [a["title"] for a in data["articles"]] == ["蒸汽棒漏水的处理方法"]
    assert client.get(f"/portal/kb/{articles['board']}").status_code == 404
    assert client.get(f"/portal/kb/{articles['draft']}").status_code == 404
    assert client.get(f"/kb/{articles['board']}").status_code == 403
    page = client.get("/portal/kb?q=漏水").get_data(as_text=True)
    assert "蒸汽棒" in page and "主板" not in page
    assert client.get(f"/portal/kb/{articles['leak']}").status_code == 200


@pytest.mark.parametrize(
    "text", ['"', "*", "NEAR(", "'; drop table kb_articles; --", "&|!():", "", "漏水 " * 20_000]
)
def test_bad_queries_get_an_answer(site: Site, articles: dict[str, int], text: str) -> None:
    client = site.client("agent")
    response = client.get("/kb/suggest", query_string={"q": text})
    assert response.status_code == 200 and isinstance(response.json["articles"], list)
    assert response.json["truncated"] is (len(text) > 200)
    page = client.get("/kb", query_string={"q": text})
    assert page.status_code == 200
    portal = site.client("acme_user").get("/portal/kb/suggest", query_string={"q": text})
    assert portal.status_code == 200


def test_an_article_counts_views_once_per_session_and_one_helped_vote(
    site: Site, articles: dict[str, int]
) -> None:
    client = site.client("agent")
    for _ in range(3):
        assert client.get(f"/kb/{articles['leak']}").status_code == 200
    for _ in range(3):
        client.post(f"/kb/{articles['leak']}/helped")
    site.client("acme_user").post(f"/portal/kb/{articles['leak']}/helped")
    with site.app.app_context():
        article = db.session.get(KbArticle, articles["leak"])
        assert article is not None
        assert (article.view_count, article.helped_count) == (1, 2)


def test_the_article_page_renders_markdown_safely(site: Site) -> None:
    with site.app.app_context():
        article = KbArticle(
            title="XSS", body="<script>alert(1)</script>\n\n[x](javascript:alert(1))",
            status="published", visibility="public",
        )  # fmt: skip
        db.session.add(article)
        db.session.commit()
        article_id = article.id
    for user, path in (("agent", f"/kb/{article_id}"), ("acme_user", f"/portal/kb/{article_id}")):
        page = site.client(user).get(path).get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script>alert" not in page and 'href="javascript' not in page.lower()


def test_a_portal_deflection_counts_once_a_day_and_submits_nothing(
    site: Site, articles: dict[str, int]
) -> None:
    client = site.client("acme_user")
    for _ in range(2):
        response = client.post(f"/portal/kb/{articles['leak']}/solved")
        assert response.status_code == 302
    with site.app.app_context():
        article = db.session.get(KbArticle, articles["leak"])
        assert article is not None and article.deflection_count == 1
    assert client.post(f"/portal/kb/{articles['board']}/solved").status_code == 404


def test_editors_write_drafts_and_publishers_publish(site: Site) -> None:
    agent = site.client("agent")
    response = agent.post(
        "/kb/new",
        data={"title": "新文章", "body": "正文 **漏水**", "fault_codes": ["e08_leak", "nope"],
              "status": "published", "visibility": "public"},
    )  # fmt: skip
    assert response.status_code == 302
    with site.app.app_context():
        article = db.session.query(KbArticle).one()
        # An agent cannot publish: still an internal draft; the unknown code is dropped.
        assert (article.status, article.visibility) == ("draft", "internal")
        assert article.fault_codes == ["e08_leak"]
    assert agent.post("/kb/new", data={"title": "", "body": "x"}).status_code == 422
    assert site.client("acme_user").get("/kb/new").status_code == 403


def _file(client: Any, url: str) -> tuple[int, bytes]:
    """Status and bytes of a file response, closed (send_file keeps the file open)."""
    response = client.get(url)
    try:
        return response.status_code, response.get_data()
    finally:
        response.close()


def test_article_files_are_served_to_whoever_may_read_the_article(site: Site) -> None:
    agent = site.client("agent")
    with site.app.app_context():
        article = KbArticle(title="图解", body="", status="published", visibility="public")
        db.session.add(article)
        db.session.commit()
        article_id = article.id
    response = agent.post(
        f"/kb/{article_id}/files",
        data={"file": (io.BytesIO(png_bytes()), "step.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    fake = agent.post(
        f"/kb/{article_id}/files",
        data={"file": (io.BytesIO(b"<script>"), "x.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert fake.status_code == 302
    with site.app.app_context():
        article = db.session.get(KbArticle, article_id)
        assert article is not None and [a.filename for a in article.attachments] == ["step.png"]
        file_id = article.attachments[0].id
        article.body = f"![step](/kb/{article_id}/files/{file_id})"
        db.session.commit()
    assert _file(agent, f"/kb/{article_id}/files/{file_id}") == (200, png_bytes())
    customer = site.client("acme_user")
    page = customer.get(f"/portal/kb/{article_id}").get_data(as_text=True)
    assert f'src="/portal/kb/{article_id}/files/{file_id}"' in page
    assert _file(customer, f"/portal/kb/{article_id}/files/{file_id}") == (200, png_bytes())
    with site.app.app_context():
        article = db.session.get(KbArticle, article_id)
        assert article is not None
        article.visibility = "internal"
        db.session.commit()
    assert _file(customer, f"/portal/kb/{article_id}/files/{file_id}")[0] == 404
