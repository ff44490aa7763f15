"""Outbox rows are written in the change's transaction, rendered per channel and language."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from tests.gongdan.notifications.factories import People, new_repair, outbox_count, outbox_rows

from gongdan.accounts.models import User
from gongdan.errors import ValidationFailed
from gongdan.notifications import enqueue_notification
from gongdan.tickets.models import Ticket


def test_a_new_ticket_queues_the_customer_notice_on_every_channel(
    session: Session, people: People
) -> None:
    ticket = new_repair(session, people)

    rows = outbox_rows(session, template_key="ticket_received")
    assert {(r.channel, r.recipient_address) for r in rows} == {
        ("email", "wang@acme.cn"),
        ("sms", "13900000001"),
        ("wechat", "wx_wang"),
    }
    sms = next(r for r in rows if r.channel == "sms")
    assert sms.status == "pending" and sms.language == "zh" and sms.ticket_id == ticket.id
    assert sms.body == (
        f"【酷啡售后】您的服务请求已受理，工单号{ticket.number}，"
        f"进度查询：http://127.0.0.1:5000/portal/tickets/{ticket.number}"
    )
    email = next(r for r in rows if r.channel == "email")
    assert email.subject == f"您的服务请求 {ticket.number} 已受理"
    assert email.body.startswith("艾克米咖啡，您好：")
    assert {r.dedupe_key.split(":")[1] for r in rows} == {"ticket_received"}


def test_a_failed_change_leaves_no_notification(session: Session, people: People) -> None:
    from gongdan.tickets.services import create_ticket

    agent = session.get(User, people.agent)
    with pytest.raises(ValidationFailed):
        create_ticket(session, agent, type_key="repair", channel="phone", fields={"symptom": ""})
    assert outbox_count(session) == 0


def test_the_same_event_never_queues_a_message_twice(session: Session, people: People) -> None:
    ticket = new_repair(session, people)
    before = outbox_count(session)
    ids = enqueue_notification(
        session, template="ticket_received", ticket_id=ticket.id, recipients=["customer"],
        event="created", context={}, event_id=ticket.events[0].id,
    )  # fmt: skip
    session.commit()
    assert ids == []
    assert outbox_count(session) == before


def test_templates_render_in_each_recipients_language(session: Session, people: People) -> None:
    ticket = new_repair(session, people)
    ticket = session.get(Ticket, ticket.id)
    ticket.assignee_id = people.engineer
    ticket.department_key = "customer_service"  # whatever routing decided: Lead Li's team
    session.commit()
    ids = enqueue_notification(
        session, template="sla_breached", ticket_id=ticket.id,
        recipients=["department_lead", "assignee", "role:service_manager"],
        event="sla:resolution:level2", context={"sla": {"metric": "resolution",
        "due_at": "2026-11-24 18:00", "elapsed_percent": 150}},
    )  # fmt: skip
    session.commit()
    rows = {(r.recipient_name, r.channel): r for r in outbox_rows(session) if r.id in ids}
    english = rows[("Lead Li", "email")]
    assert english.language == "en"
    assert english.subject == f"Breached: {ticket.number} (艾克米咖啡)"
    assert "resolution was due at 2026-11-24 18:00 (150%)" in english.body
    assert "Assignee 工程师 张" in english.body
    assert english.body.endswith(f"\nhttp://127.0.0.1:5000/tickets/{ticket.number}")
    chinese = rows[("工程师 张", "sms")]
    assert chinese.language == "zh"
    assert chinese.body == f"【酷啡售后】工单{ticket.number}已超时（resolution），请立即跟进。"
    assert ("Boss", "email") in rows
    # Nobody without an address for a channel gets a row for it.
    assert ("Boss", "sms") not in rows


def test_an_unknown_template_writes_nothing(session: Session, people: People) -> None:
    ticket = new_repair(session, people)
    assert (
        enqueue_notification(
            session,
            template="nope",
            ticket_id=ticket.id,
            recipients=["customer"],
            event="x",
            context={},
        )  # fmt: skip
        == []
    )


def test_entering_a_state_notifies_with_the_state_template(
    session: Session, people: People
) -> None:
    from gongdan.tickets.services import run_transition

    ticket = new_repair(session, people)
    agent = session.get(User, people.agent)
    run_transition(
        session, agent, ticket.id, "ask_customer", expected_version=ticket.version,
        comment="请提供照片",
    )  # fmt: skip
    rows = outbox_rows(session, template_key="waiting_for_customer")
    assert {r.channel for r in rows} == {"email", "sms"}
    assert all(r.event == "state_entered:waiting_customer" for r in rows)
