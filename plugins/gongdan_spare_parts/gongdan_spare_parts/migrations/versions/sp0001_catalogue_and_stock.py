"""Spare parts: catalogue, warehouses, balances, the move ledger, serials, part lines (issue 8).

The first revision of the plugin's own chain (version table ``alembic_version_spare_parts``,
run after the core's chain: the tables refer to ``users`` and ``tickets``).

Revision ID: sp0001
Revises:
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "sp0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "sp_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "compatible_models",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("whole_units", sa.Boolean(), nullable=False),
        sa.Column("serial_tracked", sa.Boolean(), nullable=False),
        sa.Column("unit_cost", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sp_parts")),
        sa.UniqueConstraint("number", name=op.f("uq_sp_parts_number")),
    )
    op.create_table(
        "sp_warehouses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "(kind = 'van' AND owner_id IS NOT NULL) OR (kind <> 'van' AND owner_id IS NULL)",
            name=op.f("ck_sp_warehouses_van_owner"),
        ),
        sa.CheckConstraint(
            "kind IN ('central', 'regional', 'van')", name=op.f("ck_sp_warehouses_kind")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_sp_warehouses_owner_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sp_warehouses")),
        sa.UniqueConstraint("code", name=op.f("uq_sp_warehouses_code")),
    )
    with op.batch_alter_table("sp_warehouses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sp_warehouses_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "sp_purchase_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("available", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("safety_stock", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("policy", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["part_id"],
            ["sp_parts.id"],
            name=op.f("fk_sp_purchase_suggestions_part_id_sp_parts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["sp_warehouses.id"],
            name=op.f("fk_sp_purchase_suggestions_warehouse_id_sp_warehouses"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sp_purchase_suggestions")),
    )
    with op.batch_alter_table("sp_purchase_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sp_purchase_suggestions_open",
            ["part_id", "warehouse_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "sp_stock_balances",
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("on_hand", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("reserved", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("in_transit", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.CheckConstraint(
            "in_transit >= 0", name=op.f("ck_sp_stock_balances_in_transit_not_negative")
        ),
        sa.CheckConstraint("on_hand >= 0", name=op.f("ck_sp_stock_balances_on_hand_not_negative")),
        sa.CheckConstraint(
            "reserved <= on_hand", name=op.f("ck_sp_stock_balances_reserved_within_on_hand")
        ),
        sa.CheckConstraint(
            "reserved >= 0", name=op.f("ck_sp_stock_balances_reserved_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["part_id"],
            ["sp_parts.id"],
            name=op.f("fk_sp_stock_balances_part_id_sp_parts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["sp_warehouses.id"],
            name=op.f("fk_sp_stock_balances_warehouse_id_sp_warehouses"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("part_id", "warehouse_id", name=op.f("pk_sp_stock_balances")),
    )
    with op.batch_alter_table("sp_stock_balances", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sp_stock_balances_warehouse", ["warehouse_id", "part_id"], unique=False
        )

    op.create_table(
        "sp_part_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("serial", sa.String(length=80), nullable=True),
        sa.Column("charged", sa.Boolean(), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_sp_part_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_sp_part_lines_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["part_id"],
            ["sp_parts.id"],
            name=op.f("fk_sp_part_lines_part_id_sp_parts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_sp_part_lines_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_sp_part_lines_ticket_id_tickets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["sp_warehouses.id"],
            name=op.f("fk_sp_part_lines_warehouse_id_sp_warehouses"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sp_part_lines")),
    )
    with op.batch_alter_table("sp_part_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sp_part_lines_consumed_at"), ["consumed_at"], unique=False
        )
        batch_op.create_index(
            "ix_sp_part_lines_status_reserved", ["status", "reserved_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sp_part_lines_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sp_serials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["part_id"],
            ["sp_parts.id"],
            name=op.f("fk_sp_serials_part_id_sp_parts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_sp_serials_ticket_id_tickets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["sp_warehouses.id"],
            name=op.f("fk_sp_serials_warehouse_id_sp_warehouses"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sp_serials")),
        sa.UniqueConstraint("part_id", "serial", name=op.f("uq_sp_serials_part_id_serial")),
    )
    with op.batch_alter_table("sp_serials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sp_serials_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(
            "ix_sp_serials_warehouse", ["warehouse_id", "part_id", "status"], unique=False
        )

    op.create_table(
        "sp_faulty_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_line_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["part_id"],
            ["sp_parts.id"],
            name=op.f("fk_sp_faulty_returns_part_id_sp_parts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["part_line_id"],
            ["sp_part_lines.id"],
            name=op.f("fk_sp_faulty_returns_part_line_id_sp_part_lines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_sp_faulty_returns_ticket_id_tickets"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sp_faulty_returns")),
        sa.UniqueConstraint("part_id", "serial", name=op.f("uq_sp_faulty_returns_part_id_serial")),
    )
    with op.batch_alter_table("sp_faulty_returns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sp_faulty_returns_part_line_id"), ["part_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sp_faulty_returns_ticket_id"), ["ticket_id"], unique=False
        )

    op.create_table(
        "sp_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("d_on_hand", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("d_reserved", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("d_in_transit", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("part_line_id", sa.Integer(), nullable=True),
        sa.Column("transfer_id", sa.String(length=36), nullable=True),
        sa.Column("serial", sa.String(length=80), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_sp_moves_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_sp_moves_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["part_id"],
            ["sp_parts.id"],
            name=op.f("fk_sp_moves_part_id_sp_parts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["part_line_id"],
            ["sp_part_lines.id"],
            name=op.f("fk_sp_moves_part_line_id_sp_part_lines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_sp_moves_ticket_id_tickets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["sp_warehouses.id"],
            name=op.f("fk_sp_moves_warehouse_id_sp_warehouses"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sp_moves")),
    )
    with op.batch_alter_table("sp_moves", schema=None) as batch_op:
        batch_op.create_index("ix_sp_moves_kind_created", ["kind", "created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sp_moves_part_line_id"), ["part_line_id"], unique=False
        )
        batch_op.create_index(
            "ix_sp_moves_part_warehouse", ["part_id", "warehouse_id", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sp_moves_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sp_moves_transfer_id"), ["transfer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sp_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sp_moves_transfer_id"))
        batch_op.drop_index(batch_op.f("ix_sp_moves_ticket_id"))
        batch_op.drop_index("ix_sp_moves_part_warehouse")
        batch_op.drop_index(batch_op.f("ix_sp_moves_part_line_id"))
        batch_op.drop_index("ix_sp_moves_kind_created")

    op.drop_table("sp_moves")
    with op.batch_alter_table("sp_faulty_returns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sp_faulty_returns_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_sp_faulty_returns_part_line_id"))

    op.drop_table("sp_faulty_returns")
    with op.batch_alter_table("sp_serials", schema=None) as batch_op:
        batch_op.drop_index("ix_sp_serials_warehouse")
        batch_op.drop_index(batch_op.f("ix_sp_serials_ticket_id"))

    op.drop_table("sp_serials")
    with op.batch_alter_table("sp_part_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sp_part_lines_ticket_id"))
        batch_op.drop_index("ix_sp_part_lines_status_reserved")
        batch_op.drop_index(batch_op.f("ix_sp_part_lines_consumed_at"))

    op.drop_table("sp_part_lines")
    with op.batch_alter_table("sp_stock_balances", schema=None) as batch_op:
        batch_op.drop_index("ix_sp_stock_balances_warehouse")

    op.drop_table("sp_stock_balances")
    with op.batch_alter_table("sp_purchase_suggestions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sp_purchase_suggestions_open",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.drop_table("sp_purchase_suggestions")
    with op.batch_alter_table("sp_warehouses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sp_warehouses_owner_id"))

    op.drop_table("sp_warehouses")
    op.drop_table("sp_parts")
