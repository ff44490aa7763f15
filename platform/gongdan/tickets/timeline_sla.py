"""Timeline lines for what the system did on its own: SLA clocks, escalations, routing.

The SLA and routing services record structured event data (``gongdan.sla.services``,
``gongdan.sla.ladder``, ``gongdan.routing.services``); this turns it into sentences in the
current language so that the timeline says why each thing happened.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext

from gongdan import i18n
from gongdan.db import db
from gongdan.definitions.models import DefinitionRevision
from gongdan.tickets.sla_panel import human_remaining, local_time, metric_title

#: Event kinds whose lines come entirely from here (no generic reason/rule/why lines).
SYSTEM_KINDS: frozenset[str] = frozenset(
    {"sla_attached", "sla_retargeted", "sla_stopped", "escalated"}
)

Person = Callable[[Any], str]


def system_titles() -> dict[str, str]:
    """Timeline titles of the system's own events."""
    return {
        "sla_attached": gettext("Service level attached"),
        "sla_retargeted": gettext("Service level re-targeted"),
        "sla_stopped": gettext("Service level clock stopped"),
        "escalated": gettext("Escalated"),
        # Callback surveys (gongdan.surveys) record these; their lines are the "why".
        "survey_scheduled": gettext("Survey scheduled"),
        "survey_sent": gettext("Survey sent"),
        "survey_answered": gettext("Survey answered"),
        "survey_followup": gettext("Survey follow-up"),
        "survey_origin": gettext("Opened from a survey"),
    }


def _duration(seconds: Any) -> str:
    return human_remaining(dt.timedelta(seconds=int(seconds or 0)))


def _due(value: Any) -> str:
    if not isinstance(value, str):
        return "—"
    try:
        return local_time(dt.datetime.fromisoformat(value))
    except ValueError:
        return value


def _policy_title(data: Mapping[str, Any]) -> str:
    """The pinned policy revision's title in the current language, else its key."""
    key = str(data.get("policy", ""))
    revision_id = data.get("revision")
    revision = (
        db.session.get(DefinitionRevision, revision_id) if isinstance(revision_id, int) else None
    )
    if revision is None:
        return key
    return i18n.local_text((revision.document or {}).get("title"), key)


def _priority(key: Any) -> str:
    return str(i18n.PRIORITY_TITLES.get(str(key), key or "—"))


def _strategy(key: Any) -> str:
    titles = {
        "round_robin": gettext("round robin"),
        "least_loaded": gettext("least loaded"),
        "skill_match": gettext("skill match"),
        "nearest": gettext("nearest engineer"),
        "by_field": gettext("by field value"),
    }
    return titles.get(str(key), str(key))


def _policy_why(why: Any) -> str:
    """The service's reason for the policy choice, in the current language."""
    text = str(why or "")
    if text == "default policy":
        return gettext("no other policy matched; this is the default policy")
    if text == "policy without a condition":
        return gettext("the policy has no condition")
    found = re.fullmatch(r"condition of policy '(.+)' holds \(order (-?\d+)\)", text)
    if found:
        return gettext(
            "the ticket meets the policy's condition (order %(order)s)", order=found.group(2)
        )
    return text


def _stop_why(why: Any) -> str:
    text = str(why or "")
    if text == "first response given or engineer checked in":
        return gettext("first response given or engineer checked in")
    found = re.fullmatch(r"the ticket is (\w+)", text)
    if found:
        return gettext("the ticket is %(state)s", state=found.group(1))
    return text


def _action(record: Mapping[str, Any], person: Person) -> str:
    """One action a rung ran: what it did, or why it did nothing."""
    kind = str(record.get("do", ""))
    if kind == "notify":
        text = gettext(
            "notified %(to)s (template %(template)s, %(n)s messages)",
            to=", ".join(str(r) for r in record.get("to") or []),
            template=record.get("template", ""),
            n=record.get("messages", 0),
        )
    elif kind == "set":
        text = gettext(
            "set %(field)s: %(before)s → %(after)s",
            field=record.get("field", ""),
            before=record.get("from") or "—",
            after=record.get("to") or "—",
        )
    elif kind in ("route", "assign"):
        text = gettext("assigned to %(who)s", who=person(record.get("assignee")))
    elif kind == "transfer":
        text = gettext(
            "transferred %(source)s → %(target)s",
            source=record.get("from") or "—",
            target=record.get("to") or record.get("department") or "—",
        )
    else:
        text = kind
    if record.get("skipped"):
        text = gettext("%(action)s: skipped (%(why)s)", action=kind, why=record["skipped"])
    if record.get("error"):
        text = gettext("%(action)s: failed (%(why)s)", action=kind, why=record["error"])
    return text


