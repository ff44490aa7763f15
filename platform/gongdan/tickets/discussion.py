"""Comments and attachments on a ticket."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.accounts.policy import actor_roles, is_customer, is_staff
from gongdan.db import utcnow
from gongdan.errors import PermissionDenied, ValidationFailed
from gongdan.tickets.attachments import check_upload, default_instance_path, store_bytes
from gongdan.tickets.events import record_event
from gongdan.tickets.models import TicketAttachment, TicketComment
from gongdan.tickets.pinning import pinned_definitions
from gongdan.tickets.transaction import attach_actor, load_visible, ticket_transaction

#: The longest comment accepted, in characters.
MAX_COMMENT_LENGTH = 20000


def add_comment(
    session: Session, actor: User | None, ticket_id: int, *, body: str, internal: bool = False
) -> TicketComment:
    """Add a comment (stored verbatim; escaping is the views' job); records ``commented``.

    :raises PermissionDenied: a customer asked for an internal comment.
    :raises ValidationFailed: an empty or overlong body.
    """
    hint: dict[str, object] = {}
    with ticket_transaction(session, hint):
        actor = attach_actor(session, actor)
        ticket = load_visible(session, actor, ticket_id)
        hint.update(id=ticket.id, number=ticket.number, version=ticket.version)
        if internal and not is_staff(actor):
            raise PermissionDenied("customers cannot post internal comments")
        text = body or ""
        if not text.strip():
            raise ValidationFailed("the comment is empty", {"body": "required"})
        if len(text) > MAX_COMMENT_LENGTH:
            message = f"the comment has {len(text)} characters, more than {MAX_COMMENT_LENGTH}"
            raise ValidationFailed(message, {"body": message})
        now = utcnow()
        comment = TicketComment(
            ticket_id=ticket.id,
            author_id=actor.id if actor is not None else None,
            body=text,
            internal=bool(internal),
            created_at=now,
        )
        session.add(comment)
        session.flush()
        if not internal and actor is not None and not is_customer(actor):
            if ticket.first_response_at is None:
                ticket.first_response_at = now
        record_event(
            session,
            ticket,
            "commented",
            actor,
            {"comment_id": comment.id, "internal": bool(internal)},
            public=not internal,
        )
    return comment


def add_attachment(
    session: Session,
    actor: User | None,
    ticket_id: int,
    *,
    filename: str,
    content_type: str,
    data: bytes,
    field_key: str | None = None,
    internal: bool = False,
) -> TicketAttachment:
    """Store a file on the ticket; with ``field_key`` it is also added to that field's value.

    An ``attachments`` field gets the id appended, a ``signature`` field is set to it.

    :raises ValidationFailed: empty, too big, type not accepted, content not matching the
        declared type, unknown or non-file field, more files than ``max_files``.
    :raises PermissionDenied: a customer uploading internally or into a staff-only field.
    """
    hint: dict[str, object] = {}
    with ticket_transaction(session, hint):
        actor = attach_actor(session, actor)
        ticket = load_visible(session, actor, ticket_id)
        hint.update(id=ticket.id, number=ticket.number, version=ticket.version)
        if internal and not is_staff(actor):
            raise PermissionDenied("customers cannot add internal attachments")
        pinned = pinned_definitions(session, ticket)
        field = None
        if field_key is not None:
            field = pinned.ticket_type.field(field_key)
            if field is None or field.type not in ("attachments", "signature"):
                raise ValidationFailed(
                    f"{field_key!r} is not a file field of ticket type {ticket.type_key!r}",
                    {field_key: "not a file field"},
                )
            _check_field_permission(pinned.ticket_type, field, actor)
        name, actual_type = check_upload(
            filename, content_type, data, dict(field.spec) if field is not None else None
        )
        values = dict(ticket.fields or {})
        if field is not None and field.type == "attachments":
            current = list(values.get(field.key) or [])
            max_files = field.spec.get("max_files")
            if isinstance(max_files, int) and len(current) >= max_files:
                message = (
                    f"{field.key!r} already holds {len(current)} files (max_files {max_files})"
                )
                raise ValidationFailed(message, {field.key: message})
        digest, key = store_bytes(default_instance_path(), data)
        attachment = TicketAttachment(
            ticket_id=ticket.id,
            filename=name,
            content_type=actual_type,
            size=len(data),
            sha256=digest,
            storage_key=key,
            field_key=field_key,
            internal=bool(internal),
            uploaded_by_id=actor.id if actor is not None else None,
            created_at=utcnow(),
        )
        session.add(attachment)
        session.flush()
        if field is not None:
            before = values.get(field.key)
            if field.type == "attachments":
                values[field.key] = [*list(before or []), attachment.id]
            else:
                values[field.key] = str(attachment.id)
            ticket.fields = values
            ticket.updated_at = utcnow()
        record_event(
            session,
            ticket,
            "attachment_added",
            actor,
            {
                "attachment_id": attachment.id,
                "filename": name,
                "content_type": actual_type,
                "size": len(data),
                "field": field_key,
                "internal": bool(internal),
            },
            public=not internal,
        )
    return attachment


def _check_field_permission(ticket_type: object, field: object, actor: User | None) -> None:
    from gongdan.definitions.compiled import CompiledField, CompiledTicketType

    assert isinstance(ticket_type, CompiledTicketType) and isinstance(field, CompiledField)
    roles = actor_roles(actor)
    allowed = ticket_type.permissions.edit_fields.get(field.key)
    if is_customer(actor):
        if not field.customer_visible or not (
            field.customer_editable or (allowed is not None and "customer" in allowed)
        ):
            raise PermissionDenied(f"customers may not add files to {field.key!r}")
        return
    if allowed is not None and not roles & (allowed | {"admin", "system"}):
        raise PermissionDenied(f"your role may not change {field.key!r}")
