"""Turn one inbound message into a ticket or a reply, as its ``InboundChannel`` declares.

E-mail and JSON gateways share this: a message is a JSON-like payload (e-mail is parsed into
one by :mod:`gongdan.channels.email`) plus attachments. The definition's mapping takes values
out of the payload by JSON path; a message naming an existing ticket of the same customer
becomes a customer-visible comment on it, anything else a new ticket that records its channel.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.channels.jsonpath import MISSING, resolve
from gongdan.channels.models import InboundMessage
from gongdan.customers.models import Asset, Contact, Customer
from gongdan.customers.validation import normalize_phone
from gongdan.definitions.compiled import CompiledInboundChannel, CompiledInboundMapping
from gongdan.definitions.frozen import thaw
from gongdan.errors import ValidationFailed
from gongdan.tickets import services
from gongdan.tickets.attachments import check_upload
from gongdan.tickets.models import Ticket
from gongdan.tickets.transaction import ticket_transaction

#: Tokens that may be ticket numbers (``RP-20261124-0001``); the database decides.
TICKET_NUMBER = re.compile(r"[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9-]*[0-9]")


@dataclass(frozen=True)
class InboundFile:
    """An attachment of an inbound message."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class InboundResult:
    """What a message did: ``created`` a ticket or ``commented`` on one."""

    action: str
    ticket: Ticket
    comment_id: int | None = None
    attachment_ids: list[int] = field(default_factory=list)


class SignatureInvalid(Exception):
    """The message's shared secret or HMAC signature does not match."""


def verify_signature(
    channel: CompiledInboundChannel, headers: Mapping[str, str], body: bytes, secret: str | None
) -> None:
    """Check the channel's shared-secret header or HMAC-SHA256 signature of ``body``.

    :raises SignatureInvalid: no secret configured, header missing, or a mismatch.
    """
    verify = channel.verify
    if verify is None:
        return
    if not secret:
        raise SignatureInvalid(f"setting {verify['secret_setting']} is not configured")
    sent = headers.get(verify["header"])
    if not sent:
        raise SignatureInvalid(f"header {verify['header']} is missing")
    if verify["method"] == "shared_secret":
        expected = secret
    else:
        digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        expected = verify.get("prefix", "") + digest
    if not hmac.compare_digest(sent.strip().encode("utf-8"), expected.encode("utf-8")):
        raise SignatureInvalid(f"header {verify['header']} does not match")


def _text(value: Any) -> str | None:
    if value is MISSING or value is None:
        return None
    text = value if isinstance(value, str) else str(thaw(value))
    return text.strip() or None


def _values(channel: CompiledInboundChannel, payload: Any) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {k: thaw(v) for k, v in channel.defaults.items()}
    problems: dict[str, str] = {}
    for mapping in channel.mappings:
        value = resolve(payload, mapping.path)
        if isinstance(value, str):
            value = value.strip()
        if value is MISSING or value in (None, ""):
            if mapping.required:
                problems[mapping.target] = (
                    f"is required: the message has nothing at {mapping.source}"
                )
            continue
        values[mapping.target] = thaw(value)
    return values, problems


@dataclass
class Sender:
    """Who sent a message, as far as the customer records tell."""

    customer_id: int | None = None
    contact_id: int | None = None
    asset_id: int | None = None


