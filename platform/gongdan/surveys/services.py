"""Scheduling, sending and answering callback surveys.

* **Scheduling** — on every ticket event (:data:`ticket_event_recorded`), each active
  SurveyTemplate whose ``for`` names the ticket's type and whose ``send.on`` is one of the
  event's names gets an invitation row in the event's own transaction: due at the event time
  plus ``send.delay``, pinned to the template revision active then. The insert skips an existing
  (ticket, template) pair, so repeated events, a reopened-and-closed-again ticket and racing
  workers schedule it once.
* **Sending** — :func:`send_invitation` claims a due invitation with a conditional UPDATE
  (``scheduled`` → ``sent``; the loser of a race updates nothing), writes the outbox rows of the
  ``survey_invitation`` NotificationTemplate on the template's channels with the link, sets the
  expiry (sent + ``send.expires_after``) and records ``survey_sent`` on the ticket — one
  transaction. :func:`gongdan.surveys.tasks.sweep_surveys` runs it for everything due.
* **Answering** — :func:`submit_answers` checks the answers with the pinned template
  (:mod:`gongdan.surveys.scoring`), stores them with the score, and marks the invitation
  answered with a conditional UPDATE (plus the unique ``invitation_id`` of the answer as the
  backstop): of two racing answers exactly one is stored.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.db import utcnow
from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.compiled import CompiledSurveyTemplate
from gongdan.definitions.frozen import Duration
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.registry import compiled_active_set, definition_from_revision
from gongdan.errors import DefinitionNotFound, NotFound, ValidationFailed
from gongdan.jobs.runner import enqueue_after_commit
from gongdan.notifications.outbox import enqueue_notification
from gongdan.notifications.render import base_url
from gongdan.notifications.services import event_names
from gongdan.surveys.errors import SurveyAlreadyAnswered, SurveyExpired, SurveyLinkInvalid
from gongdan.surveys.models import SurveyAnswer, SurveyInvitation
from gongdan.surveys.scoring import check_answers, compute_scores
from gongdan.surveys.tokens import make_token, new_nonce, read_token
from gongdan.tickets.events import record_event
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.transaction import ticket_transaction

#: The NotificationTemplate that carries the link.
INVITATION_TEMPLATE = "survey_invitation"
#: The job that sends one invitation (registered by :mod:`gongdan.surveys.tasks`).
SEND_JOB = "surveys.send"
#: Answering time of a template without ``send.expires_after``.
DEFAULT_EXPIRY = timedelta(days=14)
#: Compiled pinned templates one process keeps.
CACHE_SIZE = 128

_cache: OrderedDict[tuple[int, str], CompiledSurveyTemplate] = OrderedDict()
_lock = threading.Lock()


def _seconds(value: Duration | None, start: datetime) -> timedelta:
    if value is None:
        return timedelta(0)
    if isinstance(value, timedelta):
        return value
    return value.totimedelta(start=start)


def pinned_template(session: Session, revision_id: int) -> CompiledSurveyTemplate:
    """The compiled SurveyTemplate revision ``revision_id`` (whatever its status).

    :raises DefinitionNotFound: no such SurveyTemplate revision.
    """
    revision = session.get(DefinitionRevision, revision_id)
    if revision is None or revision.kind != "SurveyTemplate":
        raise DefinitionNotFound(f"no SurveyTemplate revision {revision_id!r}")
    key = (revision.id, revision.content_hash)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    definition = definition_from_revision(revision)
    compiled = compile_definitions(
        [definition],
        revision_ids={(revision.kind, revision.key): revision.id},
        validate=False,  # it was valid in the set it was published in
    ).survey_templates[revision.key]
    with _lock:
        _cache[key] = compiled
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def _insert_invitation(session: Session, row: dict[str, Any]) -> int | None:
    """Insert unless (ticket, template) has one; the new id or ``None``."""
    table = SurveyInvitation.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(table)
        .values(row)
        .on_conflict_do_nothing(index_elements=["ticket_id", "template_key"])
        .returning(table.c.id)
    )
    return session.execute(statement).scalar_one_or_none()


def schedule_invitation(
    session: Session,
    ticket: Ticket,
    template: CompiledSurveyTemplate,
    *,
    due_at: datetime,
    origin: str = "event",
    trigger_event_id: int | None = None,
) -> int | None:
    """Schedule ``template`` for ``ticket`` in the caller's transaction (no commit).

    :returns: the new invitation's id, or ``None`` when the ticket already has one.
    """
    revision_id = template.revision_id
    if revision_id is None:
        revision_id = compiled_active_set(session).revision_ids.get(
            ("SurveyTemplate", template.key)
        )
    if revision_id is None:
        raise DefinitionNotFound(f"survey template {template.key!r} has no stored revision")
    return _insert_invitation(
        session,
        {
            "ticket_id": ticket.id,
            "template_key": template.key,
            "template_revision_id": revision_id,
            "status": "scheduled",
            "channels": list(template.channels),
            "nonce": new_nonce(),
            "origin": origin,
            "trigger_event_id": trigger_event_id,
            "due_at": due_at,
            "messages": 0,
            "created_at": utcnow(),
        },
    )


def schedule_for_event(session: Session, ticket: Ticket, event: TicketEvent) -> list[int]:
    """Schedule every active template ``event`` triggers for ``ticket``; the new ids."""
    if event.kind.startswith("survey_"):
        return []
    names = set(event_names(event))
    created: list[int] = []
    for template in compiled_active_set(session).survey_templates.values():
        if ticket.type_key not in template.for_types or template.send_on not in names:
            continue
        at = event.created_at or utcnow()
        invitation_id = schedule_invitation(
            session, ticket, template, due_at=at + _seconds(template.delay, at),
            trigger_event_id=event.id,
        )  # fmt: skip
        if invitation_id is not None:
            created.append(invitation_id)
            # On time without waiting for the next sweep (which still sends it if this is lost).
            enqueue_after_commit(
                session, SEND_JOB, invitation_id, job_id=f"survey-send-{invitation_id}",
                at=max(at + _seconds(template.delay, at), utcnow()),
            )  # fmt: skip
            record_event(
                session, ticket, "survey_scheduled", None,
                {"survey": template.key, "invitation": invitation_id,
                 "why": f"{template.key}: send.on {template.send_on}"},
                public=False,
            )  # fmt: skip
    return created


def survey_link(invitation: SurveyInvitation) -> str:
    """The public address of ``invitation``'s answer page."""
    return f"{base_url()}/s/{make_token(invitation.id, invitation.nonce)}"


