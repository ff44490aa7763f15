"""The names a ``send_report`` action may use (pure data: the definition validator reads them)."""

from __future__ import annotations

#: KPI tables (``reports.queries.KPI_QUERIES``, checked by a test to stay the same).
KPI_NAMES: tuple[str, ...] = (
    "volume",
    "first_response",
    "resolution",
    "sla",
    "first_contact",
    "reopen",
    "backlog",
    "workload",
    "transfers",
    "top_fault_codes",
    "top_products",
)
#: Reports an automation can send: the whole dashboard or one KPI table.
REPORT_NAMES: tuple[str, ...] = ("dashboard", *KPI_NAMES)
#: Periods a scheduled report covers (``common.json`` lists the same).
REPORT_PERIODS: tuple[str, ...] = (
    "yesterday",
    "last_week",
    "last_month",
    "last_7_days",
    "last_30_days",
)
#: Formats of the linked file; the dashboard is a workbook (one sheet per table).
REPORT_FORMATS: tuple[str, ...] = ("xlsx", "csv")
