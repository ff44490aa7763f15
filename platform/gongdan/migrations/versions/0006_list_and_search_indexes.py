"""Indexes for ticket lists and search at a million tickets (issue 5; bench/README.md).

* ``ix_tickets_queue`` gains ``created_at``: a state + department + priority filter reads its
  newest-first page straight off the index instead of sorting every match;
* ``ix_tickets_category_created``: "all open" reads open tickets only, newest first;
* ``ix_tickets_category_department`` covers every column the queue counts test (on PostgreSQL
  with ``id`` included), so the counts are an index-only scan of the open tickets;
* ``ix_tickets_assignee_category`` replaces ``ix_tickets_assignee_id``: "mine" and routing's
  count of each candidate engineer's open tickets;
* ``ix_sla_clocks_running_due``: the overdue queue reads running clocks past their deadline,
  with their ticket id, from the index;
* PostgreSQL only, where ``pg_trgm`` can be had: trigram GIN indexes, so that ``ILIKE '%…%'``
  on ticket numbers, subjects, customers, contacts and serial numbers reads only the matches.
  Without the extension search still works, by scanning.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

#: As gongdan.migrations.TRIGRAM_INDEXES was when this migration was written.
TRIGRAM_INDEXES: dict[str, tuple[str, str]] = {
    "ix_tickets_number_trgm": ("tickets", "number"),
    "ix_tickets_subject_trgm": ("tickets", "subject"),
    "ix_customers_name_trgm": ("customers", "name"),
    "ix_customers_code_trgm": ("customers", "code"),
    "ix_customers_phone_trgm": ("customers", "phone"),
    "ix_contacts_name_trgm": ("contacts", "name"),
    "ix_contacts_phone_trgm": ("contacts", "phone"),
    "ix_contacts_mobile_trgm": ("contacts", "mobile"),
    "ix_assets_serial_number_trgm": ("assets", "serial_number"),
}

_RUNNING = "stopped_at IS NULL AND paused_at IS NULL"


def _trigram_schema(bind: Connection) -> str | None:
    """The schema holding ``pg_trgm``, installing it in ``public`` if allowed; else ``None``."""
    query = sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_trgm'"
    )
    schema = bind.scalar(query)
    if schema is not None:
        return str(schema)
    if not bind.scalar(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")):
        return None
    try:
        # In a savepoint: without the right to create extensions the migration goes on.
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    except sa.exc.DBAPIError:
        pass  # not allowed, or another migration installed it at the same moment
    schema = bind.scalar(query)
    return str(schema) if schema is not None else None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_queue")
        batch_op.create_index(
            "ix_tickets_queue", ["state", "department_key", "priority", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_tickets_category_created", ["state_category", "created_at"], unique=False
        )
        batch_op.drop_index("ix_tickets_category_department")
        batch_op.create_index(
            "ix_tickets_category_department",
            ["state_category", "department_key", "assignee_id"],
            unique=False,
            postgresql_include=["id"],
        )
        batch_op.drop_index("ix_tickets_assignee_id")
        batch_op.create_index(
            "ix_tickets_assignee_category",
            ["assignee_id", "state_category"],
            unique=False,
            postgresql_include=["id"],
        )
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sla_clocks_running_due",
            ["due_at", "ticket_id"],
            unique=False,
            postgresql_where=sa.text(_RUNNING),
            sqlite_where=sa.text(_RUNNING),
        )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = _trigram_schema(bind)
    if schema is None:
        return
    for name, (table, column) in TRIGRAM_INDEXES.items():
        op.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}"'
            f' USING gin ("{column}" "{schema}".gin_trgm_ops)'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f'DROP INDEX IF EXISTS "{name}"')
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_sla_clocks_running_due",
            postgresql_where=sa.text(_RUNNING),
            sqlite_where=sa.text(_RUNNING),
        )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_assignee_category")
        batch_op.create_index("ix_tickets_assignee_id", ["assignee_id"], unique=False)
        batch_op.drop_index("ix_tickets_category_department")
        batch_op.create_index(
            "ix_tickets_category_department", ["state_category", "department_key"], unique=False
        )
        batch_op.drop_index("ix_tickets_category_created")
        batch_op.drop_index("ix_tickets_queue")
        batch_op.create_index(
            "ix_tickets_queue", ["state", "department_key", "priority"], unique=False
        )
