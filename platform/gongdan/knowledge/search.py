"""Full-text search over published articles: SQLite FTS5 (bm25) or PostgreSQL (ts_rank).

The query is cut by :func:`gongdan.knowledge.tokens.parse_query`; each token is quoted and
the whole expression is passed as a bound parameter (never formatted into the SQL). Title
words weigh most, then category, fault codes and product models, then the body. Drafts are
never found; ``audience="public"`` finds public articles only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.knowledge.markdown import plain_text
from gongdan.knowledge.models import KbArticle
from gongdan.knowledge.tokens import Query, fts5_query, highlight, snippet, tsquery

#: Who is searching: staff see public and internal articles, customers public ones only.
Audience = Literal["staff", "public"]

#: Most results one search returns.
MAX_RESULTS = 50

#: bm25 weights of the FTS5 columns title, tags, body (higher counts more).
FTS5_WEIGHTS = (10.0, 5.0, 1.0)

#: The weighted document vector; the same expression as the GIN index of migration 0009.
PG_VECTOR = (
    "setweight(to_tsvector('simple', a.search_title), 'A')"
    " || setweight(to_tsvector('simple', a.search_tags), 'B')"
    " || setweight(to_tsvector('simple', a.search_body), 'D')"
)

_SQLITE = sa.text(
    "SELECT a.id, bm25(kb_articles_fts, :w_title, :w_tags, :w_body) AS rank"
    " FROM kb_articles_fts JOIN kb_articles a ON a.id = kb_articles_fts.rowid"
    " WHERE kb_articles_fts MATCH :query AND a.status = 'published'"
    " AND a.visibility IN :visibilities"
    " ORDER BY rank, a.id LIMIT :limit"
).bindparams(sa.bindparam("visibilities", expanding=True))

_POSTGRES = sa.text(
    f"SELECT a.id, ts_rank({PG_VECTOR}, to_tsquery('simple', :query)) AS rank"
    " FROM kb_articles a"
    f" WHERE ({PG_VECTOR}) @@ to_tsquery('simple', :query) AND a.status = 'published'"
    " AND a.visibility IN :visibilities"
    " ORDER BY rank DESC, a.id LIMIT :limit"
).bindparams(sa.bindparam("visibilities", expanding=True))


@dataclass(frozen=True)
class Hit:
    """One article found: its title and a snippet of its body, matches in ``<mark>``."""

    article: KbArticle
    title_html: str
    snippet_html: str


def visibilities(audience: Audience) -> tuple[str, ...]:
    """The visibilities ``audience`` may read."""
    return ("public",) if audience == "public" else ("public", "internal")


def _ranked_ids(
    session: Session, query: Query, audience: Audience, limit: int, match_all: bool
) -> list[int]:
    params = {"visibilities": list(visibilities(audience)), "limit": limit}
    if session.get_bind().dialect.name == "postgresql":
        statement = _POSTGRES
        params["query"] = tsquery(query, match_all=match_all)
    else:
        statement = _SQLITE
        params["query"] = fts5_query(query, match_all=match_all)
        params.update(w_title=FTS5_WEIGHTS[0], w_tags=FTS5_WEIGHTS[1], w_body=FTS5_WEIGHTS[2])
    return [int(row[0]) for row in session.execute(statement, params)]


def search(
    session: Session,
    query: Query,
    *,
    audience: Audience,
    limit: int = 10,
    match_all: bool = True,
) -> list[Hit]:
    """The published articles ``audience`` may read that match ``query``, best first.

    ``match_all`` asks for articles with every token; without it any token will do (ranked
    by how many and how rare). An empty query finds nothing.
    """
    if query.is_empty:
        return []
    ids = _ranked_ids(session, query, audience, min(max(limit, 1), MAX_RESULTS), match_all)
    if not ids:
        return []
    loaded = {a.id: a for a in session.scalars(sa.select(KbArticle).where(KbArticle.id.in_(ids)))}
    return [hit(loaded[i], query.words) for i in ids if i in loaded]


def hit(article: KbArticle, words: Sequence[str]) -> Hit:
    """``article`` as a search result, ``words`` highlighted."""
    return Hit(
        article=article,
        title_html=highlight(article.title, words),
        snippet_html=snippet(plain_text(article.body or ""), words),
    )


def search_best(
    session: Session, query: Query, *, audience: Audience, limit: int = 10
) -> tuple[list[Hit], bool]:
    """Articles with every word; if none, articles with any. Returns (hits, all words matched)."""
    hits = search(session, query, audience=audience, limit=limit, match_all=True)
    if hits or len(query.words) < 2:
        return hits, True
    return search(session, query, audience=audience, limit=limit, match_all=False), False
