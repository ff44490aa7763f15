"""Callback survey invitations and their answers (issue 7).

One :class:`SurveyInvitation` per (ticket, SurveyTemplate) — the unique key is what makes
sending idempotent under repeated events, sweeps and concurrent workers, and it is also the
rule for reopened tickets: a ticket closed, reopened and closed again is surveyed once by the
same template. One :class:`SurveyAnswer` per invitation (unique ``invitation_id``), so two
answers racing for one link cannot both be stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongdan.db import Base, JSONType, UTCDateTime, utcnow

#: Invitation statuses: waiting for its due time, sent with a link, answered, past its expiry.
STATUSES: tuple[str, ...] = ("scheduled", "sent", "answered", "expired")


class SurveyInvitation(Base):
    """A survey a ticket's customer is (or will be) invited to answer.

    ``template_revision_id`` pins the SurveyTemplate revision active when it was scheduled:
    questions, scoring and follow-ups come from that revision even after a new one is
    published. ``nonce`` is the secret part of the link's signed token.
    """

    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("ticket_id", "template_key"),
        # The sending sweep: scheduled invitations by due time.
        Index("ix_survey_invitations_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(64))
    template_revision_id: Mapped[int] = mapped_column(
        ForeignKey("definition_revisions.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    channels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    nonce: Mapped[str] = mapped_column(String(32))
    #: ``event`` (the template's send.on), ``phone`` (an agent's callback), ``automation``.
    origin: Mapped[str] = mapped_column(String(16), default="event")
    trigger_event_id: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    messages: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    answer: Mapped[SurveyAnswer | None] = relationship(back_populates="invitation")

    def __repr__(self) -> str:
        ticket = f"ticket={self.ticket_id}"
        return f"<SurveyInvitation {self.id} {self.template_key} {ticket} {self.status}>"


class SurveyAnswer(Base):
    """The answers to one invitation, with the score the template computes.

    ``csat`` is the first rating question on the 1–5 scale and ``nps`` the first NPS answer
    (0–10); the reports' CSAT/NPS KPI reads these two (``gongdan.reports.csat``).
    ``followup`` is ``pending`` until the template's ``on_result`` rules ran (then ``done``,
    ``none`` or ``failed`` with the reason in ``followup_detail``).
    """

    __tablename__ = "survey_answers"
    __table_args__ = (
        # The sweep's "follow-ups left pending" (a handful among millions of answers).
        Index("ix_survey_answers_followup", "followup", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), unique=True
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    template_key: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    score: Mapped[float | None] = mapped_column(Float)
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    #: ``link`` (the customer through the token link) or ``phone`` (an agent's callback).
    source: Mapped[str] = mapped_column(String(16), default="link")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    followup: Mapped[str] = mapped_column(String(16), default="pending")
    followup_detail: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    invitation: Mapped[SurveyInvitation] = relationship(back_populates="answer")
