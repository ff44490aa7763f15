"""A small fixed ticket history whose KPIs are computed by hand in the tests.

``NOW`` is 2026-03-20 12:00 UTC; the report covers 2026-03-01 .. 2026-03-20 in Shanghai time
(``[2026-02-28 16:00Z, 2026-03-20 16:00Z)``). :data:`TICKETS` lists each ticket (created at
02:00Z = 10:00 Shanghai unless noted; ``fr``/``res``: first response / resolution after
creation), :data:`CLOCKS` the SLA clocks and :data:`EVENTS` the transfers and assignments.
In short:

* in the period: t1 t2 t3 t4 t5 t6 t7 t10 (t7 at 22:00Z on the 19th, the 20th in Shanghai);
* before it: t8 and t9 still open (backlog), t11 resolved (counted nowhere);
* resolved: t1 t2 t3 t4 t10; reopened: t3 (resolved again) and t5 (open again);
* handed off: t2 and t6 transferred (t6 twice), t4 assigned cs→ws; t1 (ws→ws) and t10
  (None→ws) assignments stay first-contact;
* on site: t1 8h→10h (e1), t3 3h→4h (e2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.customers.models import Customer
from gongdan.definitions.models import DefinitionRevision
from gongdan.reports.params import ReportParams
from gongdan.sla.models import SlaClock
from gongdan.tickets.models import Ticket, TicketEvent

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
PARAMS = ReportParams(date(2026, 3, 1), date(2026, 3, 20), now=NOW)
H = timedelta(hours=1)


@dataclass
class ReportWorld:
    """Ids of the fixed data set by name."""

    tickets: dict[str, int]
    users: dict[str, int]
    customers: dict[str, int]


def _at(month: int, day: int, hour: int = 2) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


TICKETS: dict[str, dict[str, Any]] = {
    "t1": dict(at=_at(3, 2), type="repair", channel="phone", cust="A", dept="ws", eng="e1",
               product="p1", fault="F1", fr=1 * H, res=10 * H, state="closed", check_in=8 * H),
    "t2": dict(at=_at(3, 3), type="repair", channel="phone", cust="A", dept="ws", eng="e1",
               product="p1", fault="F1", fr=2 * H, res=20 * H, state="resolved"),
    "t3": dict(at=_at(3, 5), type="repair", channel="web", cust="B", dept="ws", eng="e2",
               product="p2", fault="F2", fr=H / 2, res=4 * H, state="closed", reopens=1,
               check_in=3 * H),
    "t4": dict(at=_at(3, 10), type="consultation", channel="phone", cust="B", dept="cs",
               fr=1 * H, res=2 * H, state="closed"),
    "t5": dict(at=_at(3, 12), type="repair", channel="email", cust="A", dept="ws", eng="e2",
               product="p2", fault="F1", fr=3 * H, state="open", reopens=1),
    "t6": dict(at=_at(3, 18), type="repair", channel="phone", cust="A", dept="ws", eng="e1",
               product="p1", state="open"),
    "t7": dict(at=_at(3, 19, 22), type="complaint", channel="wechat", cust="B", dept="cs",
               state="paused"),
    "t8": dict(at=_at(2, 20), type="repair", channel="phone", cust="A", dept="ws", eng="e1",
               state="open"),
    "t9": dict(at=_at(1, 1), type="repair", channel="phone", cust="A", dept="ws", eng="e2",
               state="open"),
    "t10": dict(at=_at(3, 15), type="installation", channel="portal", cust="B", dept="ws",
                eng="e2", product="p3", fault="F2", fr=1 * H, res=6 * H, state="closed"),
    "t11": dict(at=_at(2, 25), type="repair", channel="phone", cust="A", dept="ws", eng="e1",
                product="p1", fault="F1", fr=1 * H, res=5 * H, state="resolved"),
}  # fmt: skip

#: (ticket, metric, business seconds, met) of stopped clocks; None: a running clock.
CLOCKS: tuple[tuple[str, str, float, bool | None], ...] = (
    ("t1", "first_response", 1800, True),
    ("t1", "resolution", 20000, True),
    ("t2", "first_response", 3600, True),
    ("t2", "resolution", 30000, False),
    ("t3", "resolution", 10000, True),
    ("t5", "first_response", 7200, False),
    ("t6", "resolution", 900, None),
    ("t10", "resolution", 40000, True),
    ("t11", "first_response", 100, False),
    ("t11", "resolution", 100, False),
)

#: (ticket, kind, data) events.
EVENTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("t1", "assigned", {"from_department": "ws", "to_department": "ws"}),
    ("t2", "transferred", {"from": "cs", "to": "ws"}),
    ("t4", "assigned", {"from_department": "cs", "to_department": "ws"}),
    ("t6", "transferred", {"from": "cs", "to": "ws"}),
    ("t6", "transferred", {"from": "ws", "to": "cs"}),
    ("t10", "assigned", {"from_department": None, "to_department": "ws"}),
    ("t11", "transferred", {"from": "cs", "to": "ws"}),
)

CATEGORIES = {"open": "open", "paused": "paused", "resolved": "resolved", "closed": "closed"}


def build_report_world(session: Session) -> ReportWorld:
    """Insert the data set above and commit; the ids by name."""
    for key, title in (("ws", "Workshop"), ("cs", "Customer service")):
        session.add(Department(key=key, title_zh=f"{title} zh", title_en=title))
    customers = {
        "A": Customer(code="A", name="Acme", region="east"),
        "B": Customer(code="B", name="Bolt", region="north"),
    }
    session.add_all(customers.values())
    session.flush()
    users = {
        "e1": User(username="e1", display_name="Engineer One", role="engineer", capacity=4),
        "e2": User(username="e2", display_name="Engineer Two", role="engineer", capacity=2),
    }
    session.add_all(users.values())
    revision = DefinitionRevision(
        kind="TicketType", key="any", revision=1, content_hash="x", document={},
        status="retired", author="test",
    )  # fmt: skip
    session.add(revision)
    session.flush()
    tickets: dict[str, Ticket] = {}
    for name, spec in TICKETS.items():
        created: datetime = spec["at"]
        fields = {k: spec[s] for k, s in (("product_model", "product"), ("fault_code", "fault"))
                  if s in spec}  # fmt: skip
        resolved = created + spec["res"] if "res" in spec else None
        ticket = Ticket(
            number=f"R-{name}", type_key=spec["type"], ticket_type_revision_id=revision.id,
            workflow_revision_id=revision.id, state=spec["state"],
            state_category=CATEGORIES[spec["state"]], channel=spec["channel"],
            customer_id=customers[spec["cust"]].id, department_key=spec["dept"],
            assignee_id=users[spec["eng"]].id if "eng" in spec else None,
            subject=f"subject {name}", fields=fields, created_at=created, updated_at=created,
            first_response_at=created + spec["fr"] if "fr" in spec else None,
            resolved_at=resolved, closed_at=resolved if spec["state"] == "closed" else None,
            checked_in_at=created + spec["check_in"] if "check_in" in spec else None,
            reopen_count=spec.get("reopens", 0),
        )  # fmt: skip
        session.add(ticket)
        tickets[name] = ticket
    session.flush()
    for name, metric, seconds, met in CLOCKS:
        ticket = tickets[name]
        stopped = None if met is None else ticket.created_at + H
        session.add(
            SlaClock(
                ticket_id=ticket.id,
                metric=metric,
                policy_key="standard",
                policy_revision_id=revision.id,
                priority="normal",
                target_seconds=14400,
                started_at=ticket.created_at,
                running_since=ticket.created_at if met is None else None,
                business_seconds_used_before_pause=seconds,
                stopped_at=stopped,
                met=met,
                breached=None if met is None else not met,
            )  # fmt: skip
        )
    for name, kind, data in EVENTS:
        ticket = tickets[name]
        session.add(
            TicketEvent(ticket_id=ticket.id, kind=kind, created_at=ticket.created_at, data=data)
        )
    session.commit()
    return ReportWorld(
        {name: t.id for name, t in tickets.items()},
        {name: u.id for name, u in users.items()},
        {name: c.id for name, c in customers.items()},
    )
