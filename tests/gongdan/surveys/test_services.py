"""Scheduling, sending, answering and follow-ups on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from tests.conftest import MigratedDatabase
from tests.gongdan.fieldwork.factories import Site
from tests.gongdan.surveys.factories import answers_of, close_repair, invitations, sent_link

from gongdan.db import db, utcnow
from gongdan.errors import ValidationFailed
from gongdan.notifications.models import NotificationOutbox
from gongdan.surveys.errors import SurveyAlreadyAnswered, SurveyExpired, SurveyLinkInvalid
from gongdan.surveys.followups import run_followups
from gongdan.surveys.models import SurveyAnswer, SurveyInvitation
from gongdan.surveys.services import open_link, send_invitation, submit_answers, survey_link
from gongdan.surveys.tasks import sweep_surveys
from gongdan.surveys.tokens import make_token
from gongdan.tickets.models import Ticket, TicketEvent

LOW = {"overall": "2", "response": "3", "engineer": "4", "fixed_first_time": "no",
       "low_reason": "not_fixed", "comment": "还是漏水"}  # fmt: skip
HIGH = {"overall": "5", "response": "5", "engineer": "5", "fixed_first_time": "yes"}


def test_closing_schedules_one_invitation_pinned_and_due_after_the_delay(site: Site) -> None:
    number = close_repair(site)
    with site.app.app_context():
        (invitation,) = invitations(site, number)
        ticket = site.ticket(number)
        closed = next(
            e for e in ticket.events if e.kind == "transition" and e.data["to"] == "closed"
        )
        assert invitation.template_key == "repair_callback"
        assert invitation.status == "scheduled"
        assert invitation.channels == ["sms", "wechat", "email"]
        assert invitation.due_at == closed.created_at + timedelta(hours=1)  # send.delay PT1H
        assert invitation.trigger_event_id == closed.id
        assert invitation.template_revision_id is not None
        assert [e.kind for e in ticket.events].count("survey_scheduled") == 1


def test_the_sweep_sends_due_invitations_once_through_the_outbox(site: Site) -> None:
    number = close_repair(site)
    with site.app.test_request_context():
        assert sweep_surveys(utcnow())["sent"] == 0  # not due before the delay
        later = utcnow() + timedelta(hours=2)
        assert sweep_surveys(later)["sent"] == 1
        assert sweep_surveys(later)["sent"] == 0  # a second sweep sends nothing
        (invitation,) = invitations(site, number)
        assert invitation.status == "sent"
        assert invitation.expires_at == invitation.sent_at + timedelta(days=14)
        link = survey_link(invitation)
        rows = db.session.scalars(
            sa.select(NotificationOutbox).where(
                NotificationOutbox.template_key == "survey_invitation"
            )
        ).all()
        # The acme contact has a mobile only: one SMS, carrying the link.
        assert [(r.channel, r.recipient_kind) for r in rows] == [("sms", "customer")]
        assert link in rows[0].body
        sent = [e for e in site.ticket(number).events if e.kind == "survey_sent"]
        assert len(sent) == 1 and sent[0].data["messages"] == 1


def test_repeated_events_and_racing_senders_do_not_duplicate(site: Site) -> None:
    number = close_repair(site)
    with site.app.test_request_context():
        ticket = site.ticket(number)
        closed = next(
            e for e in ticket.events if e.kind == "transition" and e.data["to"] == "closed"
        )
        from gongdan.surveys.services import schedule_for_event

        assert schedule_for_event(db.session, ticket, closed) == []  # the same event again
        db.session.commit()
        (invitation,) = invitations(site, number)
        later = utcnow() + timedelta(hours=2)
        assert send_invitation(db.session, invitation.id, later) is True
        assert send_invitation(db.session, invitation.id, later) is False
        assert len(invitations(site, number)) == 1


def test_tokens_forged_tampered_expired_and_answered(site: Site) -> None:
    number = close_repair(site)
    invitation_id, path = sent_link(site, number)
    token = path.rsplit("/", 1)[1]
    with site.app.test_request_context():
        nonce = db.session.get(SurveyInvitation, invitation_id).nonce
        assert open_link(db.session, token).id == invitation_id
        with pytest.raises(SurveyLinkInvalid):
            open_link(db.session, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
        with pytest.raises(SurveyLinkInvalid):  # right nonce, signed with another key
            open_link(db.session, make_token(invitation_id, nonce, "another key"))
        with pytest.raises(SurveyLinkInvalid):  # genuine signature, wrong nonce
            open_link(db.session, make_token(invitation_id, "0" * 16))
        with pytest.raises(SurveyExpired):
            open_link(db.session, token, now=utcnow() + timedelta(days=15))
        with pytest.raises(SurveyExpired):  # nothing stored after the expiry either
            submit_answers(db.session, invitation_id, HIGH, now=utcnow() + timedelta(days=15))
        submit_answers(db.session, invitation_id, HIGH)
        with pytest.raises(SurveyAlreadyAnswered):
            open_link(db.session, token)
        with pytest.raises(SurveyAlreadyAnswered):
            submit_answers(db.session, invitation_id, LOW)
    assert len(answers_of(site, invitation_id)) == 1


def test_invalid_answers_store_nothing(site: Site) -> None:
    number = close_repair(site)
    invitation_id, _ = sent_link(site, number)
    with site.app.test_request_context():
        with pytest.raises(ValidationFailed) as invalid:
            submit_answers(db.session, invitation_id, {"overall": "9", "fixed_first_time": "?"})
        assert set(invalid.value.fields) == {"overall", "fixed_first_time"}
        assert db.session.get(SurveyInvitation, invitation_id).status == "sent"
    assert answers_of(site, invitation_id) == []


def test_a_low_score_opens_one_complaint_linked_to_the_ticket(site: Site) -> None:
    number = close_repair(site)
    invitation_id, _ = sent_link(site, number)
    with site.app.test_request_context():
        answer = submit_answers(db.session, invitation_id, LOW)
        assert (answer.score, answer.csat, answer.nps) == (2.7, 2, None)
        assert run_followups(db.session, answer.id) == "done"
        assert run_followups(db.session, answer.id) == "claimed"  # once per answer
        parent = site.ticket(number)
        (child,) = db.session.scalars(
            sa.select(Ticket).where(Ticket.parent_ticket_id == parent.id)
        ).all()
        assert child.type_key == "complaint" and child.priority == "high"
        assert child.fields["category"] == "repeat_fault"  # from the action
        assert child.fields["product_model"] == "es_pro_2"  # from the surveyed ticket
        assert child.fields["related_ticket"] == number
        assert child.customer_id == parent.customer_id and child.contact_id == parent.contact_id
        alerts = db.session.scalars(
            sa.select(NotificationOutbox).where(
                NotificationOutbox.template_key == "low_score_alert"
            )
        ).all()
        assert alerts == []  # no service manager in this site: nobody to tell
        followup = [e for e in parent.events if e.kind == "survey_followup"]
        assert followup[0].data["actions"][0]["ticket"] == child.number


def test_a_high_score_opens_nothing(site: Site) -> None:
    number = close_repair(site)
    invitation_id, _ = sent_link(site, number)
    with site.app.test_request_context():
        answer = submit_answers(db.session, invitation_id, HIGH)
        assert answer.score == 5.0
        assert run_followups(db.session, answer.id) == "none"
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(Ticket.parent_ticket_id.is_not(None))
            )
            == 0
        )


def test_low_score_alert_reaches_the_service_manager(site: Site, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("boss", "service_manager", email="boss@example.cn")
    number = close_repair(site)
    invitation_id, _ = sent_link(site, number)
    with site.app.test_request_context():
        answer = submit_answers(db.session, invitation_id, LOW)
        run_followups(db.session, answer.id)
        alerts = db.session.scalars(
            sa.select(NotificationOutbox).where(
                NotificationOutbox.template_key == "low_score_alert"
            )
        ).all()
        assert {a.recipient_address for a in alerts} == {"boss@example.cn"}
        assert all("2.7" in a.body for a in alerts)


def test_phone_recording_without_an_invitation_creates_one(site: Site) -> None:
    number = close_repair(site)
    with site.app.test_request_context():
        from gongdan.surveys.services import record_by_phone

        for invitation in invitations(site, number):
            db.session.delete(invitation)
        db.session.commit()
        ticket = site.ticket(number)
        with pytest.raises(ValidationFailed):
            record_by_phone(db.session, site.user("agent"), ticket, "repair_callback", {})
        assert invitations(site, number) == []  # nothing left for the sweep to send
        answer = record_by_phone(
            db.session, site.user("agent"), site.ticket(number), "repair_callback", HIGH, "客户满意"
        )
        assert (answer.source, answer.recorded_by_id, answer.note) == (
            "phone",
            site.users["agent"],
            "客户满意",
        )
        (invitation,) = invitations(site, number)
        assert (invitation.origin, invitation.status, invitation.sent_at) == (
            "phone",
            "answered",
            None,
        )


def test_expired_invitations_are_marked_by_the_sweep(site: Site) -> None:
    number = close_repair(site)
    sent_link(site, number)
    with site.app.test_request_context():
        assert sweep_surveys(utcnow() + timedelta(days=20))["expired"] == 1
        assert invitations(site, number)[0].status == "expired"


@pytest.mark.parametrize("db_backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_concurrent_answers_store_one(site: Site, database: MigratedDatabase) -> None:
    """Two sessions answer one invitation at once: one answer is stored, the other is told."""
    number = close_repair(site)
    invitation_id, _ = sent_link(site, number)
    engine = database.new_engine()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def answer(values: dict[str, str]) -> None:
        with site.app.test_request_context(), Session(engine) as session:
            barrier.wait()
            try:
                submit_answers(session, invitation_id, values)
                outcomes.append("stored")
            except SurveyAlreadyAnswered:
                outcomes.append("already answered")

    threads = [threading.Thread(target=answer, args=(v,)) for v in (LOW, HIGH)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    engine.dispose()
    assert sorted(outcomes) == ["already answered", "stored"]
    assert len(answers_of(site, invitation_id)) == 1
    with site.app.app_context():
        kinds = db.session.scalars(
            sa.select(TicketEvent.kind).where(TicketEvent.kind == "survey_answered")
        ).all()
        assert kinds == ["survey_answered"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer)) == 1


def test_an_automation_can_send_a_survey_once(site: Site) -> None:
    from tests.gongdan.fieldwork.factories import create_repair

    from gongdan.surveys.services import send_survey_action

    number = create_repair(site)
    with site.app.test_request_context():
        ticket = site.ticket(number)
        first = send_survey_action(db.session, ticket, "repair_callback")
        again = send_survey_action(db.session, ticket, "repair_callback")
        db.session.commit()
        assert "invitation" in first and again["skipped"] == "already surveyed"
        assert sweep_surveys(utcnow())["sent"] == 1
        assert invitations(site, number)[0].origin == "automation"


def test_a_ticket_closed_again_is_not_surveyed_twice(site: Site) -> None:
    """The rule: one invitation per ticket and template, whatever happens after the first."""
    from gongdan.surveys.services import schedule_for_event
    from gongdan.tickets.events import record_event

    number = close_repair(site)
    sent_link(site, number)
    with site.app.test_request_context():
        ticket = site.ticket(number)
        closed_again = record_event(
            db.session, ticket, "transition", None,
            {"from": "resolved", "to": "closed", "transition": "close"},
        )  # fmt: skip
        assert schedule_for_event(db.session, ticket, closed_again) == []
        db.session.commit()
        (invitation,) = invitations(site, number)
        assert invitation.status == "sent"


def test_the_send_job_is_queued_for_the_due_time(site: Site) -> None:
    from gongdan.jobs import job_runner

    number = close_repair(site)
    waiting = [
        (when, args) for when, name, args in job_runner(site.app).waiting_jobs()
        if name == "surveys.send"
    ]  # fmt: skip
    with site.app.test_request_context():
        (invitation,) = invitations(site, number)
        assert waiting == [(invitation.due_at, (invitation.id,))]
        from gongdan.surveys.tasks import send_job

        assert send_job(invitation.id) is False  # not due yet: the job does nothing
        assert invitations(site, number)[0].status == "scheduled"


@pytest.mark.parametrize("db_backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_concurrent_senders_send_once(site: Site, database: MigratedDatabase) -> None:
    """Two workers sweep at once: the invitation is sent (and its messages written) once."""
    number = close_repair(site)
    with site.app.app_context():
        (invitation,) = invitations(site, number)
        invitation_id = invitation.id
    later = utcnow() + timedelta(hours=2)
    engine = database.new_engine()
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []

    def send() -> None:
        with site.app.test_request_context(), Session(engine) as session:
            barrier.wait()
            outcomes.append(send_invitation(session, invitation_id, later))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    engine.dispose()
    assert sorted(outcomes) == [False, True]
    with site.app.app_context():
        count = sa.select(sa.func.count()).select_from(NotificationOutbox)
        invitations_sent = count.where(NotificationOutbox.template_key == "survey_invitation")
        assert db.session.scalar(invitations_sent) == 1
        sent_events = sa.select(sa.func.count()).where(TicketEvent.kind == "survey_sent")
        assert db.session.scalar(sent_events) == 1
