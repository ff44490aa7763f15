"""Demo surveys: the closed demo tickets' invitations are sent at once, so ``make run`` shows a
link that can be answered right away (printed by ``gongdan init --demo``, shown on the ticket
page, and in the console/file channel's delivery of the ``survey_invitation`` message).

Idempotent: an invitation already sent is left as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.db import utcnow
from gongdan.definitions.registry import compiled_active_set
from gongdan.surveys.models import SurveyInvitation
from gongdan.surveys.services import schedule_invitation, send_invitation, survey_link
from gongdan.tickets.models import Ticket


def _closed_demo_tickets(session: Session) -> list[Ticket]:
    """The demo's closed tickets of surveyed types (the demo makes one or two)."""
    surveyed = {
        key for t in compiled_active_set(session).survey_templates.values() for key in t.for_types
    }
    return list(
        session.scalars(
            sa.select(Ticket)
            .where(Ticket.state_category == "closed", Ticket.type_key.in_(surveyed))
            .order_by(Ticket.id)
            .limit(5)
        )
    )


def send_demo_surveys(session: Session) -> int:
    """Schedule (if closing did not) and send the closed demo tickets' surveys now; how many."""
    now = utcnow()
    templates = compiled_active_set(session).survey_templates.values()
    tickets = _closed_demo_tickets(session)
    for ticket in tickets:
        for template in templates:
            if ticket.type_key in template.for_types:
                schedule_invitation(session, ticket, template, due_at=now)
    mine = sa.and_(
        SurveyInvitation.status == "scheduled",
        SurveyInvitation.ticket_id.in_([t.id for t in tickets]),
    )
    session.execute(sa.update(SurveyInvitation).where(mine).values(due_at=now))
    session.commit()
    due = session.scalars(sa.select(SurveyInvitation.id).where(mine)).all()
    return sum(int(send_invitation(session, invitation_id, now)) for invitation_id in due)


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
