"""The JSON shapes of tickets and their parts, as the API and the inbound endpoints return them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import url_for
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.accounts.policy import is_customer
from gongdan.customers.models import Asset, Contact, Customer
from gongdan.tickets.models import Ticket, TicketAttachment, TicketComment, TicketEvent
from gongdan.tickets.services import pinned_definitions


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def ticket_json(session: Session, ticket: Ticket, viewer: User | None) -> dict[str, Any]:
    """A ticket as ``viewer`` may see it: customers do not get staff-only fields."""
    pinned = pinned_definitions(session, ticket)
    fields = dict(ticket.fields or {})
    if is_customer(viewer):
        hidden = {f.key for f in pinned.ticket_type.fields if not f.customer_visible}
        fields = {k: v for k, v in fields.items() if k not in hidden}
    state = pinned.workflow.states.get(ticket.state)
    return {
        "id": ticket.id,
        "number": ticket.number,
        "type": ticket.type_key,
        "subject": ticket.subject,
        "state": ticket.state,
        "state_title": dict(state.title) if state is not None else {},
        "state_category": ticket.state_category,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "department": ticket.department_key,
        "assignee_id": ticket.assignee_id,
        "customer_id": ticket.customer_id,
        "contact_id": ticket.contact_id,
        "address_id": ticket.address_id,
        "asset_id": ticket.asset_id,
        "charge_class": ticket.charge_class,
        "fields": fields,
        "version": ticket.version,
        "ticket_type_revision_id": ticket.ticket_type_revision_id,
        "workflow_revision_id": ticket.workflow_revision_id,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "resolved_at": iso(ticket.resolved_at),
        "closed_at": iso(ticket.closed_at),
    }


def comment_json(comment: TicketComment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "body": comment.body,
        "internal": comment.internal,
        "author_id": comment.author_id,
        "created_at": iso(comment.created_at),
    }


def attachment_json(attachment: TicketAttachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "field_key": attachment.field_key,
        "internal": attachment.internal,
        "download_url": url_for(
            "api_v1.tickets_api.download_attachment", attachment_id=attachment.id
        ),
        "created_at": iso(attachment.created_at),
    }


def event_json(event: TicketEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind,
        "actor_id": event.actor_id,
        "public": event.public,
        "data": event.data,
        "created_at": iso(event.created_at),
    }


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "code": customer.code,
        "name": customer.name,
        "tier": customer.tier,
        "region": customer.region,
        "phone": customer.phone,
        "email": customer.email,
    }


def contact_json(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "customer_id": contact.customer_id,
        "name": contact.name,
        "phone": contact.phone,
        "mobile": contact.mobile,
        "email": contact.email,
        "is_primary": contact.is_primary,
    }


def asset_json(asset: Asset) -> dict[str, Any]:
    in_warranty = asset.warranty_end is not None and asset.warranty_end >= date.today()
    return {
        "id": asset.id,
        "customer_id": asset.customer_id,
        "product_model": asset.product_model,
        "serial_number": asset.serial_number,
        "install_date": iso(asset.install_date),
        "warranty_end": iso(asset.warranty_end),
        "in_warranty": in_warranty,
        "contract_id": asset.contract_id,
    }
