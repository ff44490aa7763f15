"""Automations: scheduled ones run once per slot and ticket; event ones in the transaction."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from tests.gongdan.notifications.factories import (
    PACK_ROOT,
    install_world,
    new_repair,
    outbox_rows,
)

from gongdan.accounts.models import User
from gongdan.automations.models import AutomationRun
from gongdan.automations.tasks import (
    requeue_deferred_transitions,
    run_for_ticket,
    run_scheduled_automations,
)
from gongdan.customers.models import Customer
from gongdan.db import db
from gongdan.definitions.packs import load_pack
from gongdan.definitions.registry import compiled_active_set
from gongdan.jobs import job_runner
from gongdan.tickets.models import Ticket, TicketEvent

NOW = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)  # 11:30 in Shanghai


def _put(session: Session, ticket_id: int, state: str, category: str, age: timedelta) -> None:
    session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id)
        .values(state=state, state_category=category, updated_at=NOW - age)
    )
    session.commit()


def _events(session: Session, ticket_id: int, kind: str) -> list[TicketEvent]:
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == kind)
    return list(session.scalars(query.order_by(TicketEvent.id)))


def test_resolved_tickets_close_after_seven_silent_days_once(session: Session) -> None:
    people = install_world(session)
    old, recent = new_repair(session, people).id, new_repair(session, people).id
    _put(session, old, "resolved", "resolved", timedelta(days=8))
    _put(session, recent, "resolved", "resolved", timedelta(days=2))

    report = run_scheduled_automations(session, NOW)

    assert report["auto_close_resolved"] == 1
    closed = session.get(Ticket, old, populate_existing=True)
    assert (closed.state, closed.state_category) == ("closed", "closed")
    assert session.get(Ticket, recent, populate_existing=True).state == "resolved"
    [record] = _events(session, old, "automation")
    assert record.data["automation"] == "auto_close_resolved"
    assert record.data["actions"] == [{"do": "transition", "transition": "close"}]
    [transition] = _events(session, old, "transition")
    assert (transition.actor_id, transition.data["to"]) == (None, "closed")
    # The customer is told, as for any close.
    assert {r.channel for r in outbox_rows(session, template_key="ticket_closed")} == {
        "email", "sms",
    }  # fmt: skip

    # The same slot again, and the next slot: nothing more happens.
    assert run_scheduled_automations(session, NOW) == {}
    assert run_scheduled_automations(session, NOW + timedelta(hours=1)) == {
        "auto_close_resolved": 0
    }
    assert len(_events(session, old, "automation")) == 1


def test_a_waiting_customer_is_reminded_once_per_day(session: Session) -> None:
    people = install_world(session)
    waiting = new_repair(session, people).id
    _put(session, waiting, "waiting_customer", "paused", timedelta(days=3))

    report = run_scheduled_automations(session, NOW)
    assert report["remind_waiting_customer"] == 1
    reminders = outbox_rows(session, template_key="waiting_customer_reminder")
    assert {(r.channel, r.recipient_address) for r in reminders} == {
        ("sms", "13900000001"), ("wechat", "wx_wang"),
    }  # fmt: skip
    assert reminders[0].body.startswith(f"【酷啡售后】工单{session.get(Ticket, waiting).number}")

    # A second scheduler running the same slot concurrently cannot remind again.
    automation = compiled_active_set(session).automations["remind_waiting_customer"]
    assert run_for_ticket(session, automation, waiting, "slot:2026-11-24T02:00", NOW) == "already"
    assert len(outbox_rows(session, template_key="waiting_customer_reminder")) == 2

    # The next day's slot reminds again.
    run_scheduled_automations(session, NOW + timedelta(days=1))
    assert len(outbox_rows(session, template_key="waiting_customer_reminder")) == 4
    runs = session.scalar(select(func.count()).select_from(AutomationRun))
    assert runs == 2


EVENT_AUTOMATIONS = """
kind: Automation
key: vip_first
title: {zh: VIP 加急, en: VIP goes urgent}
spec:
  on: [created]
  when: {field: customer.tier, op: eq, value: vip}
  actions:
    - {do: set, field: ticket.priority, value: urgent}
    - {do: notify, template: complaint_received_internal, to: ['role:service_manager']}
---
kind: Automation
key: bounce_back
title: {zh: 自动恢复, en: Back to diagnosing}
spec:
  on: ["state_entered:waiting_customer"]
  actions: [{do: transition, transition: customer_replied}]
"""


def test_event_automations_act_in_the_transaction_of_the_event(app: Flask, tmp_path: Path) -> None:
    from gongdan.tickets.services import run_transition

    pack_path = tmp_path / "pack"
    shutil.copytree(PACK_ROOT, pack_path)
    (pack_path / "automations" / "events.yaml").write_text(EVENT_AUTOMATIONS, encoding="utf-8")
    with app.app_context():
        session = db.session
        people = install_world(session, load_pack(pack_path))
        session.execute(update(Customer).values(tier="vip"))
        session.commit()

        ticket = new_repair(session, people)

        assert ticket.priority == "urgent"
        [record] = _events(session, ticket.id, "automation")
        assert record.data["actions"][0] == {
            "do": "set", "field": "ticket.priority", "from": "normal", "to": "urgent",
        }  # fmt: skip
        assert [r.recipient_name for r in outbox_rows(session, channel="email",
                template_key="complaint_received_internal")] == ["Boss"]  # fmt: skip

        agent = session.get(User, people.agent)
        run_transition(
            session, agent, ticket.id, "ask_customer", expected_version=ticket.version,
            comment="照片？",
        )  # fmt: skip
        ticket_id = ticket.id
        assert session.get(Ticket, ticket_id).state == "waiting_customer"
        # Had the wake-up been lost, the sweep would enqueue the deferred transition again.
        later = datetime.now(UTC) + timedelta(minutes=2)
        assert requeue_deferred_transitions(session, later) == 1
    # The transition an event automation asks for runs after the commit, as a job (once).
    job_runner(app).run_pending()
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).state == "diagnosing"
        replies = [
            e for e in _events(db.session, ticket_id, "transition")
            if e.data["transition"] == "customer_replied"
        ]  # fmt: skip
        assert [e.actor_id for e in replies] == [None]
        outcomes = db.session.scalars(select(AutomationRun.outcome).order_by(AutomationRun.id))
        assert list(outcomes) == ["done", "done"]
        assert requeue_deferred_transitions(db.session, later) == 0
