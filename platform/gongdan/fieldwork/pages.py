"""What the engineer's phone pages show of a ticket: where to go, whom to call, in what order.

View-models only (plain data for the templates); every write goes through
:mod:`gongdan.tickets.services`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import current_app
from sqlalchemy.orm import Session

from gongdan import i18n
from gongdan.customers.models import Address, Contact
from gongdan.definitions.compiled import CompiledTicketType, CompiledWorkflow
from gongdan.tickets.models import Ticket

#: Order of state categories on "my work": active work first, finished last.
CATEGORY_RANK: Mapping[str, int] = {"open": 0, "paused": 1, "resolved": 2, "closed": 3}

#: Order of priorities: the most urgent first.
PRIORITY_RANK: Mapping[str, int] = {"urgent": 0, "high": 1, "normal": 2, "low": 3}

#: Map link with coordinates (``{lat}``, ``{lng}``, ``{name}`` URL-encoded). Amap's URI API
#: opens the Amap app on a phone and its web map elsewhere. Override with ``GONGDAN_MAP_URL``.
DEFAULT_MAP_URL = "https://uri.amap.com/marker?position={lng},{lat}&name={name}&coordinate=wgs84"

#: Map search for an address without coordinates (``{query}`` URL-encoded).
DEFAULT_MAP_SEARCH_URL = "https://uri.amap.com/search?keyword={query}"


@dataclass(frozen=True)
class Place:
    """Where the work is: a one-line address and, when known, its coordinates."""

    text: str
    lat: float | None = None
    lng: float | None = None

    @property
    def map_url(self) -> str | None:
        """A link that opens a map app at the place (``None`` when nothing is known)."""
        config = current_app.config
        if self.lat is not None and self.lng is not None:
            template = str(config.get("GONGDAN_MAP_URL") or DEFAULT_MAP_URL)
            return template.format(
                lat=f"{self.lat:.6f}", lng=f"{self.lng:.6f}", name=quote(self.text or "")
            )
        if self.text:
            template = str(config.get("GONGDAN_MAP_SEARCH_URL") or DEFAULT_MAP_SEARCH_URL)
            return template.format(query=quote(self.text))
        return None


@dataclass(frozen=True)
class Callee:
    """Whom to call on site."""

    name: str
    phone: str

    @property
    def tel_url(self) -> str:
        """A ``tel:`` link: digits and ``+`` only, so the dialler gets a clean number."""
        digits = "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")
        return f"tel:{digits}"


@dataclass(frozen=True)
class WorkItem:
    """One card of "my work"."""

    number: str
    subject: str
    type_title: str
    state: str
    state_title: str
    state_category: str
    priority: str
    customer: str
    place: Place | None
    callee: Callee | None
    created_at: datetime
    accepted: bool
    checked_in: bool


def work_order_key(ticket: Ticket) -> tuple[int, int, datetime, int]:
    """Sort key of "my work": open first, then by priority, then the oldest first."""
    return (
        CATEGORY_RANK.get(ticket.state_category, 9),
        PRIORITY_RANK.get(ticket.priority, 9),
        ticket.created_at,
        ticket.id,
    )


def state_title(workflow: CompiledWorkflow, state_key: str) -> str:
    """The staff title of a state in the current language."""
    state = workflow.states.get(state_key)
    return i18n.local_text(state.title, state_key) if state is not None else state_key


def place_of(session: Session, ticket: Ticket, ticket_type: CompiledTicketType) -> Place | None:
    """The visit address: the ticket's address row, else its first filled address field."""
    if ticket.address_id is not None:
        address = session.get(Address, ticket.address_id)
        if address is not None:
            return _address_place(address)
    values = ticket.fields or {}
    for field in ticket_type.fields:
        if field.type != "address":
            continue
        value = values.get(field.key)
        if isinstance(value, Mapping):
            parts = [value.get(k) for k in ("region", "city", "line")]
            text = " ".join(str(p) for p in parts if p)
            return Place(text=text, lat=_float(value.get("lat")), lng=_float(value.get("lng")))
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            address = session.get(Address, int(value))
            if address is not None and address.customer_id == ticket.customer_id:
                return _address_place(address)
    return None


def _address_place(address: Address) -> Place:
    return Place(text=address.one_line or address.label, lat=address.lat, lng=address.lng)


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def callee_of(session: Session, ticket: Ticket, ticket_type: CompiledTicketType) -> Callee | None:
    """The contact to phone: the ticket's contact, else a contact field, else the customer."""
    contact_ids: list[Any] = [ticket.contact_id]
    values = ticket.fields or {}
    contact_ids += [values.get(f.key) for f in ticket_type.fields if f.type == "contact"]
    for contact_id in contact_ids:
        if isinstance(contact_id, str) and contact_id.isdigit():
            contact_id = int(contact_id)
        if not isinstance(contact_id, int) or isinstance(contact_id, bool):
            continue
        contact = session.get(Contact, contact_id)
        if contact is None or contact.customer_id != ticket.customer_id:
            continue
        phone = contact.mobile or contact.phone
        if phone:
            return Callee(name=contact.name, phone=phone)
    customer = ticket.customer
    if customer is not None and customer.phone:
        return Callee(name=customer.name, phone=customer.phone)
    return None


def work_item(
    session: Session,
    ticket: Ticket,
    ticket_type: CompiledTicketType,
    workflow: CompiledWorkflow,
) -> WorkItem:
    """The card of one assigned ticket."""
    return WorkItem(
        number=ticket.number,
        subject=ticket.subject,
        type_title=i18n.local_text(ticket_type.title, ticket.type_key),
        state=ticket.state,
        state_title=state_title(workflow, ticket.state),
        state_category=ticket.state_category,
        priority=ticket.priority,
        customer=ticket.customer.name if ticket.customer is not None else "",
        place=place_of(session, ticket, ticket_type),
        callee=callee_of(session, ticket, ticket_type),
        created_at=ticket.created_at,
        accepted=ticket.accepted_at is not None,
        checked_in=ticket.checked_in_at is not None,
    )
