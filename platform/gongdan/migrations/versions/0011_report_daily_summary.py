"""Reports: the daily summary the dashboard reads, and slot-level automation runs (issue 7).

* ``report_daily_summary`` (per day × department × channel × type: counts and sums),
  ``report_daily_durations`` (a 5 % logarithmic histogram of response and resolution times per
  day, for medians), ``report_daily_values`` (tickets per product / fault code per day) and
  ``report_summary_days`` (the days summarised) — see ``gongdan.reports.models``;
* ``ix_tickets_updated_at``: the refresh finds the days whose tickets changed since its last run;
* ``automation_slot_runs``: a scheduled automation with no ticket condition (the weekly
  report) runs once per schedule slot.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

#: The summary's measure columns in the model's order; the ``*_seconds`` ones are sums (floats).
SUMMARY_COLUMNS = [
    "tickets",
    "open",
    "done",
    "closed",
    "responded",
    "response_seconds",
    "response_business_measured",
    "response_business_seconds",
    "resolved",
    "resolution_seconds",
    "resolution_business_measured",
    "resolution_business_seconds",
    "first_contact",
    "ever_resolved",
    "reopened",
    "transferred_tickets",
    "transfers",
    *(f"sla_{metric}_{part}" for metric in ("first_response", "on_site", "resolution")
      for part in ("stopped", "met", "breached")),
]  # fmt: skip


def _summary_columns() -> list[sa.Column]:
    return [
        sa.Column(name, sa.Float() if name.endswith("_seconds") else sa.Integer(), nullable=False)
        for name in SUMMARY_COLUMNS
    ]


def upgrade() -> None:
    op.create_table(
        "report_daily_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("department_key", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("type_key", sa.String(length=64), nullable=True),
        *_summary_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_daily_summary")),
    )
    op.create_index(
        "ix_report_daily_summary_day",
        "report_daily_summary",
        ["day", "department_key", "channel"],
    )
    op.create_table(
        "report_daily_durations",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "measure", "bucket", name=op.f("pk_report_daily_durations")),
    )
    op.create_table(
        "report_daily_values",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "dimension", "value", name=op.f("pk_report_daily_values")),
    )
    op.create_table(
        "report_summary_days",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_report_summary_days")),
    )
    op.create_index(
        op.f("ix_report_summary_days_refreshed_at"), "report_summary_days", ["refreshed_at"]
    )
    op.create_index("ix_tickets_updated_at", "tickets", ["updated_at"])
    op.create_table(
        "automation_slot_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("automation_key", sa.String(length=64), nullable=False),
        sa.Column("occurrence", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column(
            "actions", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation_slot_runs")),
        sa.UniqueConstraint(
            "automation_key",
            "occurrence",
            name=op.f("uq_automation_slot_runs_automation_key_occurrence"),
        ),
    )
    op.create_index(
        op.f("ix_automation_slot_runs_created_at"), "automation_slot_runs", ["created_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_automation_slot_runs_created_at"), table_name="automation_slot_runs")
    op.drop_table("automation_slot_runs")
    op.drop_index("ix_tickets_updated_at", table_name="tickets")
    op.drop_index(op.f("ix_report_summary_days_refreshed_at"), table_name="report_summary_days")
    op.drop_table("report_summary_days")
    op.drop_table("report_daily_values")
    op.drop_table("report_daily_durations")
    op.drop_index("ix_report_daily_summary_day", table_name="report_daily_summary")
    op.drop_table("report_daily_summary")
