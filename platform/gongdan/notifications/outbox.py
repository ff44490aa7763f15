"""Writing notifications to the outbox, in the caller's transaction.

:func:`enqueue_notification` resolves the recipients, renders the template per channel and
recipient language, and inserts one row per (channel, recipient). It never commits: the rows
exist exactly when the caller's change does. After the commit a delivery job is enqueued
(:func:`~gongdan.jobs.runner.enqueue_after_commit`); if that fails, the outbox sweep delivers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.customers.models import Contact, Customer
from gongdan.db import utcnow
from gongdan.definitions.registry import compiled_active_set
from gongdan.jobs.runner import enqueue_after_commit
from gongdan.notifications.channels import webhook_url
from gongdan.notifications.models import NotificationOutbox
from gongdan.notifications.render import language_of, template_variables
from gongdan.tickets.models import Ticket

log = logging.getLogger(__name__)

#: Most users one ``role:x`` or ``department:x`` recipient expands to.
MAX_GROUP_RECIPIENTS = 200
DELIVER_JOB = "notifications.deliver"


@dataclass(frozen=True)
class Recipient:
    """A person (or endpoint) a message goes to, with an address per channel."""

    kind: str
    ref: str
    name: str
    language: str = "zh"
    audience: str = "staff"
    email: str | None = None
    phone: str | None = None
    wechat: str | None = None
    url: str | None = None

    def address(self, channel: str) -> str | None:
        """Where ``channel`` reaches this recipient; ``None`` when it cannot."""
        return {
            "email": self.email,
            "sms": self.phone,
            "wechat": self.wechat,
            "webhook": self.url,
        }.get(channel)


def _user(kind: str, user: User) -> Recipient:
    return Recipient(
        kind=kind,
        ref=f"user:{user.id}",
        name=user.display_name,
        language=language_of(user.locale),
        audience="customer" if user.role == "customer" else "staff",
        email=user.email or None,
        phone=user.phone or None,
    )


def _contact(kind: str, contact: Contact, customer: Customer | None) -> Recipient:
    return Recipient(
        kind=kind,
        ref=f"contact:{contact.id}",
        name=contact.name,
        audience="customer",
        email=contact.email or (customer.email if customer else None) or None,
        phone=contact.mobile or contact.phone or (customer.phone if customer else None) or None,
        wechat=contact.wechat or None,
    )


def _customer(session: Session, ticket: Ticket) -> list[Recipient]:
    customer = ticket.customer
    if customer is None:
        return []
    if customer.contacts:  # ordered primary first
        return [_contact("customer", customer.contacts[0], customer)]
    return [
        Recipient(
            kind="customer",
            ref=f"customer:{customer.id}",
            name=customer.name,
            audience="customer",
            email=customer.email or None,
            phone=customer.phone or None,
        )
    ]


def _users(session: Session, condition: sa.ColumnElement[bool]) -> list[User]:
    query = (
        sa.select(User)
        .where(condition, User.active.is_(True))
        .order_by(User.id)
        .limit(MAX_GROUP_RECIPIENTS)
    )
    return list(session.scalars(query))


def resolve_recipients(session: Session, ticket: Ticket, targets: Iterable[str]) -> list[Recipient]:
    """The people ``targets`` (``customer``, ``contact``, ``assignee``, ``department_lead``,
    ``watchers``, ``role:x``, ``department:x``) name for ``ticket``; each person once."""
    found: list[Recipient] = []
    for target in targets:
        if target == "customer":
            found += _customer(session, ticket)
        elif target == "contact" and ticket.contact_id is not None:
            contact = session.get(Contact, ticket.contact_id)
            if contact is not None:
                found.append(_contact("contact", contact, ticket.customer))
        elif target == "assignee" and ticket.assignee is not None:
            found.append(_user("assignee", ticket.assignee))
        elif target == "department_lead" and ticket.department_key:
            department = session.scalar(
                sa.select(Department).where(Department.key == ticket.department_key)
            )
            if department is not None and department.lead is not None:
                found.append(_user("department_lead", department.lead))
        elif target == "watchers":
            ids = [i for i in (ticket.fields or {}).get("watchers") or [] if isinstance(i, int)]
            if ids:
                found += [_user("watcher", user) for user in _users(session, User.id.in_(ids))]
        elif target.startswith("role:"):
            role = target.removeprefix("role:")
            found += [_user(target, user) for user in _users(session, User.role == role)]
        elif target.startswith("department:"):
            key = target.removeprefix("department:")
            members = _users(
                session,
                sa.and_(User.department.has(Department.key == key), User.role != "customer"),
            )
            found += [_user(target, user) for user in members]
        elif target not in ("contact", "assignee", "department_lead"):
            log.warning("unknown notification recipient %r (ticket %s)", target, ticket.id)
    unique: dict[str, Recipient] = {}
    for recipient in found:
        unique.setdefault(recipient.ref, recipient)
    return list(unique.values())


def _webhook_recipient() -> Recipient | None:
    url = webhook_url(current_app) if has_app_context() else None
    return Recipient(kind="webhook", ref="webhook", name="webhook", url=url or "webhook")


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows``, skipping any whose dedupe key exists; the ids of the new rows."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    table = NotificationOutbox.__table__
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = (
            insert(table)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id)
        )
        return [int(row_id) for row_id in session.execute(statement).scalars()]
    keys = [row["dedupe_key"] for row in rows]
    existing = set(
        session.scalars(sa.select(table.c.dedupe_key).where(table.c.dedupe_key.in_(keys)))
    )
    ids = []
    for row in rows:
        if row["dedupe_key"] not in existing:
            ids.append(int(session.execute(sa.insert(table).values(row)).inserted_primary_key[0]))
    return ids


def enqueue_notification(
    session: Session,
    *,
    template: str,
    ticket_id: int,
    recipients: list[str],
    event: str,
    context: Mapping[str, Any],
    event_id: int | None = None,
    channels: Iterable[str] | None = None,
) -> list[int]:
    """Render NotificationTemplate ``template`` for ``ticket_id`` and write outbox rows.

    One row per (channel of the template, recipient reachable on it), in the recipient's
    language, in the caller's transaction (no commit). ``context`` adds template variables
    (``sla``, ``survey``). The dedupe key is ``{event_id}:{template}:{channel}:{recipient}``
    (without ``event_id``: ``{event}@{ticket_id}``), so repeating a call writes nothing twice;
    callers without an event id make ``event`` name the occurrence
    (``sla:resolution:level2``). ``channels`` keeps only those of the template's channels (a
    survey is sent on the channels its SurveyTemplate names). Returns the ids of the rows written.
    """
    definition = compiled_active_set(session).notification_templates.get(template)
    if definition is None:
        log.warning("notification template %r is not active; nothing sent", template)
        return []
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        log.warning("notification %r for missing ticket %s skipped", template, ticket_id)
        return []
    people = resolve_recipients(session, ticket, recipients)
    occurrence = str(event_id) if event_id is not None else f"{event}@{ticket_id}"
    variables: dict[tuple[str, str], dict[str, Any]] = {}
    now = utcnow()
    rows: list[dict[str, Any]] = []
    wanted = set(channels) if channels is not None else None
    for channel in definition.channels():
        if wanted is not None and channel not in wanted:
            continue
        targets = [_webhook_recipient()] if channel == "webhook" else people
        for person in targets:
            address = person.address(channel) if person is not None else None
            if person is None or not address:
                continue
            key = (person.language, person.audience)
            if key not in variables:
                variables[key] = template_variables(
                    session, ticket, language=person.language, audience=person.audience,
                    extra=context,
                )  # fmt: skip
            try:
                subject = definition.render(channel, "subject", person.language, variables[key])
                body = definition.render(channel, "body", person.language, variables[key])
            except jinja2.TemplateError:  # the change goes on; the admin sees it in the log
                log.exception("template %r (%s) failed to render; not sent", template, channel)
                continue
            rows.append(
                {
                    "event": event[:120],
                    "template_key": template,
                    "channel": channel,
                    "recipient_kind": person.kind[:32],
                    "recipient_ref": person.ref,
                    "recipient_name": person.name[:200],
                    "recipient_address": address[:500],
                    "language": person.language,
                    "subject": (subject or "").strip(),
                    "body": body or "",
                    "ticket_id": ticket.id,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "lease_until": None,
                    "last_error": None,
                    "created_at": now,
                    "sent_at": None,
                    "dedupe_key": f"{occurrence}:{template}:{channel}:{person.ref}"[:400],
                }
            )
    ids = _insert_new(session, rows)
    for outbox_id in ids:
        enqueue_after_commit(session, DELIVER_JOB, outbox_id, job_id=f"deliver-{outbox_id}-0")
    return ids