def send_invitation(session: Session, invitation_id: int, now: datetime | None = None) -> bool:
    """Send one due invitation (one transaction, committed); whether this call sent it."""
    now = now or utcnow()
    with ticket_transaction(session):
        claimed = session.execute(
            sa.update(SurveyInvitation)
            .where(
                SurveyInvitation.id == invitation_id,
                SurveyInvitation.status == "scheduled",
                SurveyInvitation.due_at <= now,
            )
            .values(status="sent", sent_at=now)
        ).rowcount
        if not claimed:
            return False
        invitation = session.get(SurveyInvitation, invitation_id, populate_existing=True)
        assert invitation is not None
        template = pinned_template(session, invitation.template_revision_id)
        invitation.expires_at = now + (
            _seconds(template.expires_after, now) if template.expires_after else DEFAULT_EXPIRY
        )
        ticket = session.get(Ticket, invitation.ticket_id)
        assert ticket is not None
        link = survey_link(invitation)
        active = compiled_active_set(session).notification_templates.get(INVITATION_TEMPLATE)
        ids = enqueue_notification(
            session, template=INVITATION_TEMPLATE, ticket_id=ticket.id,
            recipients=list(active.to) if active is not None and active.to else ["customer"],
            event=f"survey:{invitation.id}",
            context={"url": link, "survey": {"url": link, "title": dict(template.title)}},
            channels=invitation.channels,
        )  # fmt: skip
        invitation.messages = len(ids)
        record_event(
            session, ticket, "survey_sent", None,
            {"survey": invitation.template_key, "invitation": invitation.id,
             "channels": list(invitation.channels), "messages": len(ids),
             "expires_at": invitation.expires_at.isoformat(),
             "why": f"{len(ids)} message(s) on {', '.join(invitation.channels)}"},
            public=False,
        )  # fmt: skip
    return True


