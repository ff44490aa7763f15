"""Covering indexes for the /reports KPI queries (issue 7).

Each KPI reads the tickets created in a period and, for business times and on-time rates,
their SLA clocks. With these two indexes PostgreSQL answers from the indexes alone (index-only
scans) instead of reading the whole tickets and sla_clocks tables:

* ``ix_tickets_created_report``: ``created_at`` with the columns the KPIs aggregate;
* ``ix_sla_clocks_metric_started``: the clocks of one metric started in the period.

On SQLite the ``INCLUDE`` columns do not exist; the indexes are on the key columns only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 12:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

TICKET_COLUMNS = [
    "state_category",
    "first_response_at",
    "resolved_at",
    "checked_in_at",
    "reopen_count",
    "department_key",
    "assignee_id",
    "customer_id",
    "channel",
    "type_key",
]
CLOCK_COLUMNS = ["ticket_id", "stopped_at", "met", "business_seconds_used_before_pause"]


def upgrade() -> None:
    op.create_index(
        "ix_tickets_created_report",
        "tickets",
        ["created_at"],
        postgresql_include=TICKET_COLUMNS,
    )
    op.create_index(
        "ix_sla_clocks_metric_started",
        "sla_clocks",
        ["metric", "started_at"],
        postgresql_include=CLOCK_COLUMNS,
    )


def downgrade() -> None:
    op.drop_index("ix_sla_clocks_metric_started", table_name="sla_clocks")
    op.drop_index("ix_tickets_created_report", table_name="tickets")
