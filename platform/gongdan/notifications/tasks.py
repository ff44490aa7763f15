"""Delivering outbox rows: claim, send, record the attempt, then sent, retry or dead.

Delivery is at-least-once, with the window for a duplicate made as small as it can be:

* a row is **claimed** by one atomic ``UPDATE ... WHERE status IN (pending, failed) AND
  next_attempt_at <= now``, which sets ``sending`` and a lease; a second worker (or a second
  copy of the job) finds nothing to claim, so nobody sends a row twice within a lease;
* the outcome is written only if the lease is still ours;
* a worker killed mid-delivery leaves ``sending`` behind; once the lease expires the sweep
  makes the row due again and it is retried.

A duplicate is therefore possible only when the process dies after the provider accepted the
message and before our commit (or a send outlives its lease, ``NOTIFICATION_LEASE_SECONDS``).
Exactly-once would need the provider to deduplicate: gateways and webhooks get the dedupe key
as ``message_id``, e-mail as ``Message-ID``.

Settings: ``NOTIFICATION_MAX_ATTEMPTS`` (8), ``NOTIFICATION_BACKOFF_SECONDS`` (30, doubled per
attempt with ±25 % jitter), ``NOTIFICATION_BACKOFF_MAX_SECONDS`` (6 h),
``NOTIFICATION_LEASE_SECONDS`` (300).
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from gongdan.db import db, utcnow
from gongdan.jobs.runner import enqueue_after_commit, job_runner
from gongdan.notifications.channels import DeliveryResult, OutgoingMessage, channel_for
from gongdan.notifications.models import NotificationAttempt, NotificationOutbox

log = logging.getLogger(__name__)

Outbox = NotificationOutbox
DELIVER_JOB = "notifications.deliver"
#: Rows handed to the runner per sweep (the next sweep takes the rest).
SWEEP_BATCH = 500


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retry settings of one app."""

    max_attempts: int = 8
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 6 * 3600.0
    lease_seconds: float = 300.0

    @classmethod
    def of(cls, app: Flask) -> DeliveryPolicy:
        """The policy from ``app``'s config (defaults above)."""
        config = app.config
        return cls(
            max_attempts=int(config.get("NOTIFICATION_MAX_ATTEMPTS", cls.max_attempts)),
            backoff_seconds=float(config.get("NOTIFICATION_BACKOFF_SECONDS", cls.backoff_seconds)),
            backoff_max_seconds=float(
                config.get("NOTIFICATION_BACKOFF_MAX_SECONDS", cls.backoff_max_seconds)
            ),
            lease_seconds=float(config.get("NOTIFICATION_LEASE_SECONDS", cls.lease_seconds)),
        )

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure: exponential, capped, with jitter."""
        base = min(self.backoff_max_seconds, self.backoff_seconds * 2 ** max(0, attempts - 1))
        return timedelta(seconds=base * random.uniform(0.75, 1.25))


def _message(row: NotificationOutbox) -> OutgoingMessage:
    return OutgoingMessage(
        outbox_id=row.id,
        channel=row.channel,
        address=row.recipient_address,
        recipient_kind=row.recipient_kind,
        recipient_name=row.recipient_name,
        language=row.language,
        subject=row.subject,
        body=row.body,
        ticket_id=row.ticket_id,
        event=row.event,
        template_key=row.template_key,
        dedupe_key=row.dedupe_key,
    )


def _send(app: Flask, row: NotificationOutbox) -> DeliveryResult:
    channel = channel_for(app, row.channel)
    if channel is None:
        return DeliveryResult(ok=False, error=f"no channel {row.channel!r}", permanent=True)
    try:
        return channel.send(_message(row))
    except Exception as error:  # a provider's bug or outage: retry later
        log.exception("channel %s failed for outbox %s", row.channel, row.id)
        return DeliveryResult(ok=False, error=f"{type(error).__name__}: {error}")


def deliver(outbox_id: int, now: datetime | None = None) -> str:
    """Deliver outbox row ``outbox_id`` if it is due; returns the row's status afterwards
    (``skipped`` when it was not ours to send: already sent, dead, claimed or not due)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    session = db.session
    policy = DeliveryPolicy.of(app)
    started = now or utcnow()
    lease = started + timedelta(seconds=policy.lease_seconds)
    claim = (
        sa.update(Outbox)
        .where(
            Outbox.id == outbox_id,
            Outbox.status.in_(("pending", "failed")),
            Outbox.next_attempt_at <= started,
        )
        .values(status="sending", lease_until=lease, attempts=Outbox.attempts + 1)
    )
    claimed = session.execute(claim).rowcount
    session.commit()
    if not claimed:
        return "skipped"
    row = session.get(Outbox, outbox_id)
    assert row is not None
    clock = time.monotonic()
    result = _send(app, row)
    duration_ms = int((time.monotonic() - clock) * 1000)
    finished = now or utcnow()
    session.add(
        NotificationAttempt(
            outbox_id=row.id, at=finished, ok=result.ok, error=result.error,
            duration_ms=duration_ms,
        )
    )  # fmt: skip
    retry_at: datetime | None = None
    if result.ok:
        values: dict[str, object] = {"status": "sent", "sent_at": finished, "last_error": None}
    elif result.permanent or row.attempts >= policy.max_attempts:
        values = {"status": "dead", "last_error": result.error}
    else:
        retry_at = finished + policy.backoff(row.attempts)
        values = {"status": "failed", "last_error": result.error, "next_attempt_at": retry_at}
    finish = (
        sa.update(Outbox)
        .where(Outbox.id == row.id, Outbox.status == "sending", Outbox.lease_until == lease)
        .values(lease_until=None, **values)
    )
    if not session.execute(finish).rowcount:
        log.warning("outbox %s: the lease expired while sending; outcome not recorded", row.id)
        retry_at = None
    session.commit()
    status = str(values["status"])
    if status == "dead":
        log.error("outbox %s is dead after %s attempts: %s", row.id, row.attempts, result.error)
    if retry_at is not None:
        job_runner(app).enqueue(
            DELIVER_JOB, row.id, job_id=f"deliver-{row.id}-{row.attempts}", at=retry_at
        )
    return status