def due_invitation_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Scheduled invitations due at ``now``, oldest first (index ``status, due_at``)."""
    return list(
        session.scalars(
            sa.select(SurveyInvitation.id)
            .where(SurveyInvitation.status == "scheduled", SurveyInvitation.due_at <= now)
            .order_by(SurveyInvitation.due_at, SurveyInvitation.id)
            .limit(limit)
        )
    )


def expire_invitations(session: Session, now: datetime) -> int:
    """Mark sent invitations past their expiry ``expired`` (one statement); how many."""
    count = session.execute(
        sa.update(SurveyInvitation)
        .where(SurveyInvitation.status == "sent", SurveyInvitation.expires_at <= now)
        .values(status="expired")
    ).rowcount
    session.commit()
    return int(count or 0)


def open_link(session: Session, token: str, now: datetime | None = None) -> SurveyInvitation:
    """The invitation a link names, if it may be answered now.

    :raises SurveyLinkInvalid: forged, damaged, unknown, or not sent yet.
    :raises SurveyAlreadyAnswered: answered already.
    :raises SurveyExpired: past its expiry.
    """
    now = now or utcnow()
    found = read_token(token)
    invitation = session.get(SurveyInvitation, found[0]) if found else None
    if invitation is None or found is None or invitation.nonce != found[1]:
        raise SurveyLinkInvalid("this survey link is not valid")
    if invitation.status == "answered":
        raise SurveyAlreadyAnswered("this survey has been answered already")
    if invitation.status == "scheduled" or invitation.sent_at is None:
        raise SurveyLinkInvalid("this survey link is not valid")
    if invitation.status == "expired" or (
        invitation.expires_at is not None and invitation.expires_at <= now
    ):
        raise SurveyExpired("this survey link has expired")
    return invitation


def submit_answers(
    session: Session,
    invitation_id: int,
    submitted: Mapping[str, Any],
    *,
    source: str = "link",
    actor: User | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> SurveyAnswer:
    """Check and store the one answer of an invitation, with its scores; commits.

    A ``link`` answer needs a sent, unexpired invitation; a ``phone`` answer (an agent's
    callback) may answer a scheduled or expired one too.

    :raises ValidationFailed: answers out of range, unknown options, missing required ones;
        ``problems`` maps question keys to messages. Nothing is stored.
    :raises SurveyAlreadyAnswered: the invitation has its answer (also when a concurrent one won).
    :raises SurveyExpired: a ``link`` answer after the expiry.
    """
    now = now or utcnow()
    allowed = ("sent",) if source == "link" else ("scheduled", "sent", "expired")
    with ticket_transaction(session):
        invitation = session.get(SurveyInvitation, invitation_id, populate_existing=True)
        if invitation is None:
            raise NotFound(f"no survey invitation {invitation_id!r}")
        template = pinned_template(session, invitation.template_revision_id)
        checked = check_answers(template, submitted)
        if not checked.ok:
            raise ValidationFailed(
                f"{len(checked.errors)} answer(s) need attention: "
                + ", ".join(sorted(checked.errors)),
                checked.errors,
            )
        expiry_ok = sa.or_(SurveyInvitation.expires_at.is_(None), SurveyInvitation.expires_at > now)
        claimed = session.execute(
            sa.update(SurveyInvitation)
            .where(
                SurveyInvitation.id == invitation_id,
                SurveyInvitation.status.in_(allowed),
                expiry_ok if source == "link" else sa.true(),
            )
            .values(status="answered", answered_at=now)
        ).rowcount
        if not claimed:
            current = session.scalar(
                sa.select(SurveyInvitation.status).where(SurveyInvitation.id == invitation_id)
            )
            if current == "answered":
                raise SurveyAlreadyAnswered("this survey has been answered already")
            raise SurveyExpired("this survey link has expired")
        scores = compute_scores(template, checked.answers)
        answer = SurveyAnswer(
            invitation_id=invitation_id, ticket_id=invitation.ticket_id,
            template_key=invitation.template_key, answers=checked.answers, score=scores.score,
            csat=scores.csat, nps=scores.nps, source=source,
            recorded_by_id=actor.id if actor is not None else None,
            followup="pending", followup_detail=[], note=(note or None), created_at=now,
        )  # fmt: skip
        session.add(answer)
        try:
            session.flush()
        except IntegrityError:  # the unique invitation_id: a concurrent answer won
            raise SurveyAlreadyAnswered("this survey has been answered already") from None
        ticket = session.get(Ticket, invitation.ticket_id)
        assert ticket is not None
        record_event(
            session, ticket, "survey_answered", actor,
            {"survey": invitation.template_key, "invitation": invitation_id,
             "answer": answer.id, "score": scores.score, "source": source,
             "why": "recorded by phone" if source == "phone" else "answered through the link"},
            public=False,
        )  # fmt: skip
    return answer


def record_by_phone(
    session: Session,
    actor: User,
    ticket: Ticket,
    template_key: str,
    submitted: Mapping[str, Any],
    note: str | None = None,
) -> SurveyAnswer:
    """An agent records the answers of a callback call; commits.

    Answers the ticket's invitation of ``template_key`` (scheduled, sent or expired), or — when
    none was scheduled — creates one marked ``phone`` in the same transaction, so a failed
    validation leaves nothing behind (no invitation the sweep would then send).

    :raises NotFound: the template is not active for the ticket's type and none was scheduled.
    :raises ValidationFailed, SurveyAlreadyAnswered: as :func:`submit_answers`.
    """
    with ticket_transaction(session):
        invitation_id = session.scalar(
            sa.select(SurveyInvitation.id).where(
                SurveyInvitation.ticket_id == ticket.id,
                SurveyInvitation.template_key == template_key,
            )
        )
        if invitation_id is None:
            template = compiled_active_set(session).survey_templates.get(template_key)
            if template is None or ticket.type_key not in template.for_types:
                raise NotFound(f"no survey {template_key!r} for ticket {ticket.number}")
            checked = check_answers(template, submitted)
            if not checked.ok:
                raise ValidationFailed("answers need attention", checked.errors)
            invitation_id = schedule_invitation(
                session, ticket, template, due_at=utcnow(), origin="phone"
            )
            if invitation_id is None:  # a concurrent call or event scheduled it just now
                raise SurveyAlreadyAnswered("this survey was recorded by someone else just now")
        return submit_answers(
            session, invitation_id, submitted, source="phone", actor=actor, note=note
        )


def applicable_templates(session: Session, ticket: Ticket) -> list[CompiledSurveyTemplate]:
    """The active templates for the ticket's type (what an agent may record by phone)."""
    templates = compiled_active_set(session).survey_templates.values()
    return sorted((t for t in templates if ticket.type_key in t.for_types), key=lambda t: t.key)