def find_sender(session: Session, values: Mapping[str, Any]) -> Sender:
    """The contact (and customer) by e-mail or phone, the customer by code, the asset by serial."""
    sender = Sender()
    email = str(values.get("contact.email") or "").lower()
    phone = normalize_phone(str(values.get("contact.phone") or ""))
    contact = None
    if email:
        contact = session.scalars(
            select(Contact).where(func.lower(Contact.email) == email).order_by(Contact.id)
        ).first()
    if contact is None and phone:
        contact = session.scalars(
            select(Contact)
            .where(or_(Contact.phone == phone, Contact.mobile == phone))
            .order_by(Contact.id)
        ).first()
    if contact is not None:
        sender.contact_id, sender.customer_id = contact.id, contact.customer_id
    if sender.customer_id is None and email:
        sender.customer_id = session.scalar(
            select(User.customer_id).where(
                func.lower(User.email) == email, User.customer_id.is_not(None)
            )
        ) or session.scalar(select(Customer.id).where(func.lower(Customer.email) == email))
    if sender.customer_id is None and phone:
        sender.customer_id = session.scalar(select(Customer.id).where(Customer.phone == phone))
    if values.get("customer.code"):
        found = session.scalar(select(Customer.id).where(Customer.code == values["customer.code"]))
        sender.customer_id = sender.customer_id or found
    if values.get("asset.serial_number"):
        asset = session.scalar(
            select(Asset).where(Asset.serial_number == str(values["asset.serial_number"]))
        )
        if asset is not None and sender.customer_id in (None, asset.customer_id):
            sender.asset_id, sender.customer_id = asset.id, asset.customer_id
    return sender


def find_answered_ticket(session: Session, texts: Iterable[str | None]) -> Ticket | None:
    """The first existing ticket whose number appears in ``texts``."""
    candidates: list[str] = []
    for text in texts:
        if text:
            candidates.extend(match.group(0).upper() for match in TICKET_NUMBER.finditer(text))
    if not candidates:
        return None
    tickets = {
        t.number.upper(): t
        for t in session.scalars(select(Ticket).where(func.upper(Ticket.number).in_(candidates)))
    }
    return next((tickets[c] for c in candidates if c in tickets), None)


def _reply_texts(channel: CompiledInboundChannel, payload: Any) -> list[str | None]:
    paths: list[CompiledInboundMapping] = []
    if channel.reply_number is not None:
        paths.append(channel.reply_number)
    paths.extend(channel.reply_search)
    return [_text(resolve(payload, p.path)) for p in paths]


def _check_files(files: Sequence[InboundFile]) -> list[InboundFile]:
    checked = []
    for upload in files:
        name, content_type = check_upload(upload.filename, upload.content_type, upload.data, None)
        checked.append(InboundFile(name, content_type, upload.data))
    return checked


def _attach(session: Session, ticket: Ticket, files: Sequence[InboundFile]) -> list[int]:
    return [
        services.add_attachment(
            session,
            None,
            ticket.id,
            filename=f.filename,
            content_type=f.content_type,
            data=f.data,
        ).id
        for f in files
    ]


def receive(
    session: Session,
    channel: CompiledInboundChannel,
    payload: Any,
    files: Sequence[InboundFile] = (),
    *,
    extra_reply_texts: Sequence[str | None] = (),
    thread_ids: Sequence[str] = (),
) -> InboundResult:
    """Create a ticket from ``payload`` or add it as a reply to the ticket it answers.

    The answered ticket is found by ``thread_ids`` (ids of earlier messages this one quotes)
    or by a ticket number in the channel's reply paths or ``extra_reply_texts``. A message id
    already received returns the earlier outcome as ``duplicate`` and changes nothing.
    Everything is checked before anything is written: a message missing mapped required data,
    or with an attachment that is not allowed, raises :class:`ValidationFailed`.
    """
    message_id = _text(resolve(payload, channel.message_id.path)) if channel.message_id else None
    message_id = message_id[:255] if message_id is not None else None
    if message_id is not None:
        earlier = _earlier_outcome(session, channel, message_id)
        if earlier is not None:
            return earlier
    values, problems = _values(channel, payload)
    files = _check_files(files)
    sender = find_sender(session, values)
    try:
        # The ticket (or reply) and the record of its message id commit together, so two
        # deliveries of one message at the same instant make one ticket: the loser's insert
        # hits the unique (channel, message id) and its whole transaction rolls back.
        with ticket_transaction(session):
            result = _reply_or_create(
                session, channel, payload, values, problems, sender, files,
                [*extra_reply_texts, *_reply_texts(channel, payload)], thread_ids,
            )  # fmt: skip
            if message_id is not None:
                _record_message(session, channel, message_id, result)
    except _AlreadyReceived:
        assert message_id is not None
        earlier = _earlier_outcome(session, channel, message_id)
        assert earlier is not None, "the message id was taken by a transaction now committed"
        return earlier
    return result


