"""Six months of demo history, so that ``/reports`` has something to show after ``make run``.

:func:`load_demo_history` writes about 3 000 finished and open tickets over the last 180 days
for the demo customers, engineers, ticket types, channels and products: first responses,
resolutions, SLA clocks met and missed, transfers between departments, reopens, on-site
visits — in bulk (one multi-row ``INSERT`` per table, a second or two on SQLite), from a seeded
random generator so every demo looks the same, and only once (a second run finds them).

They are honest about what they are: numbered ``DH-…`` and with subjects starting
:data:`SUBJECT_PREFIX`, so nobody takes them for real work; :func:`history_plan` (pure) decides
every value, :func:`load_demo_history` only gathers the definitions and writes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.customers.models import Customer
from gongdan.db import utcnow
from gongdan.definitions.registry import compiled_active_set
from gongdan.sla.models import SlaClock
from gongdan.tickets.models import Ticket, TicketEvent

#: Every demo history ticket's number starts with this, and its subject with the next.
NUMBER_PREFIX = "DH-"
SUBJECT_PREFIX = "[演示历史] "
TICKETS = 3000
DAYS = 180
SEED = 20261206
TYPE_WEIGHTS = {"repair": 50, "consultation": 20, "installation": 9, "upgrade": 8,
                "complaint": 6, "depot_repair": 7}  # fmt: skip
PRIORITY_WEIGHTS = {"low": 10, "normal": 60, "high": 22, "urgent": 8}
CHANNEL_WEIGHTS = {"phone": 38, "wechat": 17, "portal": 14, "email": 12, "web": 9, "api": 7,
                   "sms": 3}  # fmt: skip
#: Typical hours to first response and to resolution by priority (log-normal medians).
RESPONSE_HOURS = {"urgent": 0.3, "high": 1.0, "normal": 2.5, "low": 5.0}
RESOLUTION_HOURS = {"urgent": 5.0, "high": 14.0, "normal": 30.0, "low": 60.0}
SUBJECTS = ("咖啡机不出水", "蒸汽棒漏水", "磨豆机异响", "净水器报警", "制冰机不制冰",
            "设备安装", "固件升级", "清洗保养咨询", "上门超时投诉", "显示屏故障代码")  # fmt: skip


@dataclass(frozen=True)
class TypeShape:
    """What the history needs to know of one ticket type and its workflow."""

    key: str
    type_revision_id: int
    workflow_revision_id: int
    #: ``(state, category, owning department)`` of the workflow, in its order.
    states: tuple[tuple[str, str, str | None], ...]


@dataclass(frozen=True)
class HistoryPlan:
    """Rows to insert: tickets, and per ticket index its clocks and events."""

    tickets: list[dict[str, Any]]
    clocks: list[tuple[int, dict[str, Any]]]
    events: list[tuple[int, dict[str, Any]]]


def _pick(rng: random.Random, weights: Mapping[str, int], allowed: Sequence[str]) -> str:
    names = [name for name in weights if name in allowed] or list(allowed)
    return rng.choices(names, [weights.get(name, 1) for name in names])[0]


def _hours(rng: random.Random, median: float) -> timedelta:
    return timedelta(hours=median * math.exp(rng.gauss(0, 0.8)))


def _state(shape: TypeShape, category: str) -> tuple[str, str, str | None]:
    return next((s for s in shape.states if s[1] == category), shape.states[0])


def history_plan(
    now: datetime,
    types: Sequence[TypeShape],
    customers: Sequence[int],
    engineers: Mapping[str | None, Sequence[int]],
    products: Sequence[str],
    faults: Sequence[str],
    targets: Mapping[str, Mapping[str, float]],
    *,
    count: int = TICKETS,
    seed: int = SEED,
) -> HistoryPlan:
    """Every value of the demo history (pure: same inputs and seed, same plan)."""
    rng = random.Random(seed)
    by_key = {shape.key: shape for shape in types}
    plan = HistoryPlan([], [], [])
    for index in range(count):
        # More recent days see more tickets (a growing desk), office hours in Shanghai.
        age_days = DAYS * (1 - math.sqrt(rng.random())) + 1
        day = now - timedelta(days=int(age_days))
        created = day.replace(hour=rng.randint(1, 10), minute=rng.randint(0, 59), second=0,
                              microsecond=0)  # fmt: skip
        shape = by_key[_pick(rng, TYPE_WEIGHTS, list(by_key))]
        priority = _pick(rng, PRIORITY_WEIGHTS, list(PRIORITY_WEIGHTS))
        age = now - created
        roll = rng.random()
        category = (
            ("open" if roll < 0.3 else "paused" if roll < 0.35 else "resolved")
            if age < timedelta(days=5)
            else ("open" if roll < 0.01 else "resolved" if roll < 0.05 else "closed")
        )
        state, category, department = _state(shape, category)
        if department is None:  # a finished ticket stays with the department that did the work
            owners = [owner for _, kind, owner in shape.states if kind == "open" and owner]
            department = rng.choice(owners[1:] or owners) if owners else None
        response = _hours(rng, RESPONSE_HOURS[priority])
        resolution = max(_hours(rng, RESOLUTION_HOURS[priority]), response + timedelta(hours=1))
        done = category in ("resolved", "closed") and created + resolution < now
        if not done and category in ("resolved", "closed"):
            state, category, department = _state(shape, "open")
        crew = engineers.get(department) or engineers.get(None) or [None]
        fields: dict[str, Any] = {}
        if products and shape.key in ("repair", "depot_repair", "installation", "upgrade"):
            fields["product_model"] = rng.choice(products)
        if faults and done and shape.key in ("repair", "depot_repair"):
            fields["fault_code"] = rng.choice(faults)
        responded = created + response if created + response < now else None
        on_site = done and department == "field_service" and rng.random() < 0.7
        reopens = 1 if done and rng.random() < 0.06 else 0
        plan.tickets.append(
            {
                "number": f"{NUMBER_PREFIX}{created:%Y%m%d}-{index:04d}",
                "type_key": shape.key,
                "ticket_type_revision_id": shape.type_revision_id,
                "workflow_revision_id": shape.workflow_revision_id,
                "state": state, "state_category": category, "priority": priority,
                "channel": _pick(rng, CHANNEL_WEIGHTS, list(CHANNEL_WEIGHTS)),
                "customer_id": rng.choice(customers), "department_key": department,
                # Open history waits in its department's queue: assigned, it would fill the demo
                # engineers' capacity and routing would find them all busy.
                "assignee_id": rng.choice(crew) if done else None,
                "subject": SUBJECT_PREFIX + rng.choice(SUBJECTS),
                "fields": fields, "version": 1, "created_at": created,
                "updated_at": created + resolution if done else responded or created,
                "first_response_at": responded,
                "resolved_at": created + resolution if done else None,
                "closed_at": created + resolution + timedelta(days=2)
                if category == "closed" else None,
                "checked_in_at": created + resolution * 0.7 if on_site else None,
                "reopen_count": reopens,
            }
        )  # fmt: skip
        for metric, wall, stopped in (
            ("first_response", response, responded is not None),
            ("resolution", resolution, done),
        ):
            target = targets.get(priority, {}).get(metric)
            if target is None or not stopped:
                continue
            # Business time is a part of the wall clock; about one clock in six is late.
            business = min(wall.total_seconds() * rng.uniform(0.3, 0.6), target * 0.98)
            if rng.random() < (0.25 if priority == "urgent" else 0.15):
                business = target * rng.uniform(1.05, 2.0)
            plan.clocks.append(
                (index, {"metric": metric, "priority": priority, "target_seconds": int(target),
                         "started_at": created, "stopped_at": created + wall,
                         "business_seconds_used_before_pause": round(business),
                         "met": business <= target, "breached": business > target})
            )  # fmt: skip
        if rng.random() < 0.12:  # handed from the first line to the department now owning it
            plan.events.append(
                (index, {"kind": "transferred", "created_at": created + response,
                         "data": {"from": "customer_service", "to": department,
                                  "demo_history": True}})
            )  # fmt: skip
    return plan


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else value.totimedelta(
        start=utcnow()).total_seconds()  # fmt: skip


def load_demo_history(session: Session) -> int:
    """Write the demo history once (see the module docstring); how many tickets were written."""
    exists = sa.select(Ticket.id).where(Ticket.number.startswith(NUMBER_PREFIX)).limit(1)
    if session.scalar(exists) is not None:
        return 0
    active = compiled_active_set(session)
    types = []
    for key, ticket_type in active.ticket_types.items():
        workflow = active.workflows.get(ticket_type.workflow_key)
        if workflow is None or ticket_type.revision_id is None or workflow.revision_id is None:
            continue
        states = tuple((s.key, s.category, s.owner) for s in workflow.states.values())
        types.append(TypeShape(key, ticket_type.revision_id, workflow.revision_id, states))
    policy = next((p for p in active.sla_policies if p.default), None)
    # Not the DEMO-... customers: DEMO-FAST exists for its one ticket climbing the SLA ladder.
    customers = list(
        session.scalars(
            sa.select(Customer.id).where(Customer.code.not_like("DEMO-%")).order_by(Customer.id)
        )
    )
    if not types or not customers or policy is None or policy.revision_id is None:
        return 0  # no pack or no customers: nothing to make history of
    engineers: dict[str | None, list[int]] = {}
    staff = session.execute(
        sa.select(User.id, User.department_id).where(User.role == "engineer").order_by(User.id)
    )
    keys = dict(session.execute(sa.select(Department.id, Department.key)).all())
    for user_id, department_id in staff:
        engineers.setdefault(keys.get(department_id), []).append(user_id)
        engineers.setdefault(None, []).append(user_id)
    repair = active.ticket_types.get("repair")
    lists = active.option_lists

    def options(field: str) -> list[str]:
        found = repair.field(field) if repair is not None else None
        name = found.option_list if found is not None else None
        return list(lists[name].values()) if name in lists else []

    targets = {
        priority: {metric: _seconds(value) for metric, value in metrics.items()}
        for priority, metrics in policy.targets.items()
    }
    plan = history_plan(utcnow(), types, customers, engineers, options("product_model"),
                        options("fault_code"), targets)  # fmt: skip
    table = Ticket.__table__
    ids = list(
        session.execute(
            sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), plan.tickets
        ).scalars()
    )
    clock_rows = [
        {"ticket_id": ids[index], "policy_key": policy.key,
         "policy_revision_id": policy.revision_id, **row}
        for index, row in plan.clocks
    ]  # fmt: skip
    if clock_rows:
        session.execute(sa.insert(SlaClock.__table__), clock_rows)
    event_rows = [{"ticket_id": ids[index], "public": False, **row} for index, row in plan.events]
    if event_rows:
        session.execute(sa.insert(TicketEvent.__table__), event_rows)
    session.commit()
    return len(ids)
