"""``/api/v1/kb``: search and read published articles (e.g. for a call-centre or chat tool).

A staff token reads public and internal articles; a customer's token public ones only — an
internal article or a draft is a 404 for it, whatever its id. Queries are cut and quoted as on
the pages (:mod:`gongdan.knowledge.tokens`): search syntax, empty and enormous queries are
answered, never a 500.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from gongdan.api.auth import api_user
from gongdan.api.errors import ApiError
from gongdan.api.openapi import Operation, Param, json_response, operation
from gongdan.db import db
from gongdan.errors import NotFound
from gongdan.knowledge import services
from gongdan.knowledge.markdown import render_markdown
from gongdan.knowledge.search import MAX_RESULTS, search
from gongdan.knowledge.tokens import MAX_QUERY_CHARS, parse_query

bp = Blueprint("knowledge_api", __name__)

TAG = "knowledge"
_HIT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "category": {"type": ["string", "null"]},
        "visibility": {"enum": ["public", "internal"]},
        "title_html": {"type": "string", "description": "escaped, matches in <mark>"},
        "snippet_html": {"type": "string", "description": "escaped, matches in <mark>"},
    },
    "required": ["id", "title", "visibility", "title_html", "snippet_html"],
}
_ARTICLE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "category": {"type": ["string", "null"]},
        "visibility": {"enum": ["public", "internal"]},
        "body": {"type": "string", "description": "Markdown"},
        "body_html": {"type": "string", "description": "rendered safely (no raw HTML)"},
        "product_models": {"type": "array", "items": {"type": "string"}},
        "fault_codes": {"type": "array", "items": {"type": "string"}},
        "updated_at": {"type": "string", "format": "date-time"},
    },
    "required": ["id", "title", "visibility", "body", "body_html"],
}


@bp.get("/kb/articles")
@operation(
    Operation(
        "Search published articles (Chinese and English)",
        TAG,
        {
            200: json_response(
                "the best matches first",
                {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string"},
                        "truncated": {"type": "boolean"},
                        "articles": {"type": "array", "items": _HIT},
                    },
                    "required": ["query", "truncated", "articles"],
                },
            )
        },
        params=(
            Param("q", {"type": "string"}, f"words; only the first {MAX_QUERY_CHARS} count"),
            Param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS}, "at most"),
            Param("match", {"enum": ["all", "any"], "default": "all"}, "every word or any"),
        ),
        errors=(400, 401),
    )
)
def search_articles() -> Response:
    user = api_user()
    text = request.args.get("q", "")
    limit_text = request.args.get("limit", "10")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_RESULTS:
        raise ApiError(400, "invalid", "limit must be 1 to 50", {"limit": "1 to 50"})
    match = request.args.get("match", "all")
    if match not in ("all", "any"):
        raise ApiError(400, "invalid", "match must be all or any", {"match": "all or any"})
    query = parse_query(text)
    hits = search(
        db.session, query, audience=services.audience_of(user), limit=int(limit_text),
        match_all=match == "all",
    )  # fmt: skip
    return jsonify(
        query=query.text,
        truncated=len(text) > MAX_QUERY_CHARS,
        articles=[
            {
                "id": h.article.id,
                "title": h.article.title,
                "category": h.article.category,
                "visibility": h.article.visibility,
                "title_html": h.title_html,
                "snippet_html": h.snippet_html,
            }  # fmt: skip
            for h in hits
        ],
    )


@bp.get("/kb/articles/<id:article_id>")
@operation(Operation("One published article", TAG, {200: json_response("the article", _ARTICLE)}))
def get_article(article_id: int) -> Response:
    user = api_user()
    article = services.readable_article(db.session, user, article_id)
    if article.status != "published":
        raise NotFound(f"no article with id {article_id!r}")
    return jsonify(
        id=article.id, title=article.title, category=article.category,
        visibility=article.visibility, body=article.body, body_html=render_markdown(article.body),
        product_models=list(article.product_models or []),
        fault_codes=list(article.fault_codes or []), updated_at=article.updated_at.isoformat(),
    )  # fmt: skip
