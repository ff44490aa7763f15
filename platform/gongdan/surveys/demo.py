"""Demo surveys: the closed demo tickets' invitations are sent at once, so ``make run`` shows a
link that can be answered right away (printed by ``gongdan init --demo``, shown on the ticket
page, and in the console/file channel's delivery of the ``survey_invitation`` message).

Idempotent: an invitation already sent is left as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.db import utcnow
from gongdan.surveys.models import SurveyInvitation
from gongdan.surveys.services import send_invitation, survey_link
from gongdan.tickets.models import Ticket


def send_demo_surveys(session: Session, customer_ids: list[int]) -> int:
    """Send now the surveys that closing the demo customers' demo tickets scheduled; how many.

    Only invitations the closing event scheduled (``origin`` ``event``): the bulk-loaded report
    history records no events and is not surveyed.
    """
    now = utcnow()
    due = sa.select(SurveyInvitation.id).where(
        SurveyInvitation.status == "scheduled",
        SurveyInvitation.origin == "event",
        SurveyInvitation.ticket_id.in_(
            sa.select(Ticket.id).where(
                Ticket.customer_id.in_(customer_ids), Ticket.state_category == "closed"
            )
        ),
    )
    ids = list(session.scalars(due))
    if not ids:
        return 0
    session.execute(
        sa.update(SurveyInvitation).where(SurveyInvitation.id.in_(ids)).values(due_at=now)
    )
    session.commit()
    return sum(int(send_invitation(session, invitation_id, now)) for invitation_id in ids)


def demo_survey_links(session: Session) -> list[tuple[str, str]]:
    """``(ticket number, link)`` of every sent, unanswered invitation (for ``init --demo``)."""
    rows = session.execute(
        sa.select(Ticket.number, SurveyInvitation)
        .join(SurveyInvitation, SurveyInvitation.ticket_id == Ticket.id)
        .where(SurveyInvitation.status == "sent")
        .order_by(SurveyInvitation.id)
        .limit(5)
    ).all()
    return [(number, survey_link(invitation)) for number, invitation in rows]
