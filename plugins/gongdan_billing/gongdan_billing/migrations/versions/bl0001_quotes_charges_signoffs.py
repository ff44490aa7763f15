"""Billing: quotes, charge lines, report sign-offs (issue 10).

The first revision of the plugin's own chain (version table ``alembic_version_billing``, run
after the core's chain: the tables refer to ``tickets``, ``customers``, ``users`` and
``ticket_attachments``).

Revision ID: bl0001
Revises:
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "bl0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "bl_quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("price_list", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tax_rate", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column(
            "lines", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("subtotal", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("tax", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'approved', 'declined', 'superseded', 'expired')",
            name=op.f("ck_bl_quotes_status"),
        ),
        sa.CheckConstraint(
            "total >= 0 AND subtotal >= 0 AND tax >= 0",
            name=op.f("ck_bl_quotes_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_bl_quotes_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_bl_quotes_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_bl_quotes_ticket_id_tickets"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bl_quotes")),
        sa.UniqueConstraint("ticket_id", "revision", name=op.f("uq_bl_quotes_ticket_id_revision")),
    )
    with op.batch_alter_table("bl_quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bl_quotes_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(
            "uq_bl_quotes_open",
            ["ticket_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('draft', 'sent')"),
            postgresql_where=sa.text("status IN ('draft', 'sent')"),
        )
        batch_op.create_index(
            "ix_bl_quotes_sent_valid_until",
            ["valid_until"],
            unique=False,
            sqlite_where=sa.text("status = 'sent'"),
            postgresql_where=sa.text("status = 'sent'"),
        )

    op.create_table(
        "bl_charge_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("engineer_id", sa.Integer(), nullable=True),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("list_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("discount_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("cost", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("tax_rate", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("price_list", sa.String(length=64), nullable=False),
        sa.Column("charged_on", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IN ('free', 'discounted', 'charged')",
            name=op.f("ck_bl_charge_lines_decision"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_bl_charge_lines_quantity_positive")),
        sa.CheckConstraint(
            "unit_price >= 0 AND list_amount >= 0 AND amount >= 0 AND cost >= 0",
            name=op.f("ck_bl_charge_lines_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_bl_charge_lines_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["engineer_id"],
            ["users.id"],
            name=op.f("fk_bl_charge_lines_engineer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["bl_quotes.id"],
            name=op.f("fk_bl_charge_lines_quote_id_bl_quotes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_bl_charge_lines_ticket_id_tickets"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bl_charge_lines")),
        sa.UniqueConstraint(
            "ticket_id", "source", name=op.f("uq_bl_charge_lines_ticket_id_source")
        ),
    )
    with op.batch_alter_table("bl_charge_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bl_charge_lines_charged_on", ["charged_on", "ticket_id"], unique=False
        )
        batch_op.create_index(
            "ix_bl_charge_lines_customer_charged_on", ["customer_id", "charged_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_bl_charge_lines_engineer_id"), ["engineer_id"], unique=False
        )

    op.create_table(
        "bl_signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("signer_name", sa.String(length=120), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signature_attachment_id", sa.Integer(), nullable=True),
        sa.Column("subtotal", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("tax", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["signature_attachment_id"],
            ["ticket_attachments.id"],
            name=op.f("fk_bl_signoffs_signature_attachment_id_ticket_attachments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"],
            ["users.id"],
            name=op.f("fk_bl_signoffs_signed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_bl_signoffs_ticket_id_tickets"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bl_signoffs")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_bl_signoffs_ticket_id")),
    )


def downgrade() -> None:
    op.drop_table("bl_signoffs")
    with op.batch_alter_table("bl_charge_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bl_charge_lines_engineer_id"))
        batch_op.drop_index("ix_bl_charge_lines_customer_charged_on")
        batch_op.drop_index("ix_bl_charge_lines_charged_on")

    op.drop_table("bl_charge_lines")
    with op.batch_alter_table("bl_quotes", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_bl_quotes_sent_valid_until",
            sqlite_where=sa.text("status = 'sent'"),
            postgresql_where=sa.text("status = 'sent'"),
        )
        batch_op.drop_index(
            "uq_bl_quotes_open",
            sqlite_where=sa.text("status IN ('draft', 'sent')"),
            postgresql_where=sa.text("status IN ('draft', 'sent')"),
        )
        batch_op.drop_index(batch_op.f("ix_bl_quotes_ticket_id"))

    op.drop_table("bl_quotes")