def system_lines(kind: str, data: Mapping[str, Any], person: Person) -> list[str]:
    """The lines of an SLA or escalation event (``kind`` in :data:`SYSTEM_KINDS`)."""
    lines: list[str] = []
    if kind == "sla_attached":
        lines.append(
            gettext(
                "Policy: %(policy)s · priority %(priority)s · calendar %(calendar)s",
                policy=_policy_title(data),
                priority=_priority(data.get("priority")),
                calendar=data.get("calendar") or "—",
            )
        )
        for metric, due in (data.get("clocks") or {}).items():
            lines.append(f"{metric_title(metric)}: {gettext('due')} {_due(due)}")
        lines.append(f"{gettext('Why')}: {_policy_why(data.get('why'))}")
    elif kind == "sla_retargeted":
        for item in data.get("clocks") or []:
            lines.append(
                gettext(
                    "%(metric)s: priority %(before)s → %(after)s, target %(t1)s → %(t2)s, "
                    "due %(due)s",
                    metric=metric_title(str(item.get("metric"))),
                    before=_priority(item.get("from")),
                    after=_priority(item.get("to")),
                    t1=_duration(item.get("target_from")),
                    t2=_duration(item.get("target_to")),
                    due=_due(item.get("due_at")),
                )
            )
        lines.append(f"{gettext('Why')}: {gettext('the priority changed; time used is kept')}")
    elif kind == "sla_stopped":
        for metric, item in (data.get("clocks") or {}).items():
            verdict = gettext("met") if item.get("met") else gettext("breached")
            lines.append(
                gettext(
                    "%(metric)s: %(verdict)s (used %(used)s of %(target)s)",
                    metric=metric_title(metric),
                    verdict=verdict,
                    used=_duration(item.get("used_seconds")),
                    target=_duration(item.get("target_seconds")),
                )
            )
        lines.append(f"{gettext('Why')}: {_stop_why(data.get('why'))}")
    elif kind == "escalated":
        lines.append(
            gettext(
                "Level %(level)s · %(metric)s · threshold %(threshold)s",
                level=data.get("level", ""),
                metric=metric_title(str(data.get("metric", ""))),
                threshold=data.get("threshold", ""),
            )
        )
        lines.append(
            gettext(
                "Used %(used)s of %(target)s (%(percent)s%%), due %(due)s",
                used=_duration(data.get("elapsed_seconds")),
                target=_duration(data.get("target_seconds")),
                percent=data.get("elapsed_percent", ""),
                due=_due(data.get("due_at")),
            )
        )
        for record in data.get("actions") or []:
            lines.append(f"{gettext('Action')}: {_action(record, person)}")
        lines.append(
            f"{gettext('Why')}: "
            + gettext(
                "%(metric)s reached %(threshold)s of its target",
                metric=metric_title(str(data.get("metric", ""))),
                threshold=data.get("threshold", ""),
            )
        )
    return lines


def routing_lines(data: Mapping[str, Any], person: Person) -> list[str]:
    """Extra lines of an automatic ``assigned`` event: strategy, who was passed over."""
    lines: list[str] = []
    if data.get("strategy"):
        lines.append(f"{gettext('Strategy')}: {_strategy(data['strategy'])}")
    skipped = [
        f"{person(item[0])} ({item[1]})"
        for item in data.get("skipped") or []
        if isinstance(item, (list, tuple)) and len(item) == 2
    ]
    if skipped:
        lines.append(f"{gettext('Passed over')}: {', '.join(skipped)}")
    if data.get("queue") and data.get("to") is None:
        lines.append(f"{gettext('Queue')}: {data['queue']}")
    return lines
