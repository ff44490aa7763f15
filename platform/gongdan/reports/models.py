"""The daily summary the dashboard reads instead of the whole ticket history (migration 0011).

Tickets are summarised by the service-time-zone **day they were created** — the same scope as
every KPI — and by the dimensions the dashboard groups and filters by most (department,
channel, type). A row holds counts and sums, so any set of days adds up exactly:

* :class:`ReportDailySummary` — per day × department × channel × type: the counts and the
  sums of seconds behind volume, response and resolution means, first-contact, reopen,
  transfers and the SLA on-time rates;
* :class:`ReportDailyDuration` — per day: how many response and resolution times fall in each
  bucket of a logarithmic histogram (width 5 %), from which medians are read;
* :class:`ReportDailyValue` — per day: tickets per product model and per fault code (the
  "top" lists);
* :class:`ReportSummaryDay` — the days summarised and when; a day absent here is never read
  from the summary.

:mod:`gongdan.reports.summary` fills them; :mod:`gongdan.reports.summary_read` reads them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gongdan.db import Base, UTCDateTime, utcnow
from gongdan.tickets.models import Ticket

#: SLA metrics with columns of their own in the summary (``sla.models.METRICS``).
SUMMARY_METRICS: tuple[str, ...] = ("first_response", "on_site", "resolution")

# The summary refresh finds the days whose tickets changed since its last run by this index.
Index("ix_tickets_updated_at", Ticket.updated_at)


class ReportDailySummary(Base):
    """Counts and sums of the tickets created on one day, per department, channel and type."""

    __tablename__ = "report_daily_summary"
    __table_args__ = (Index("ix_report_daily_summary_day", "day", "department_key", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``YYYY-MM-DD`` in the service time zone (text sorts and compares like the date).
    day: Mapped[str] = mapped_column(String(10))
    department_key: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(16))
    type_key: Mapped[str | None] = mapped_column(String(64))
    tickets: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    responded: Mapped[int] = mapped_column(Integer, default=0)
    response_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    response_business_measured: Mapped[int] = mapped_column(Integer, default=0)
    response_business_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    resolution_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    resolution_business_measured: Mapped[int] = mapped_column(Integer, default=0)
    resolution_business_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    first_contact: Mapped[int] = mapped_column(Integer, default=0)
    ever_resolved: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    transferred_tickets: Mapped[int] = mapped_column(Integer, default=0)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    sla_first_response_stopped: Mapped[int] = mapped_column(Integer, default=0)
    sla_first_response_met: Mapped[int] = mapped_column(Integer, default=0)
    sla_first_response_breached: Mapped[int] = mapped_column(Integer, default=0)
    sla_on_site_stopped: Mapped[int] = mapped_column(Integer, default=0)
    sla_on_site_met: Mapped[int] = mapped_column(Integer, default=0)
    sla_on_site_breached: Mapped[int] = mapped_column(Integer, default=0)
    sla_resolution_stopped: Mapped[int] = mapped_column(Integer, default=0)
    sla_resolution_met: Mapped[int] = mapped_column(Integer, default=0)
    sla_resolution_breached: Mapped[int] = mapped_column(Integer, default=0)


class ReportDailyDuration(Base):
    """Response/resolution times of one day's tickets in a logarithmic histogram."""

    __tablename__ = "report_daily_durations"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    #: ``response``, ``response_business``, ``resolution`` or ``resolution_business``.
    measure: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: ``floor(ln(seconds) / ln(1.05))``; -1 for under a second (see ``reports.histogram``).
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tickets: Mapped[int] = mapped_column(Integer, default=0)


class ReportDailyValue(Base):
    """Tickets of one day per product model or fault code."""

    __tablename__ = "report_daily_values"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    #: ``product`` or ``fault_code``.
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    tickets: Mapped[int] = mapped_column(Integer, default=0)


class ReportSummaryDay(Base):
    """A day whose tickets are in the summary, and when they were last summarised."""

    __tablename__ = "report_summary_days"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
