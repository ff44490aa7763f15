"""Delivery: claim, send, record, retry with back-off, dead after the last attempt, leases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tests.gongdan.notifications.factories import People, new_repair, outbox_rows

from gongdan.db import utcnow
from gongdan.jobs import job_runner
from gongdan.notifications.channels import DeliveryResult, OutgoingMessage, register_channel
from gongdan.notifications.models import NotificationAttempt, NotificationOutbox
from gongdan.notifications.tasks import deliver, sweep_outbox


class Failing:
    def __init__(self, *, permanent: bool = False) -> None:
        self.permanent = permanent
        self.calls = 0

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        self.calls += 1
        return DeliveryResult(ok=False, error="gateway said 503", permanent=self.permanent)


def _sms(session: Session) -> NotificationOutbox:
    return next(r for r in outbox_rows(session) if r.channel == "sms")


def _attempts(session: Session, outbox_id: int) -> list[NotificationAttempt]:
    query = select(NotificationAttempt).where(NotificationAttempt.outbox_id == outbox_id)
    return list(session.scalars(query.order_by(NotificationAttempt.id)))


def test_the_folder_channel_writes_one_readable_file_per_message(
    app: Flask, session: Session, people: People
) -> None:
    ticket = new_repair(session, people)
    sms = _sms(session)

    assert deliver(sms.id) == "sent"

    files = sorted((Path(app.instance_path) / "outbox").glob("*.txt"))
    assert [f.name.split("-")[1:3] for f in files] == [[f"{sms.id:06d}", "sms"]]
    text = files[0].read_text(encoding="utf-8")
    assert "To:       王经理 <13900000001>" in text
    assert "Template: ticket_received" in text
    assert f"您的服务请求已受理，工单号{ticket.number}" in text
    session.expire_all()
    row = session.get(NotificationOutbox, sms.id)
    assert (row.status, row.attempts, row.lease_until) == ("sent", 1, None)
    assert [a.ok for a in _attempts(session, sms.id)] == [True]
    # Delivered rows are never sent again.
    assert deliver(sms.id) == "skipped"
    assert len(list((Path(app.instance_path) / "outbox").glob("*.txt"))) == 1


def test_failures_back_off_exponentially_then_the_row_is_dead(people: People, app: Flask) -> None:
    app.config.update(NOTIFICATION_MAX_ATTEMPTS=3, NOTIFICATION_BACKOFF_SECONDS=60)
    gateway = Failing()
    register_channel(app, "sms", gateway)
    with app.app_context():
        from gongdan.db import db

        session = db.session
        new_repair(session, people)
        sms = _sms(session)
        now = utcnow()

        assert deliver(sms.id, now) == "failed"
        row = session.get(NotificationOutbox, sms.id)
        first_wait = row.next_attempt_at - now
        assert timedelta(seconds=45) <= first_wait <= timedelta(seconds=75)
        assert row.last_error == "gateway said 503"
        assert deliver(sms.id, now) == "skipped"  # not due yet

        later = row.next_attempt_at
        assert deliver(sms.id, later) == "failed"
        session.expire_all()
        second_wait = session.get(NotificationOutbox, sms.id).next_attempt_at - later
        assert timedelta(seconds=90) <= second_wait <= timedelta(seconds=150)

        assert deliver(sms.id, later + second_wait) == "dead"
        assert deliver(sms.id, later + timedelta(days=1)) == "skipped"
        session.expire_all()
        row = session.get(NotificationOutbox, sms.id)
        assert (row.status, row.attempts) == ("dead", 3)
        assert [a.ok for a in _attempts(session, sms.id)] == [False, False, False]
        assert gateway.calls == 3


def test_a_permanent_failure_is_dead_at_once(app: Flask, people: People) -> None:
    register_channel(app, "sms", Failing(permanent=True))
    with app.app_context():
        from gongdan.db import db

        new_repair(db.session, people)
        assert deliver(_sms(db.session).id) == "dead"


def test_a_row_claimed_by_one_worker_is_not_sent_by_another(app: Flask, people: People) -> None:
    seen: list[str] = []

    class Reentrant:
        def send(self, message: OutgoingMessage) -> DeliveryResult:
            # A second worker picks the same row while the first is still sending.
            with app.app_context():
                seen.append(deliver(message.outbox_id))
            return DeliveryResult(ok=True)

    register_channel(app, "sms", Reentrant())
    with app.app_context():
        from gongdan.db import db

        new_repair(db.session, people)
        assert deliver(_sms(db.session).id) == "sent"
    assert seen == ["skipped"]


def test_the_sweep_retries_a_row_whose_worker_died(app: Flask, people: People) -> None:
    with app.app_context():
        from gongdan.db import db

        session = db.session
        new_repair(session, people)
        sms_id = _sms(session).id
        past = utcnow() - timedelta(minutes=1)
        # What a worker killed mid-send leaves behind: `sending` with a lease.
        session.execute(
            update(NotificationOutbox)
            .where(NotificationOutbox.id == sms_id)
            .values(status="sending", attempts=1, lease_until=past + timedelta(seconds=30))
        )
        session.commit()
        # Only the sweep hands a row with an expired lease out again.
        assert deliver(sms_id) == "skipped"

        result = sweep_outbox()
        assert result.expired_leases == 1
        assert result.enqueued >= 1
    runner = job_runner(app)
    assert runner.run_pending() >= 1
    with app.app_context():
        from gongdan.db import db

        row = db.session.get(NotificationOutbox, sms_id)
        assert (row.status, row.attempts) == ("sent", 2)
        assert row.last_error is None
    files = list((Path(app.instance_path) / "outbox").glob(f"*-{sms_id:06d}-sms-*.txt"))
    assert len(files) == 1


def test_commit_wakes_the_runner_and_the_runner_delivers(app: Flask, people: People) -> None:
    with app.app_context():
        from gongdan.db import db

        new_repair(db.session, people)
        count = len(outbox_rows(db.session))
    assert job_runner(app).run_pending() == count
    with app.app_context():
        from gongdan.db import db

        assert {r.status for r in outbox_rows(db.session)} == {"sent"}


def test_admins_list_dead_notifications_and_send_them_again(app: Flask, people: People) -> None:
    register_channel(app, "sms", Failing(permanent=True))
    with app.app_context():
        from gongdan.db import db

        new_repair(db.session, people)
        sms_id = _sms(db.session).id
        deliver(sms_id)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["outbox", "list"])
    assert listed.exit_code == 0, listed.output
    assert "ticket_received/sms  13900000001  attempts=1  gateway said 503" in listed.output

    register_channel(app, "sms", Recording := _Recording())
    retried = runner.invoke(args=["outbox", "retry", str(sms_id), "999"])
    assert f"Notification {sms_id} queued again." in retried.output
    assert "Notification 999 is not dead or failed; left alone." in retried.output
    job_runner(app).run_pending()
    assert Recording.bodies and Recording.bodies[0].startswith("【酷啡售后】")
    assert "No dead notifications." in runner.invoke(args=["outbox", "list"]).output


class _Recording:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        self.bodies.append(message.body)
        return DeliveryResult(ok=True)