def effective_status(invitation: SurveyInvitation, now: datetime | None = None) -> str:
    """The status a person should see (a sent link past its expiry reads ``expired``)."""
    now = now or utcnow()
    if (
        invitation.status == "sent"
        and invitation.expires_at is not None
        and invitation.expires_at <= now
    ):
        return "expired"
    return invitation.status


def invitations_of(session: Session, ticket_id: int) -> list[SurveyInvitation]:
    """The invitations of one ticket (with their answers), oldest first."""
    return list(
        session.scalars(
            sa.select(SurveyInvitation)
            .where(SurveyInvitation.ticket_id == ticket_id)
            .order_by(SurveyInvitation.id)
        )
    )


def send_survey_action(session: Session, ticket: Ticket, template_key: str) -> dict[str, Any]:
    """An automation's ``send_survey``: schedule ``template_key`` for ``ticket`` due now, in the
    caller's transaction (the sweep sends it); what it did."""
    template = compiled_active_set(session).survey_templates.get(template_key)
    if template is None:
        return {"do": "send_survey", "template": template_key, "skipped": "no such survey"}
    invitation_id = schedule_invitation(
        session, ticket, template, due_at=utcnow(), origin="automation"
    )
    if invitation_id is None:
        return {"do": "send_survey", "template": template_key, "skipped": "already surveyed"}
    return {"do": "send_survey", "template": template_key, "invitation": invitation_id}
