"""The knowledge-base services: reading, feedback, solving tickets, drafts from tickets, files.

Every function takes the session first and the acting user second, commits what it changes,
and raises only :class:`~gongdan.errors.GongdanError` subclasses. Counters are increased by
one SQL ``UPDATE`` (never read, add, write), so concurrent readers never lose a count.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.accounts.policy import is_staff
from gongdan.db import utcnow
from gongdan.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from gongdan.knowledge.indexing import FAULT_CODE_LIST, PRODUCT_MODEL_LIST, option_titles
from gongdan.knowledge.models import KbArticle, KbAttachment, KbFeedback
from gongdan.knowledge.search import Audience, visibilities
from gongdan.tickets import services as ticket_services
from gongdan.tickets.attachments import check_upload, default_instance_path, store_bytes
from gongdan.tickets.events import record_event
from gongdan.tickets.models import Ticket, TicketComment
from gongdan.tickets.transaction import ticket_transaction

#: Roles that may write and edit articles in the workspace (drafts from tickets included).
EDITOR_ROLES = frozenset(
    {"admin", "manager", "service_manager", "dispatcher", "agent", "engineer", "quality_inspector"}
)

#: Roles that may publish, unpublish and change an article's visibility.
PUBLISHER_ROLES = frozenset({"admin", "manager", "service_manager"})

#: Values given to fields a "resolved" transition requires when the ticket has none yet
#: (``solve_at_first_contact`` of the default pack needs a resolution code).
DEFAULT_SOLVED_FIELDS: Mapping[str, Any] = {"resolution_code": "remote_guidance"}

#: A customer's "this solved my problem" counts once per article in this time.
DEFLECTION_WINDOW = timedelta(hours=24)

#: State categories a ticket can be solved from.
_SOLVABLE = frozenset({"open", "paused"})


def audience_of(user: User | None) -> Audience:
    """What ``user`` may read: staff everything published, customers public articles."""
    return "staff" if user is not None and is_staff(user) else "public"


def may_edit(user: User | None) -> bool:
    """Whether ``user`` may write articles."""
    return user is not None and user.active and user.role in EDITOR_ROLES


def may_publish(user: User | None) -> bool:
    """Whether ``user`` may publish articles or change their visibility."""
    return user is not None and user.active and user.role in PUBLISHER_ROLES


def readable_article(session: Session, user: User | None, article_id: int) -> KbArticle:
    """A published article ``user`` may read; editors also get drafts.

    :raises NotFound: missing, a draft, or internal for a customer (indistinguishable).
    """
    article = session.get(KbArticle, article_id)
    if article is None or article.visibility not in visibilities(audience_of(user)):
        raise NotFound(f"no article with id {article_id!r}")
    if article.status != "published" and not may_edit(user):
        raise NotFound(f"no article with id {article_id!r}")
    return article


def _increment(session: Session, article_id: int, column: str) -> None:
    counter = getattr(KbArticle, column)
    session.execute(
        sa.update(KbArticle).where(KbArticle.id == article_id).values({column: counter + 1})
    )


def record_view(session: Session, article: KbArticle) -> None:
    """Count one view of ``article``."""
    _increment(session, article.id, "view_count")
    session.commit()


def has_voted(session: Session, user: User, article: KbArticle) -> bool:
    """Whether ``user`` already said the article helped."""
    return (
        session.scalar(
            sa.select(KbFeedback.id).where(
                KbFeedback.article_id == article.id,
                KbFeedback.user_id == user.id,
                KbFeedback.kind == "helped",
            )
        )
        is not None
    )


def vote_helped(session: Session, user: User, article: KbArticle) -> bool:
    """Record that the article helped ``user``: once per user, later clicks change nothing.

    :returns: whether this vote was counted.
    :raises NotFound: the article is a draft (only published articles are voted on).
    """
    if article.status != "published":
        raise NotFound(f"no published article with id {article.id!r}")
    try:
        with session.begin_nested():
            session.add(KbFeedback(article_id=article.id, user_id=user.id, kind="helped"))
    except IntegrityError:  # the partial unique index: this user voted before
        session.rollback()
        return False
    _increment(session, article.id, "helped_count")
    session.commit()
    return True


def record_deflection(session: Session, user: User, article: KbArticle) -> bool:
    """A customer's "this solved my problem, no request needed": counted once a day.

    :returns: whether it was counted.
    """
    since = utcnow() - DEFLECTION_WINDOW
    earlier = session.scalar(
        sa.select(KbFeedback.id).where(
            KbFeedback.article_id == article.id,
            KbFeedback.user_id == user.id,
            KbFeedback.kind == "deflected",
            KbFeedback.created_at >= since,
        )
    )
    if earlier is not None:
        return False
    session.add(KbFeedback(article_id=article.id, user_id=user.id, kind="deflected"))
    _increment(session, article.id, "deflection_count")
    session.commit()
    return True


def solve_ticket(
    session: Session,
    user: User,
    ticket_id: int,
    article_id: int,
    *,
    expected_version: int,
    comment: str,
) -> Ticket:
    """Resolve a ticket at first contact with an article, through its workflow.

    Takes the first transition ``user`` may take from the ticket's state to a state of
    category ``resolved``, filling the fields it requires from :data:`DEFAULT_SOLVED_FIELDS`
    where the ticket has none, with ``comment``. In the same transaction: the event
    ``solved_by_article`` on the ticket, the article's solved count, a feedback row.

    :raises TransitionNotAllowed: the ticket is not open, or no such transition exists.
    :raises ValidationFailed: the transition needs fields that cannot be filled here.
    """
    user_row = session.get(User, user.id)
    if user_row is None or not is_staff(user_row):
        raise PermissionDenied("only staff solve tickets with articles")
    ticket = ticket_services.get_ticket(session, user_row, ticket_id)
    article = readable_article(session, user_row, article_id)
    if article.status != "published":
        raise ValidationFailed(f"article {article.id} is a draft; publish it first")
    if ticket.state_category not in _SOLVABLE:
        raise TransitionNotAllowed(
            f"ticket {ticket.number} is {ticket.state_category} already; nothing to solve"
        )
    pinned = ticket_services.pinned_definitions(session, ticket)
    workflow = pinned.workflow
    candidates = [
        t
        for t in ticket_services.available_transitions(session, user_row, ticket)
        if t.target in workflow.states and workflow.states[t.target].category == "resolved"
    ]
    if not candidates:
        raise TransitionNotAllowed(
            f"workflow {workflow.key!r} has no step from state {ticket.state!r} to a resolved "
            f"state that role {user_row.role!r} may take; use the ticket's own steps"
        )
    transition = candidates[0]
    current = dict(ticket.fields or {})
    fields = {
        key: DEFAULT_SOLVED_FIELDS[key]
        for key in transition.require_fields
        if current.get(key) in (None, "", [])
        and key in DEFAULT_SOLVED_FIELDS
        and pinned.ticket_type.field(key) is not None
    }
    missing = [
        key
        for key in transition.require_fields
        if current.get(key) in (None, "", []) and key not in fields
    ]
    if missing:
        raise ValidationFailed(
            f"step {transition.key!r} needs {', '.join(missing)}; fill them on the ticket first",
            {key: "required to solve the ticket" for key in missing},
        )
    hint: dict[str, object] = {}
    with ticket_transaction(session, hint):
        ticket = ticket_services.run_transition(
            session,
            user_row,
            ticket.id,
            transition.key,
            expected_version=expected_version,
            fields=fields or None,
            comment=comment if transition.comment != "none" else None,
        )
        record_event(
            session,
            ticket,
            "solved_by_article",
            user_row,
            {"article_id": article.id, "title": article.title, "transition": transition.key},
            public=article.visibility == "public",
        )
        session.add(
            KbFeedback(
                article_id=article.id,
                user_id=user_row.id,
                kind="solved",
                ticket_id=ticket.id,
                data={"transition": transition.key},
            )
        )
        _increment(session, article.id, "solved_count")
    return ticket


# ------------------------------------------------------------------------ writing articles


def _option_title(titles: Mapping[str, list[str]], value: Any) -> str:
    names = titles.get(str(value))
    return f"{names[0]} ({value})" if names else str(value)


def draft_body(session: Session, ticket: Ticket) -> str:
    """A Markdown body made from a resolved ticket: symptom, device, fault, what was done,
    and the comments the customer could see."""
    fields = dict(ticket.fields or {})
    faults = option_titles(session, FAULT_CODE_LIST)
    models = option_titles(session, PRODUCT_MODEL_LIST)
    resolutions = option_titles(session, "resolution_codes")
    lines: list[str] = [f"> 来源工单 / From ticket {ticket.number}", ""]
    sections = (
        ("故障现象 / Symptom", fields.get("symptom") or fields.get("description")),
        ("产品型号 / Product model", fields.get("product_model") and _option_title(
            models, fields["product_model"])),
        ("故障代码 / Fault code", fields.get("fault_code") and _option_title(
            faults, fields["fault_code"])),
        ("诊断 / Diagnosis", fields.get("diagnosis_notes")),
        ("处理内容 / Work done", fields.get("work_done")),
        ("处理结果 / Resolution", fields.get("resolution_code") and _option_title(
            resolutions, fields["resolution_code"])),
    )  # fmt: skip
    for heading, value in sections:
        if value:
            lines += [f"## {heading}", "", str(value), ""]
    comments = session.scalars(
        sa.select(TicketComment.body)
        .where(TicketComment.ticket_id == ticket.id, TicketComment.internal.is_(False))
        .order_by(TicketComment.id)
    ).all()
    if comments:
        lines += ["## 处理记录 / Notes", ""]
        lines += [f"- {' '.join(body.split())}" for body in comments]
    return "\n".join(lines).strip() + "\n"


def draft_from_ticket(session: Session, user: User, ticket_number: str) -> KbArticle:
    """A new internal draft made from a resolved or closed ticket, linked to it.

    :raises PermissionDenied: ``user`` may not write articles.
    :raises ValidationFailed: the ticket is not resolved or closed yet.
    """
    if not may_edit(user):
        raise PermissionDenied("you may not write knowledge-base articles")
    ticket = ticket_services.get_ticket_by_number(session, user, ticket_number)
    if ticket.state_category not in ("resolved", "closed"):
        raise ValidationFailed(
            f"ticket {ticket.number} is {ticket.state_category}: write an article once it is "
            "resolved"
        )
    fields = dict(ticket.fields or {})
    article = KbArticle(
        title=ticket.subject[:200],
        body=draft_body(session, ticket),
        category=None,
        product_models=[fields["product_model"]] if fields.get("product_model") else [],
        fault_codes=[fields["fault_code"]] if fields.get("fault_code") else [],
        visibility="internal",
        status="draft",
        author_id=user.id,
        source_ticket_id=ticket.id,
    )
    session.add(article)
    session.commit()
    return article


def save_article(
    session: Session, user: User, article: KbArticle | None, values: Mapping[str, Any]
) -> KbArticle:
    """Create (``article`` None) or change an article from cleaned ``values``.

    ``status`` and ``visibility`` change only for publishers; others keep what is there
    (a new article by a non-publisher is an internal draft).

    :raises PermissionDenied: ``user`` may not write articles.
    """
    if not may_edit(user):
        raise PermissionDenied("you may not write knowledge-base articles")
    if article is None:
        article = KbArticle(author_id=user.id, status="draft", visibility="internal")
        session.add(article)
    for key in ("title", "body", "category", "product_models", "fault_codes"):
        if key in values:
            setattr(article, key, values[key])
    if may_publish(user):
        if values.get("visibility") in ("public", "internal"):
            article.visibility = values["visibility"]
        if values.get("status") in ("draft", "published"):
            set_status(article, values["status"])
    session.commit()
    return article


def set_status(article: KbArticle, status: str) -> None:
    """Publish or unpublish ``article`` (the first publication time is kept)."""
    article.status = status
    if status == "published" and article.published_at is None:
        article.published_at = utcnow()


def add_attachment(
    session: Session, user: User, article: KbArticle, *, filename: str, content_type: str,
    data: bytes,
) -> KbAttachment:  # fmt: skip
    """Store a file on an article (the ticket attachments' types and size limits).

    :raises ValidationFailed: empty, too big, a type not accepted, content not as declared.
    """
    if not may_edit(user):
        raise PermissionDenied("you may not change knowledge-base articles")
    name, actual = check_upload(filename, content_type, data, None)
    digest, key = store_bytes(default_instance_path(), data)
    attachment = KbAttachment(
        article_id=article.id, filename=name, content_type=actual, size=len(data),
        sha256=digest, storage_key=key, uploaded_by_id=user.id,
    )  # fmt: skip
    session.add(attachment)
    session.commit()
    return attachment


def readable_attachment(
    session: Session, user: User | None, article_id: int, attachment_id: int
) -> KbAttachment:
    """A file of an article ``user`` may read. :raises NotFound: otherwise."""
    article = readable_article(session, user, article_id)
    attachment = session.get(KbAttachment, attachment_id)
    if attachment is None or attachment.article_id != article.id:
        raise NotFound(f"no file {attachment_id!r} on article {article_id!r}")
    return attachment