class _AlreadyReceived(Exception):
    """Another delivery of the same message committed first."""


def _earlier_outcome(
    session: Session, channel: CompiledInboundChannel, message_id: str
) -> InboundResult | None:
    seen = session.scalar(
        select(InboundMessage).where(
            InboundMessage.channel_key == channel.key, InboundMessage.message_id == message_id
        )
    )
    ticket = session.get(Ticket, seen.ticket_id) if seen is not None else None
    if seen is None or ticket is None:
        return None
    return InboundResult("duplicate", ticket, seen.comment_id)


def _reply_or_create(
    session: Session,
    channel: CompiledInboundChannel,
    payload: Any,
    values: dict[str, Any],
    problems: dict[str, str],
    sender: Sender,
    files: Sequence[InboundFile],
    reply_texts: Sequence[str | None],
    thread_ids: Sequence[str],
) -> InboundResult:
    if channel.reply_comment is not None:
        ticket = _threaded_ticket(session, channel, thread_ids) or find_answered_ticket(
            session, reply_texts
        )
        # Only the ticket's own customer may add to it: a number alone proves nothing.
        if (
            ticket is not None
            and sender.customer_id is not None
            and (ticket.customer_id == sender.customer_id)
        ):
            return _reply(session, channel, payload, ticket, files)
    return _create(session, channel, values, problems, sender, files)


def _record_message(
    session: Session, channel: CompiledInboundChannel, message_id: str, result: InboundResult
) -> None:
    session.add(
        InboundMessage(
            channel_key=channel.key,
            message_id=message_id,
            ticket_id=result.ticket.id,
            comment_id=result.comment_id,
            action=result.action,
        )
    )
    try:
        session.flush()
    except IntegrityError:
        raise _AlreadyReceived from None


def _threaded_ticket(
    session: Session, channel: CompiledInboundChannel, thread_ids: Sequence[str]
) -> Ticket | None:
    ids = [i[:255] for i in thread_ids if i]
    if not ids:
        return None
    ticket_id = session.scalar(
        select(InboundMessage.ticket_id)
        .where(InboundMessage.channel_key == channel.key, InboundMessage.message_id.in_(ids))
        .order_by(InboundMessage.id.desc())
    )
    return session.get(Ticket, ticket_id) if ticket_id is not None else None


def _reply(
    session: Session,
    channel: CompiledInboundChannel,
    payload: Any,
    ticket: Ticket,
    files: Sequence[InboundFile],
) -> InboundResult:
    assert channel.reply_comment is not None
    body = _text(resolve(payload, channel.reply_comment.path))
    if body is None:
        raise ValidationFailed(
            "the reply has no text", {"reply.comment": f"nothing at {channel.reply_comment.source}"}
        )
    comment = services.add_comment(session, None, ticket.id, body=body)
    ids = _attach(session, ticket, files)
    session.refresh(ticket)
    return InboundResult("commented", ticket, comment.id, ids)


def _create(
    session: Session,
    channel: CompiledInboundChannel,
    values: dict[str, Any],
    problems: dict[str, str],
    sender: Sender,
    files: Sequence[InboundFile],
) -> InboundResult:
    if sender.customer_id is None:
        for target in ("contact.email", "contact.phone", "customer.code"):
            if target in values:
                problems.setdefault(target, f"no customer is known by {values[target]!r}")
    if problems:
        first = next(iter(problems.items()))
        raise ValidationFailed(f"cannot create a ticket: {first[0]}: {first[1]}", problems)
    fields = {k.removeprefix("fields."): v for k, v in values.items() if k.startswith("fields.")}
    ticket = services.create_ticket(
        session,
        None,
        type_key=channel.ticket_type,
        channel=channel.channel,
        fields=fields,
        priority=values.get("priority") or channel.priority,
        subject=(str(values["subject"])[:300] if values.get("subject") else None),
        customer_id=sender.customer_id,
        contact_id=sender.contact_id,
        asset_id=sender.asset_id,
    )
    ids = _attach(session, ticket, files)
    if ids:
        session.refresh(ticket)
    return InboundResult("created", ticket, None, ids)
