"""SLA clocks as agents read them: deadline in local time, remaining business time, colour.

The clocks come from :func:`gongdan.sla.sla_status` / :func:`gongdan.sla.sla_status_many`; this
module only turns them into text for the ticket page and the ticket lists (the templates escape
it). Deadlines are shown in Asia/Shanghai, where the service desk works.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext
from sqlalchemy.orm import Session

from gongdan import i18n
from gongdan.definitions.models import DefinitionRevision
from gongdan.sla.clock import ClockView
from gongdan.tickets.models import Ticket

#: The desk's time zone: deadlines are shown in it whatever the server's zone.
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")

#: Bootstrap colour of each clock state (ok green, at risk amber, breached red ...).
STATE_COLOURS: Mapping[str, str] = {
    "ok": "success",
    "at_risk": "warning",
    "breached": "danger",
    "paused": "secondary",
    "met": "primary",
}

#: Which running clock is the most urgent: breached first, then at risk, then ok.
_URGENCY = {"breached": 0, "at_risk": 1, "ok": 2, "paused": 3, "met": 4}


@dataclass(frozen=True)
class ClockLine:
    """One clock ready to show: titles, local deadline, human remaining time, badge colour."""

    metric: str
    metric_title: str
    state: str
    state_title: str
    colour: str
    due_local: str
    remaining_text: str
    percent: int
    policy_title: str


def metric_title(metric: str) -> str:
    """首次响应 / first response, 解决 / resolution, 到场 / on-site."""
    titles = {
        "first_response": gettext("First response"),
        "resolution": gettext("Resolution"),
        "on_site": gettext("On-site arrival"),
    }
    return titles.get(metric, metric)


def state_title(state: str) -> str:
    """The badge text of a clock state."""
    titles = {
        "ok": gettext("On track"),
        "at_risk": gettext("At risk"),
        "breached": gettext("Breached"),
        "paused": gettext("Paused"),
        "met": gettext("Met"),
    }
    return titles.get(state, state)


def _hours_minutes(seconds: int) -> str:
    minutes = max(0, seconds) // 60
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return gettext("%(d)s d %(h)s h", d=days, h=hours)
    if hours:
        return gettext("%(h)s h %(m)s min", h=hours, m=minutes)
    return gettext("%(m)s min", m=minutes)


def human_remaining(remaining: dt.timedelta) -> str:
    """``2 小时 15 分`` / ``2 h 15 min`` left, or ``超时 35 分`` / ``35 min late``."""
    seconds = int(remaining.total_seconds())
    if seconds < 0:
        return gettext("%(time)s late", time=_hours_minutes(-seconds))
    return _hours_minutes(seconds)


def local_time(value: dt.datetime | None) -> str:
    """``2026-11-24 16:05`` in Asia/Shanghai; ``—`` when there is no deadline (paused)."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M")


def policy_title(session: Session, ticket: Ticket, fallback: str) -> str:
    """The title of the SlaPolicy revision pinned on ``ticket`` in the current language."""
    revision_id = ticket.sla_policy_revision_id
    revision = session.get(DefinitionRevision, revision_id) if revision_id else None
    if revision is None:
        return fallback
    return i18n.local_text((revision.document or {}).get("title"), fallback)


def clock_line(view: ClockView, policy: str = "") -> ClockLine:
    """One clock as text."""
    return ClockLine(
        metric=view.metric,
        metric_title=metric_title(view.metric),
        state=view.state,
        state_title=state_title(view.state),
        colour=STATE_COLOURS.get(view.state, "secondary"),
        due_local=local_time(view.due_at),
        remaining_text=human_remaining(view.remaining),
        percent=round(view.percent),
        policy_title=policy or view.policy,
    )


def panel(session: Session, ticket: Ticket, views: Sequence[ClockView]) -> list[ClockLine]:
    """The ticket page's SLA panel: every clock of ``ticket``, metric order."""
    if not views:
        return []
    title = policy_title(session, ticket, views[0].policy)
    return [clock_line(view, title) for view in views]


def most_urgent(views: Sequence[ClockView]) -> ClockLine | None:
    """The list column: the running clock closest to (or furthest past) its deadline."""
    running = [v for v in views if v.state in ("ok", "at_risk", "breached")]
    if not running:
        return None
    chosen = min(running, key=lambda v: (_URGENCY[v.state], v.remaining))
    return clock_line(chosen)