@dataclass(frozen=True)
class OutboxSweep:
    """What one outbox sweep did."""

    expired_leases: int
    dead: int
    enqueued: int


def sweep_outbox(now: datetime | None = None, limit: int = SWEEP_BATCH) -> OutboxSweep:
    """Make expired leases due again and hand every due row to the job runner.

    Safe to run any number of times, concurrently too: the claim in :func:`deliver` decides.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    session = db.session
    policy = DeliveryPolicy.of(app)
    moment = now or utcnow()
    expired = sa.and_(Outbox.status == "sending", Outbox.lease_until < moment)
    message = "the worker stopped during delivery (lease expired)"
    dead = session.execute(
        sa.update(Outbox)
        .where(expired, Outbox.attempts >= policy.max_attempts)
        .values(status="dead", lease_until=None, last_error=message)
    ).rowcount
    requeued = session.execute(
        sa.update(Outbox)
        .where(expired)
        .values(status="failed", lease_until=None, next_attempt_at=moment, last_error=message)
    ).rowcount
    session.commit()
    due = session.execute(
        sa.select(Outbox.id, Outbox.attempts)
        .where(Outbox.status.in_(("pending", "failed")), Outbox.next_attempt_at <= moment)
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
    ).all()
    session.rollback()  # end the read transaction before talking to the queue
    runner = job_runner(app)
    for outbox_id, attempts in due:
        runner.enqueue(DELIVER_JOB, outbox_id, job_id=f"deliver-{outbox_id}-{attempts}")
    if requeued or dead:
        log.warning("outbox sweep: %s expired leases retried, %s dead", requeued, dead)
    return OutboxSweep(expired_leases=requeued, dead=dead, enqueued=len(due))


JOBS = {DELIVER_JOB: deliver, "notifications.sweep": sweep_outbox}


def revive(session: Session, outbox_id: int) -> bool:
    """Give a ``dead`` (or ``failed``) row a fresh set of attempts, due now, in the caller's
    transaction (not committed); whether it was. Delivery is enqueued once it commits.

    The attempts already made stay in ``notification_attempts``.
    """
    revived = session.execute(
        sa.update(Outbox)
        .where(Outbox.id == outbox_id, Outbox.status.in_(("dead", "failed")))
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), lease_until=None)
    ).rowcount
    if revived:
        enqueue_after_commit(session, DELIVER_JOB, outbox_id, job_id=f"deliver-{outbox_id}-retry-0")
    return bool(revived)


def retry_dead(outbox_id: int) -> bool:
    """:func:`revive` row ``outbox_id`` and commit; whether it was revived."""
    revived = revive(db.session, outbox_id)
    db.session.commit()
    return revived
