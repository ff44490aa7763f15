"""Which tickets a scheduled automation looks at: SQL when it can, a bounded pre-filter else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session
from tests.gongdan.notifications.factories import install_world, new_repair

from gongdan.automations import tasks
from gongdan.automations.services import schedule_slot, slot_key
from gongdan.conditions import compile_condition
from gongdan.customers.models import SERVICE_TIME_ZONE
from gongdan.definitions.compiled import CompiledAutomation
from gongdan.tickets.models import Ticket

NOW = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)


def _automation(condition: object, **schedule: object) -> CompiledAutomation:
    predicate = None if condition is None else compile_condition(condition)
    return CompiledAutomation(
        key="probe", on=frozenset(), every=schedule.get("every", timedelta(hours=1)),
        cron=schedule.get("cron"), predicate=predicate, actions=(),
    )  # fmt: skip


@pytest.fixture
def tickets(session: Session) -> list[int]:
    people = install_world(session)
    ids = [new_repair(session, people).id for _ in range(3)]
    session.execute(update(Ticket).where(Ticket.id == ids[0]).values(priority="urgent"))
    session.execute(update(Ticket).where(Ticket.id == ids[2]).values(state_category="closed"))
    session.commit()
    return ids


def test_a_condition_on_ticket_columns_selects_in_sql(session: Session, tickets: list[int]) -> None:
    automation = _automation({"field": "ticket.priority", "op": "eq", "value": "urgent"})
    assert tasks.candidate_ids(session, automation, "slot:x", NOW, 100) == [tickets[0]]


def test_other_conditions_use_the_open_ticket_pre_filter(
    session: Session, tickets: list[int]
) -> None:
    automation = _automation({"field": "customer.tier", "op": "eq", "value": "normal"})
    assert tasks.candidate_ids(session, automation, "slot:x", NOW, 100) == tickets[:2]


def test_a_sweep_pages_through_more_candidates_than_one_batch(
    session: Session, tickets: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "BATCH", 1)
    automation = _automation({"field": "ticket.priority", "op": "in", "value": ["normal"]})
    seen: list[int] = []
    monkeypatch.setattr(
        tasks, "run_for_ticket", lambda s, a, ticket_id, o, n: seen.append(ticket_id) or "done"
    )
    monkeypatch.setattr(tasks, "compiled_active_set", lambda s: _Set({"probe": automation}))
    assert tasks.run_scheduled_automations(session, NOW) == {"probe": 2}
    assert seen == [tickets[1], tickets[2]]


class _Set:
    def __init__(self, automations: dict[str, CompiledAutomation]) -> None:
        self.automations = automations


def test_schedule_slots() -> None:
    hourly = _automation(None, every=timedelta(hours=1))
    assert schedule_slot(hourly, NOW, SERVICE_TIME_ZONE) == datetime(2026, 11, 24, 3, tzinfo=UTC)
    daily = _automation(None, every=None, cron="0 10 * * *")
    # 10:00 in Shanghai is 02:00 UTC; at 01:00 UTC the latest slot was the day before.
    assert slot_key(schedule_slot(daily, NOW, SERVICE_TIME_ZONE)) == "slot:2026-11-24T02:00"
    early = NOW.replace(hour=1)
    assert slot_key(schedule_slot(daily, early, SERVICE_TIME_ZONE)) == "slot:2026-11-23T02:00"
