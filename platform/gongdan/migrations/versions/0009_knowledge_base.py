"""Knowledge base: articles, attachments, search tokens, helped votes (issue 7).

* ``kb_articles`` with three columns of search tokens (jieba words, Chinese characters and
  bigrams, Latin words; see gongdan.knowledge.tokens), ``kb_attachments``, ``kb_feedback``
  (one "helped" vote per user and article: a partial unique index);
* SQLite: the FTS5 table ``kb_articles_fts`` over the token columns, kept in step by triggers;
* PostgreSQL: ``ix_kb_articles_search``, a GIN index over the weighted ``tsvector`` of the token
  columns ('simple' configuration: the tokens are already cut).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_HELPED = "kind = 'helped'"

#: As gongdan.knowledge.models.SEARCH_DDL was when this migration was written.
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


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("product_models", _JSON, nullable=False),
        sa.Column("fault_codes", _JSON, nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("source_ticket_id", sa.Integer(), nullable=True),
        sa.Column("view_count", sa.Integer(), nullable=False),
        sa.Column("helped_count", sa.Integer(), nullable=False),
        sa.Column("solved_count", sa.Integer(), nullable=False),
        sa.Column("deflection_count", sa.Integer(), nullable=False),
        sa.Column("search_title", sa.Text(), nullable=False),
        sa.Column("search_tags", sa.Text(), nullable=False),
        sa.Column("search_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["source_ticket_id"], ["tickets.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.create_index("ix_kb_articles_category", ["category"], unique=False)
        batch_op.create_index("ix_kb_articles_source_ticket_id", ["source_ticket_id"], unique=False)
        batch_op.create_index(
            "ix_kb_articles_status_visibility", ["status", "visibility"], unique=False
        )
    op.create_table(
        "kb_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kb_attachments", schema=None) as batch_op:
        batch_op.create_index("ix_kb_attachments_article_id", ["article_id"], unique=False)
    op.create_table(
        "kb_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kb_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_kb_feedback_article_kind", ["article_id", "kind"], unique=False)
        batch_op.create_index("ix_kb_feedback_ticket_id", ["ticket_id"], unique=False)
        batch_op.create_index("ix_kb_feedback_user_id", ["user_id"], unique=False)
        batch_op.create_index(
            "uq_kb_feedback_helped",
            ["article_id", "user_id"],
            unique=True,
            postgresql_where=sa.text(_HELPED),
            sqlite_where=sa.text(_HELPED),
        )
    for statement in SEARCH_DDL.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS kb_articles_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS kb_articles_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_kb_articles_search")
    op.drop_table("kb_feedback")
    op.drop_table("kb_attachments")
    op.drop_table("kb_articles")
