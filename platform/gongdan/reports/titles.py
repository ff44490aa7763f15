"""What the report pages call each KPI, column, dimension and period (translated)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext

KPI_TITLES: Mapping[str, Any] = {
    "volume": lazy_gettext("Ticket volume"),
    "first_response": lazy_gettext("First response time"),
    "resolution": lazy_gettext("Resolution time"),
    "sla": lazy_gettext("On-time rate per SLA metric"),
    "first_contact": lazy_gettext("First-contact resolution"),
    "reopen": lazy_gettext("Reopen rate"),
    "backlog": lazy_gettext("Backlog and ageing"),
    "workload": lazy_gettext("Engineer workload and utilisation"),
    "transfers": lazy_gettext("Transfers per ticket"),
    "top_fault_codes": lazy_gettext("Top fault codes"),
    "top_products": lazy_gettext("Top products"),
}

COLUMN_TITLES: Mapping[str, Any] = {
    "group": lazy_gettext("Group"),
    "tickets": lazy_gettext("Tickets"),
    "open": lazy_gettext("Open"),
    "resolved": lazy_gettext("Resolved"),
    "closed": lazy_gettext("Closed"),
    "responded": lazy_gettext("Responded"),
    "mean_seconds": lazy_gettext("Mean (h, wall clock)"),
    "median_seconds": lazy_gettext("Median (h, wall clock)"),
    "business_measured": lazy_gettext("Measured by SLA clock"),
    "mean_business_seconds": lazy_gettext("Mean (h, business time)"),
    "median_business_seconds": lazy_gettext("Median (h, business time)"),
    "metric": lazy_gettext("SLA metric"),
    "stopped": lazy_gettext("Clocks stopped"),
    "met": lazy_gettext("Met"),
    "breached": lazy_gettext("Breached"),
    "on_time_rate": lazy_gettext("On-time rate"),
    "first_contact": lazy_gettext("Resolved at first contact"),
    "rate": lazy_gettext("Rate"),
    "ever_resolved": lazy_gettext("Ever resolved"),
    "reopened": lazy_gettext("Reopened"),
    "age_0_1d": lazy_gettext("< 1 day"),
    "age_1_3d": lazy_gettext("1–3 days"),
    "age_3_7d": lazy_gettext("3–7 days"),
    "age_7_30d": lazy_gettext("7–30 days"),
    "age_30d_plus": lazy_gettext("> 30 days"),
    "mean_age_days": lazy_gettext("Mean age (days)"),
    "engineer": lazy_gettext("Engineer id"),
    "assigned": lazy_gettext("Assigned"),
    "capacity": lazy_gettext("Capacity"),
    "utilisation": lazy_gettext("Utilisation"),
    "on_site_visits": lazy_gettext("On-site visits"),
    "on_site_seconds": lazy_gettext("On-site time (h)"),
    "transferred_tickets": lazy_gettext("Transferred tickets"),
    "transfers": lazy_gettext("Transfers"),
    "transfers_per_ticket": lazy_gettext("Transfers per ticket"),
    "fault_code": lazy_gettext("Fault code"),
    "product": lazy_gettext("Product"),
}

DIMENSION_TITLES: Mapping[str, Any] = {
    "period": lazy_gettext("Period"),
    "region": lazy_gettext("Region"),
    "customer": lazy_gettext("Customer"),
    "department": lazy_gettext("Department"),
    "engineer": lazy_gettext("Engineer"),
    "product": lazy_gettext("Product"),
    "type": lazy_gettext("Ticket type"),
    "channel": lazy_gettext("Channel"),
}

PERIOD_TITLES: Mapping[str, Any] = {
    "day": lazy_gettext("Day"),
    "week": lazy_gettext("Week"),
    "month": lazy_gettext("Month"),
    "quarter": lazy_gettext("Quarter"),
    "year": lazy_gettext("Year"),
}

METRIC_TITLES: Mapping[str, Any] = {
    "first_response": lazy_gettext("First response"),
    "on_site": lazy_gettext("On-site arrival"),
    "resolution": lazy_gettext("Resolution"),
}


def column_titles() -> dict[str, str]:
    """Every column title as text in the current language."""
    return {key: str(title) for key, title in COLUMN_TITLES.items()}
