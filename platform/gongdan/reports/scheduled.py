"""A report sent by e-mail on a schedule: the ``send_report`` action of an Automation.

``{do: send_report, report: dashboard, period: last_week, format: xlsx, to: [role:x]}`` writes
one e-mail per recipient to the notification outbox (delivered, retried and recorded like
every notification) with the report's headline figures in the text and a link to the XLSX
(or CSV) export of the same period — the file a manager would download from ``/reports``.
The dashboard reads the daily summary, which the ``reports`` sweep refreshes just before the
automations run.

The period is fixed by the schedule slot, not by when the sweep happens to run: a report for
"last week" sent late on Tuesday still covers Monday to Sunday before the slot.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.db import utcnow
from gongdan.jobs.runner import enqueue_after_commit
from gongdan.notifications.models import NotificationOutbox
from gongdan.notifications.outbox import DELIVER_JOB, MAX_GROUP_RECIPIENTS
from gongdan.notifications.render import base_url
from gongdan.reports.names import REPORT_FORMATS, REPORT_NAMES, REPORT_PERIODS
from gongdan.reports.params import ReportParams, service_date
from gongdan.reports.services import dashboard

__all__ = ["REPORT_FORMATS", "REPORT_NAMES", "REPORT_PERIODS", "report_dates", "send_report"]

_LABELS: Mapping[str, Mapping[str, str]] = {
    "zh": {
        "subject": "服务报表 {report}：{start} 至 {end}",
        "intro": "{start} 至 {end} 创建的工单（{report}）：",
        "tickets": "工单数",
        "first_response": "平均首次响应（工作小时）",
        "resolution": "平均 / 中位解决时长（工作小时）",
        "on_time": "SLA 按时率",
        "first_contact": "首次解决率",
        "reopen": "重开率",
        "backlog": "当前未结",
        "download": "下载（{fmt}）",
    },
    "en": {
        "subject": "Service report {report}: {start} to {end}",
        "intro": "Tickets created {start} to {end} ({report}):",
        "tickets": "Tickets",
        "first_response": "Mean first response (business hours)",
        "resolution": "Mean / median resolution (business hours)",
        "on_time": "SLA on time",
        "first_contact": "First-contact resolution",
        "reopen": "Reopen rate",
        "backlog": "Open now",
        "download": "Download ({fmt})",
    },
}


def report_dates(period: str, today: date) -> tuple[date, date]:
    """The first and last day ``period`` names, seen from ``today`` (both included).

    :raises ValueError: an unknown period.
    """
    yesterday = today - timedelta(days=1)
    if period == "yesterday":
        return yesterday, yesterday
    if period == "last_week":  # Monday to Sunday before this week
        monday = today - timedelta(days=today.weekday() + 7)
        return monday, monday + timedelta(days=6)
    if period == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last.replace(day=monthrange(last.year, last.month)[1])
    if period in ("last_7_days", "last_30_days"):
        days = 7 if period == "last_7_days" else 30
        return today - timedelta(days=days), yesterday
    raise ValueError(f"unknown report period {period!r}")


def report_link(report: str, fmt: str, params: ReportParams) -> str:
    """The absolute address of the report's export for ``params``' dates."""
    query = urlencode({"from": params.date_from.isoformat(), "to": params.date_to.isoformat()})
    return f"{base_url()}/reports/export/{report}.{fmt}?{query}"


def _hours(seconds: Any) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f}"


def _percent(share: Any) -> str:
    return "—" if share is None else f"{share * 100:.1f} %"


def report_message(
    report: str, fmt: str, params: ReportParams, headline: Mapping[str, Any], language: str
) -> tuple[str, str]:
    """The subject and text of the e-mail: headline figures and the download link."""
    labels = _LABELS["en" if language.startswith("en") else "zh"]
    names = {"report": report, "start": params.date_from, "end": params.date_to}
    on_time = ", ".join(
        f"{metric} {_percent(rate)}" for metric, rate in sorted(headline["on_time_rate"].items())
    )
    lines = [
        labels["intro"].format(**names),
        "",
        f"{labels['tickets']}: {headline['tickets']}",
        f"{labels['first_response']}: {_hours(headline['first_response_business_seconds'])}",
        f"{labels['resolution']}: {_hours(headline['resolution_mean_business_seconds'])} / "
        f"{_hours(headline['resolution_median_business_seconds'])}",
        f"{labels['on_time']}: {on_time or '—'}",
        f"{labels['first_contact']}: {_percent(headline['first_contact_rate'])}",
        f"{labels['reopen']}: {_percent(headline['reopen_rate'])}",
        f"{labels['backlog']}: {headline['backlog']}",
        "",
        f"{labels['download'].format(fmt=fmt.upper())}: {report_link(report, fmt, params)}",
    ]
    return labels["subject"].format(**names), "\n".join(lines) + "\n"


def report_recipients(session: Session, targets: list[str]) -> list[User]:
    """Active staff with an e-mail address named by ``role:x`` / ``department:x``; each once."""
    conditions: list[sa.ColumnElement[bool]] = []
    for target in targets:
        kind, _, name = target.partition(":")
        if kind == "role":
            conditions.append(User.role == name)
        elif kind == "department":
            conditions.append(User.department.has(Department.key == name))
    if not conditions:
        return []
    query = (
        sa.select(User)
        .where(sa.or_(*conditions), User.active.is_(True), User.role != "customer")
        .where(User.email.is_not(None), User.email != "")
        .order_by(User.id)
        .limit(MAX_GROUP_RECIPIENTS)
    )
    return list(session.scalars(query))


def send_report(
    session: Session, action: Mapping[str, Any], occurrence: str, slot: datetime
) -> dict[str, Any]:
    """Write the report e-mails of ``action`` for the slot to the outbox (no commit).

    Returns what was done, for the automation's run record.
    """
    report, fmt = str(action.get("report")), str(action.get("format") or "xlsx")
    first, last = report_dates(str(action.get("period")), service_date(slot))
    params = ReportParams(first, last, now=slot)
    headline = dashboard(session, params).headline
    now = utcnow()
    ids: list[int] = []
    for user in report_recipients(session, list(action.get("to") or ())):
        language = "en" if (user.locale or "").startswith("en") else "zh"
        subject, body = report_message(report, fmt, params, headline, language)
        row = NotificationOutbox(
            event=f"{occurrence}:report:{report}"[:120], template_key=f"report_{report}"[:64],
            channel="email", recipient_kind="report", recipient_ref=f"user:{user.id}",
            recipient_name=user.display_name[:200], recipient_address=str(user.email)[:500],
            language=language, subject=subject, body=body, ticket_id=None, status="pending",
            attempts=0, next_attempt_at=now, created_at=now,
            dedupe_key=f"{occurrence}:report:{report}:email:user:{user.id}"[:400],
        )  # fmt: skip
        session.add(row)
        session.flush()
        ids.append(row.id)
        enqueue_after_commit(session, DELIVER_JOB, row.id, job_id=f"deliver-{row.id}-0")
    return {
        "do": "send_report",
        "report": report,
        "period": [first.isoformat(), last.isoformat()],
        "format": fmt,
        "messages": len(ids),
        "tickets": headline["tickets"],
    }
