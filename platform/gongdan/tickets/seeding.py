"""Demo and sample tickets: created through :func:`create_ticket`, then placed in a state.

Only for seeding (``gongdan init --demo``): the ticket is created by the real service (number,
pinned revisions, defaults, derived values, ``created`` event); moving it straight to a later
state skips the workflow's required fields, so that step is recorded as a ``transition`` event
marked ``source: demo``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.customers import models as customer_models
from gongdan.customers.models import Customer
from gongdan.definitions.compiled import CompiledTicketType
from gongdan.tickets.creation import create_ticket
from gongdan.tickets.events import record_event
from gongdan.tickets.models import Ticket
from gongdan.tickets.pinning import active_type_revisions, compile_pinned


def demo_fields(
    session: Session, ticket_type: CompiledTicketType, customer: Customer, subject: str,
    own: Mapping[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """The ticket's own values, then plausible ones for the type's required fields."""
    first = {
        name: session.scalar(
            select(cls).where(cls.customer_id == customer.id).order_by(cls.id).limit(1)
        )
        for name in ("Contact", "Address")
        if (cls := getattr(customer_models, name, None)) is not None
    }
    values: dict[str, Any] = {}
    for field in ticket_type.fields:
        key = field.key
        needed = field.required or field.required_if is not None or bool(field.required_in_states)
        if key in own:
            values[key] = own[key]
        elif field.has_default:
            continue  # the service applies defaults
        elif field.type == "customer":
            values[key] = customer.id
        elif field.type == "contact" and first.get("Contact") is not None:
            values[key] = first["Contact"].id
        elif field.type == "contact" and needed:
            values[key] = _placeholder_contact(session, customer)
        elif field.type == "address" and first.get("Address") is not None:
            address = first["Address"]
            values[key] = {
                k: v for k in ("region", "city", "line")
                if (v := getattr(address, k, None)) is not None
            }  # fmt: skip
        elif field.type == "address" and needed:
            values[key] = {"region": customer.region or "", "line": customer.name}
        elif not needed:
            continue
        elif field.type in ("text", "textarea"):
            values[key] = subject if field.type == "textarea" else f"DEMO-{customer.code}"
        elif field.type == "select" and field.options:
            values[key] = field.options[0]
    return values


def _placeholder_contact(session: Session, customer: Customer) -> int | None:
    """A contact for a demo customer that has none (the demo data may add real ones first)."""
    contact_cls = getattr(customer_models, "Contact", None)
    if contact_cls is None:
        return None
    contact = contact_cls(customer_id=customer.id, name=customer.name, phone=customer.phone)
    session.add(contact)
    session.flush()
    return int(contact.id)


def seed_ticket(
    session: Session,
    *,
    type_key: str,
    state: str,
    customer: Customer,
    creator: User | None,
    assignee: User | None,
    priority: str,
    channel: str,
    subject: str,
    fields: Mapping[str, Any],
    created_at: datetime,
) -> Ticket:
    """Create a demo ticket via the service, then place it in ``state`` (if the workflow has it).

    Commits. :raises GongdanError: as :func:`create_ticket` when the demo fields do not fit.
    """
    pinned = compile_pinned(session, *active_type_revisions(session, type_key))
    values = demo_fields(session, pinned.ticket_type, customer, subject, fields)
    contact_field = next((f.key for f in pinned.ticket_type.fields if f.type == "contact"), "")
    contact = values.get(contact_field)
    ticket = create_ticket(
        session, None, type_key=type_key, channel=channel, fields=values, priority=priority,
        subject=subject, customer_id=customer.id,
        contact_id=contact if isinstance(contact, int) else None,
    )  # fmt: skip
    ticket.created_by_id = creator.id if creator is not None else None
    ticket.created_at = ticket.updated_at = created_at
    for event in ticket.events:
        event.created_at = created_at
        # Only the creation is the creator's; routing's assignment stays the system's.
        if event.kind == "created":
            event.actor_id = ticket.created_by_id
    target = pinned.workflow.states.get(state)
    if target is not None and target.key != ticket.state:
        source = ticket.state
        ticket.state, ticket.state_category = target.key, target.category
        ticket.department_key = target.owner or ticket.department_key
        if target.category in ("resolved", "closed"):
            ticket.resolved_at = created_at + timedelta(hours=20)
        if target.category == "closed":
            ticket.closed_at = created_at + timedelta(hours=30)
        event = record_event(session, ticket, "transition", creator,
                             {"from": source, "to": target.key, "transition": None,
                              "source": "demo"})  # fmt: skip
        event.created_at = created_at + timedelta(hours=1)
    if assignee is not None:
        ticket.assignee_id = assignee.id
        ticket.accepted_at = created_at + timedelta(hours=1)
    session.commit()
    return ticket
