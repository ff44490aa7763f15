"""What the knowledge-base pages share: the query from the request, suggestions as JSON,
article files sent safely, and the set of articles a session has already been counted for."""

from __future__ import annotations

from typing import Any

from flask import request, session

from gongdan.db import db
from gongdan.knowledge import services
from gongdan.knowledge.models import KbArticle
from gongdan.knowledge.search import Audience, search
from gongdan.knowledge.tokens import MAX_QUERY_CHARS, Query, parse_query

#: Suggestions shown while a ticket is typed.
SUGGESTIONS = 5

#: How many article ids a session remembers as viewed (the cookie stays small).
_VIEWED_KEEP = 40


def request_query(*, prefix_last: bool = False) -> tuple[Query, bool]:
    """The ``q`` argument as a :class:`Query`, and whether it was cut to the maximum length."""
    text = request.values.get("q", "")
    return parse_query(text, prefix_last=prefix_last), len(text) > MAX_QUERY_CHARS


def suggestions_json(audience: Audience, article_url: Any) -> dict[str, Any]:
    """The top suggestions for ``q`` as JSON: title and snippet as highlighted HTML."""
    query, truncated = request_query(prefix_last=True)
    hits = search(db.session, query, audience=audience, limit=SUGGESTIONS, match_all=False)
    return {
        "query": query.text,
        "truncated": truncated,
        "words": list(query.words),
        "articles": [
            {
                "id": h.article.id,
                "title": h.article.title,
                "title_html": h.title_html,
                "snippet_html": h.snippet_html,
                "category": h.article.category,
                "url": article_url(h.article),
            }
            for h in hits
        ],
    }


def count_view_once(article: KbArticle) -> None:
    """Count a view of ``article`` unless this session was counted for it already."""
    viewed = [int(i) for i in session.get("kb_viewed", []) if isinstance(i, int)]
    if article.id in viewed:
        return
    session["kb_viewed"] = [*viewed[-(_VIEWED_KEEP - 1) :], article.id]
    services.record_view(db.session, article)
    db.session.refresh(article)
