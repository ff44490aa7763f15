"""Attachment references in field values: ``attachments`` lists and ``signature`` ids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.customers import models as customer_models
from gongdan.definitions.compiled import CompiledTicketType
from gongdan.errors import ValidationFailed
from gongdan.tickets.models import Ticket, TicketAttachment

ATTACHMENT_FIELD_TYPES = frozenset({"attachments", "signature"})


def attachment_ids(value: Any) -> list[int | None]:
    """The ids a field value names (``None`` for an entry that is not an id)."""
    items = value if isinstance(value, list | tuple) else [value]
    ids: list[int | None] = []
    for item in items:
        if isinstance(item, Mapping):
            item = item.get("id")
        if isinstance(item, bool):
            ids.append(None)
        elif isinstance(item, int):
            ids.append(item)
        elif isinstance(item, str) and item.strip().isdigit():
            ids.append(int(item.strip()))
        else:
            ids.append(None)
    return ids


def check_attachment_refs(
    session: Session,
    ticket: Ticket,
    ticket_type: CompiledTicketType,
    values: Mapping[str, Any],
    before: Mapping[str, Any],
) -> None:
    """Every changed attachment or signature field must name attachments of this ticket.

    A signature must be a PNG attachment.

    :raises ValidationFailed: listing each field that names something else.
    """
    problems: dict[str, str] = {}
    for field in ticket_type.fields:
        if field.type not in ATTACHMENT_FIELD_TYPES:
            continue
        value = values.get(field.key)
        if value is None or value == before.get(field.key):
            continue
        ids = attachment_ids(value)
        if None in ids:
            problems[field.key] = "must name uploaded attachments of this ticket by id"
            continue
        rows = {
            row.id: row
            for row in session.scalars(
                select(TicketAttachment).where(
                    TicketAttachment.ticket_id == ticket.id, TicketAttachment.id.in_(ids)
                )
            )
        }
        unknown = [i for i in ids if i not in rows]
        if unknown:
            problems[field.key] = f"no attachment {unknown[0]} on this ticket"
        elif field.type == "signature" and any(
            rows[i].content_type != "image/png" for i in ids if i is not None
        ):
            problems[field.key] = "a signature must be a PNG image"
    if problems:
        raise ValidationFailed(f"invalid attachment reference in {', '.join(problems)}", problems)


def resolve_address_refs(
    session: Session,
    ticket_type: CompiledTicketType,
    submitted: Mapping[str, Any],
    customer_id: int | None,
) -> tuple[dict[str, Any], int | None]:
    """Replace an address id given for an ``address`` field by that address's parts.

    :returns: the submitted values with ids resolved, and the last address id resolved (for
        ``Ticket.address_id``), or ``None``.
    :raises ValidationFailed: an id of no address, or of another customer's address.
    """
    address_cls = getattr(customer_models, "Address", None)
    values = dict(submitted)
    chosen: int | None = None
    problems: dict[str, str] = {}
    for field in ticket_type.fields:
        value = values.get(field.key)
        if field.type != "address" or address_cls is None:
            continue
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        address = session.get(address_cls, value)
        if address is None or (customer_id is not None and address.customer_id != customer_id):
            problems[field.key] = f"no address {value} of this customer"
            continue
        values[field.key] = address_parts(address)
        chosen = address.id
    if problems:
        raise ValidationFailed(f"invalid address in {', '.join(problems)}", problems)
    return values, chosen


def address_parts(address: Any) -> dict[str, Any]:
    """The value an ``address`` field stores for an Address row (parts that are set)."""
    parts = {key: getattr(address, key, None) for key in ("region", "city", "line", "lat", "lng")}
    return {key: value for key, value in parts.items() if value not in (None, "")}
