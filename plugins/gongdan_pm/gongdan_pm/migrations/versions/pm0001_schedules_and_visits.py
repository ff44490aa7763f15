"""PM: per-asset schedules and generated visits (issue 9).

The first revision of the plugin's own chain (version table ``alembic_version_pm``, run after
the core's chain: the tables refer to ``assets``, ``customers`` and ``tickets``).

Revision ID: pm0001
Revises:
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "pm0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "pm_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(length=64), nullable=False),
        sa.Column("plan_revision_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("anchor_date", sa.Date(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("next_due", sa.Date(), nullable=True),
        sa.Column("follows_completion", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sequence >= 1", name=op.f("ck_pm_schedules_sequence_positive")),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_pm_schedules_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_pm_schedules_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pm_schedules")),
        sa.UniqueConstraint("plan_key", "asset_id", name="uq_pm_schedules_plan_asset"),
    )
    op.create_index(op.f("ix_pm_schedules_asset_id"), "pm_schedules", ["asset_id"], unique=False)
    op.create_index(
        op.f("ix_pm_schedules_customer_id"), "pm_schedules", ["customer_id"], unique=False
    )
    op.create_index(
        "ix_pm_schedules_due", "pm_schedules", ["plan_key", "active", "next_due"], unique=False
    )
    op.create_table(
        "pm_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(length=64), nullable=False),
        sa.Column("plan_revision_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'cancelled', 'missed')",
            name=op.f("ck_pm_visits_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_pm_visits_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_pm_visits_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["pm_schedules.id"],
            name=op.f("fk_pm_visits_schedule_id_pm_schedules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_pm_visits_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pm_visits")),
        sa.UniqueConstraint("schedule_id", "due_date", name="uq_pm_visits_schedule_due"),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_pm_visits_ticket_id")),
    )
    op.create_index("ix_pm_visits_asset_due", "pm_visits", ["asset_id", "due_date"], unique=False)
    op.create_index(op.f("ix_pm_visits_customer_id"), "pm_visits", ["customer_id"], unique=False)
    op.create_index("ix_pm_visits_due_status", "pm_visits", ["due_date", "status"], unique=False)
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table("pm_visits")
    op.drop_table("pm_schedules")
