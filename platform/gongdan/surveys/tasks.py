"""Survey jobs and the periodic sweep: send what is due, expire old links, finish follow-ups.

Each job takes an id, re-reads the database and does nothing when its work is done already
(the conditional UPDATEs in :mod:`gongdan.surveys.services` and
:mod:`gongdan.surveys.followups`), so a job that runs twice or beside the sweep is harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gongdan.db import db, utcnow
from gongdan.errors import GongdanError
from gongdan.surveys.followups import run_followups
from gongdan.surveys.models import SurveyAnswer
from gongdan.surveys.services import (
    SEND_JOB,
    due_invitation_ids,
    expire_invitations,
    send_invitation,
)

log = logging.getLogger(__name__)

#: Invitations sent per sweep; the rest wait for the next tick.
BATCH = 500
#: How long a fresh answer's follow-up may wait for its own run before the sweep takes it.
FOLLOWUP_GRACE = timedelta(minutes=1)

FOLLOWUP_JOB = "surveys.followup"


def send_job(invitation_id: int) -> bool:
    """Job: send one invitation if it is still scheduled and due."""
    return send_invitation(db.session, int(invitation_id))


def followup_job(answer_id: int) -> str:
    """Job: run the ``on_result`` rules of one answer if nobody has."""
    return run_followups(db.session, int(answer_id))


def sweep_surveys(now: datetime | None = None) -> dict[str, Any]:
    """Send the due invitations, expire the old ones, and run follow-ups left pending."""
    now = now or utcnow()
    session = db.session
    sent = failed = 0
    for invitation_id in due_invitation_ids(session, now, BATCH):
        try:
            sent += int(send_invitation(session, invitation_id, now))
        except GongdanError as error:  # one bad row must not stop the others
            failed += 1
            log.warning("survey invitation %s not sent: %s", invitation_id, error.message)
    expired = expire_invitations(session, now)
    pending = list(
        session.scalars(
            sa.select(SurveyAnswer.id)
            .where(
                SurveyAnswer.followup == "pending", SurveyAnswer.created_at <= now - FOLLOWUP_GRACE
            )
            .order_by(SurveyAnswer.id)
            .limit(BATCH)
        )
    )
    session.rollback()
    followed = [run_followups(session, answer_id) for answer_id in pending]
    return {"sent": sent, "failed": failed, "expired": expired, "followups": len(followed)}


JOBS = {SEND_JOB: send_job, FOLLOWUP_JOB: followup_job}
