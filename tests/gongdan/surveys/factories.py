"""Closed repair tickets with their survey invitation, for the survey tests."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from tests.gongdan.fieldwork.factories import Site, create_repair, step

from gongdan.db import db, utcnow
from gongdan.surveys.models import SurveyAnswer, SurveyInvitation
from gongdan.surveys.services import send_invitation, survey_link
from gongdan.tickets.models import Ticket


def close_repair(site: Site, customer: str = "acme") -> str:
    """A repair ticket solved at first contact and closed by the agent; its number."""
    number = create_repair(site, customer)
    step(site, number, "agent", "solve_at_first_contact",
         fields={"resolution_code": "remote_guidance"}, comment="远程指导")  # fmt: skip
    step(site, number, "agent", "close")
    return number


def invitations(site: Site, number: str) -> list[SurveyInvitation]:
    """The invitations of ticket ``number`` (read in the current app context)."""
    db.session.expire_all()
    ticket_id = db.session.scalar(sa.select(Ticket.id).where(Ticket.number == number))
    return list(
        db.session.scalars(
            sa.select(SurveyInvitation)
            .where(SurveyInvitation.ticket_id == ticket_id)
            .order_by(SurveyInvitation.id)
        )
    )


def sent_link(site: Site, number: str, now: datetime | None = None) -> tuple[int, str]:
    """Send the ticket's repair_callback invitation (as if its delay had passed); id and path."""
    with site.app.test_request_context():
        (invitation,) = invitations(site, number)
        at = now or utcnow() + timedelta(hours=2)
        assert send_invitation(db.session, invitation.id, at)
        db.session.expire_all()
        invitation = db.session.get(SurveyInvitation, invitation.id)
        assert invitation is not None
        link = survey_link(invitation)
        return invitation.id, "/" + link.split("://", 1)[1].split("/", 1)[1]


def answers_of(site: Site, invitation_id: int) -> list[SurveyAnswer]:
    with site.app.app_context():
        return list(
            db.session.scalars(
                sa.select(SurveyAnswer).where(SurveyAnswer.invitation_id == invitation_id)
            )
        )
