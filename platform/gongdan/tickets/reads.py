"""Reading tickets as a user: by id or number, and what the user may do next."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.accounts.policy import actor_roles, is_staff, may_view_ticket
from gongdan.definitions.compiled import CompiledTransition
from gongdan.errors import NotFound
from gongdan.tickets.context import TicketFacts, context_builder
from gongdan.tickets.models import Ticket, TicketAttachment
from gongdan.tickets.pinning import pinned_definitions
from gongdan.tickets.transaction import attach_actor, load_visible
from gongdan.workflow import engine


def get_ticket(session: Session, actor: User | None, ticket_id: int) -> Ticket:
    """The ticket ``ticket_id``. :raises NotFound: missing or not visible to ``actor``."""
    return load_visible(session, attach_actor(session, actor), ticket_id)


def get_ticket_by_number(session: Session, actor: User | None, number: str) -> Ticket:
    """The ticket numbered ``number``. :raises NotFound: missing or not visible."""
    actor = attach_actor(session, actor)
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or not may_view_ticket(actor, ticket):
        raise NotFound(f"no ticket numbered {number!r}")
    return ticket


def available_transitions(
    session: Session, actor: User | None, ticket: Ticket
) -> list[CompiledTransition]:
    """The transitions ``actor`` may take on ``ticket`` now (role and condition checked)."""
    actor = attach_actor(session, actor)
    pinned = pinned_definitions(session, ticket)
    facts = TicketFacts.of(ticket)
    facts.load_related(session)
    context = context_builder(facts, actor)(dict(ticket.fields or {}))
    return engine.available_transitions(pinned.workflow, ticket.state, actor_roles(actor), context)


def allowed_transfers(session: Session, actor: User | None, ticket: Ticket) -> list[str]:
    """Department keys ``actor`` may transfer ``ticket`` to (none for customers)."""
    actor = attach_actor(session, actor)
    if not is_staff(actor):
        return []
    pinned = pinned_definitions(session, ticket)
    return engine.transfer_targets(pinned.workflow, ticket.department_key)


def get_attachment(session: Session, actor: User | None, attachment_id: int) -> TicketAttachment:
    """An attachment ``actor`` may download: its ticket is visible and, for customers, it is
    not internal.

    :raises NotFound: no such attachment, or one ``actor`` may not see (indistinguishable).
    """
    actor = attach_actor(session, actor)
    attachment = session.get(TicketAttachment, attachment_id)
    ticket = session.get(Ticket, attachment.ticket_id) if attachment is not None else None
    if (
        attachment is None
        or ticket is None
        or not may_view_ticket(actor, ticket)
        or (attachment.internal and not is_staff(actor))
    ):
        raise NotFound(f"no attachment with id {attachment_id!r}")
    return attachment
