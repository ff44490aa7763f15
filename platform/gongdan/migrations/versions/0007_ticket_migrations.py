"""Ticket migrations: moving open tickets from one definition revision to a newer one (issue 6).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ticket_migrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("old_revision_id", sa.Integer(), nullable=False),
        sa.Column("new_revision_id", sa.Integer(), nullable=False),
        sa.Column("mapping", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("left_behind", _JSON, nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["new_revision_id"],
            ["definition_revisions.id"],
            name=op.f("fk_ticket_migrations_new_revision_id_definition_revisions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["old_revision_id"],
            ["definition_revisions.id"],
            name=op.f("fk_ticket_migrations_old_revision_id_definition_revisions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["users.id"],
            name=op.f("fk_ticket_migrations_started_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_migrations")),
    )
    with op.batch_alter_table("ticket_migrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_migrations_old_revision_id"), ["old_revision_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket_migrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_migrations_old_revision_id"))
    op.drop_table("ticket_migrations")
