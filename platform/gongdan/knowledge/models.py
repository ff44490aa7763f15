"""Knowledge-base articles, their files and the feedback readers give (issue 7).

Search reads three token columns (``search_title``, ``search_tags``, ``search_body``) that
:mod:`gongdan.knowledge.indexing` fills on every flush. On SQLite an FTS5 table
(``kb_articles_fts``, kept in step by triggers) indexes them; on PostgreSQL a GIN index over
their weighted ``tsvector`` (``ix_kb_articles_search``). Neither is part of the models — both
are created by migration 0009 and by :data:`SEARCH_DDL` when the tables are built from the
models — and schema comparisons leave them out (``gongdan.migrations.include_object``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, ForeignKey, Index, Integer, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongdan.accounts.models import User
from gongdan.db import Base, JSONType, UTCDateTime, utcnow

#: Who may read an article: ``public`` (customers too) or ``internal`` (staff only).
VISIBILITIES: tuple[str, ...] = ("public", "internal")

#: An article's life: written as a ``draft``, shown to readers once ``published``.
STATUSES: tuple[str, ...] = ("draft", "published")

#: Feedback kinds: a reader's "this helped" vote, a ticket solved by the article, a portal
#: request not submitted because the article answered it.
FEEDBACK_KINDS: tuple[str, ...] = ("helped", "solved", "deflected")


class KbArticle(Base):
    """A knowledge-base article: Markdown body, category, product models and fault codes."""

    __tablename__ = "kb_articles"
    __table_args__ = (Index("ix_kb_articles_status_visibility", "status", "visibility"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(80), index=True)
    #: Option values of the ``product_models`` list (``["es_pro_2"]``).
    product_models: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: Option values of the ``fault_codes`` list (``["e08_leak"]``).
    fault_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    visibility: Mapped[str] = mapped_column(String(16), default="internal")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    helped_count: Mapped[int] = mapped_column(Integer, default=0)
    solved_count: Mapped[int] = mapped_column(Integer, default=0)
    deflection_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Search tokens (see :mod:`gongdan.knowledge.tokens`), filled on flush.
    search_title: Mapped[str] = mapped_column(Text, default="")
    search_tags: Mapped[str] = mapped_column(Text, default="")
    search_body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[KbAttachment]] = relationship(
        back_populates="article", order_by="KbAttachment.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<KbArticle {self.id} {self.title!r} {self.status}/{self.visibility}>"

    def __str__(self) -> str:
        return self.title


class KbAttachment(Base):
    """A file of an article; the bytes live with the ticket attachments, named by SHA-256."""

    __tablename__ = "kb_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    article: Mapped[KbArticle] = relationship(back_populates="attachments")


class KbFeedback(Base):
    """One reader's feedback on an article (see :data:`FEEDBACK_KINDS`).

    A user votes "helped" once per article (a partial unique index); "solved" names the
    ticket it resolved.
    """

    __tablename__ = "kb_feedback"
    __table_args__ = (
        Index(
            "uq_kb_feedback_helped",
            "article_id",
            "user_id",
            unique=True,
            postgresql_where=text("kind = 'helped'"),
            sqlite_where=text("kind = 'helped'"),
        ),
        Index("ix_kb_feedback_article_kind", "article_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


#: The full-text objects beside the tables, per dialect (also written out in migration 0009).
SEARCH_DDL: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "CREATE VIRTUAL TABLE IF NOT EXISTS kb_articles_fts USING fts5("
        "title, tags, body, tokenize = 'unicode61 remove_diacritics 0')",
        "CREATE TRIGGER IF NOT EXISTS kb_articles_fts_insert AFTER INSERT ON kb_articles BEGIN"
        " INSERT INTO kb_articles_fts (rowid, title, tags, body)"
        " VALUES (new.id, new.search_title, new.search_tags, new.search_body); END",
        "CREATE TRIGGER IF NOT EXISTS kb_articles_fts_delete AFTER DELETE ON kb_articles BEGIN"
        " DELETE FROM kb_articles_fts WHERE rowid = old.id; END",
        "CREATE TRIGGER IF NOT EXISTS kb_articles_fts_update AFTER UPDATE OF"
        " search_title, search_tags, search_body ON kb_articles BEGIN"
        " DELETE FROM kb_articles_fts WHERE rowid = old.id;"
        " INSERT INTO kb_articles_fts (rowid, title, tags, body)"
        " VALUES (new.id, new.search_title, new.search_tags, new.search_body); END",
    ),
    "postgresql": (
        "CREATE INDEX IF NOT EXISTS ix_kb_articles_search ON kb_articles USING gin (("
        "setweight(to_tsvector('simple', search_title), 'A')"
        " || setweight(to_tsvector('simple', search_tags), 'B')"
        " || setweight(to_tsvector('simple', search_body), 'D')))",
    ),
}

for _dialect, _statements in SEARCH_DDL.items():
    for _statement in _statements:
        event.listen(
            KbArticle.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect)
        )
