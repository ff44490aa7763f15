"""Knowledge-base articles in the admin GUI: admins only, create/edit audited, search, filters,
publish and unpublish; what the admin publishes is what readers find."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gongdan.audit.models import AuditEntry
from gongdan.db import db
from gongdan.knowledge.models import KbArticle
from gongdan.knowledge.search import search
from gongdan.knowledge.tokens import parse_query

NEW = {
    "title": "咖啡机漏水的处理",
    "category": "意式咖啡机",
    "visibility": "public",
    "status": "draft",
    "fault_codes": ["e08_leak"],
    "body": "关闭进水阀，检查 **密封圈**。<script>alert(1)</script>",
}


def _found(app: Flask, text: str) -> list[str]:
    with app.app_context():
        return [h.article.title for h in search(db.session, parse_query(text), audience="public")]


@pytest.mark.parametrize("role", ["manager", "agent", "customer"])
def test_non_admins_get_403(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any], role: str
) -> None:
    make_user("someone", role)
    login("someone")
    assert client.get("/admin/kb-articles/").status_code == 403
    assert client.post("/admin/kb-articles/new/", data=NEW).status_code == 403


def test_an_admin_writes_publishes_and_unpublishes_an_article(
    app: Flask, admin: FlaskClient
) -> None:
    form = admin.get("/admin/kb-articles/new/").get_data(as_text=True)
    assert 'id="kb-preview"' in form and "knowledge.js" in form and "E08" in form
    response = admin.post("/admin/kb-articles/new/", data=NEW)
    assert response.status_code == 302
    with app.app_context():
        article = db.session.scalars(select(KbArticle)).one()
        article_id = article.id
        assert (article.status, article.fault_codes) == ("draft", ["e08_leak"])
        assert article.author is not None and article.author.username == "root"
    assert _found(app, "漏水") == []  # a draft
    response = admin.post(
        "/admin/kb-articles/action/", data={"action": "publish", "rowid": [str(article_id)]}
    )
    assert response.status_code == 302
    assert _found(app, "密封") == ["咖啡机漏水的处理"]
    listing = admin.get("/admin/kb-articles/?search=漏水").get_data(as_text=True)
    assert "咖啡机漏水的处理" in listing
    other = admin.get("/admin/kb-articles/?search=制冰").get_data(as_text=True)
    assert "咖啡机漏水的处理" not in other
    edit = admin.get(f"/admin/kb-articles/edit/?id={article_id}")
    assert edit.status_code == 200
    admin.post(f"/admin/kb-articles/edit/?id={article_id}", data={**NEW, "title": "漏水处理（新）",
                                                                   "status": "draft"})  # fmt: skip
    assert _found(app, "密封") == []
    preview = admin.post("/kb/preview", data={"body": NEW["body"]}).json
    assert "<strong>密封圈</strong>" in preview["html"] and "<script>" not in preview["html"]
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.target_type == "KbArticle").order_by(AuditEntry.id)
        ).all()
        assert [e.action for e in entries] == ["create", "update", "update"]
        assert entries[1].after == {"status": "published"}


def test_a_bad_article_is_refused_and_nothing_is_saved(app: Flask, admin: FlaskClient) -> None:
    page = admin.post("/admin/kb-articles/new/", data={**NEW, "title": ""})
    assert page.status_code == 200
    assert (
        admin.post("/admin/kb-articles/new/", data={**NEW, "visibility": "everyone"}).status_code
        == 200
    )
    with app.app_context():
        assert db.session.scalars(select(KbArticle)).all() == []
