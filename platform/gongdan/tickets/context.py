"""The values a ticket's conditions read: ``ticket.*``, ``customer.*``, ``asset.*`` ...

Built from a ticket (or the draft of one being created) and the rows it references. The
installed-base models (contacts, addresses, assets, contracts) are read defensively by
attribute, so a missing attribute reads as ``None`` instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.conditions import EvaluationContext
from gongdan.customers import models as customer_models
from gongdan.db import utcnow
from gongdan.tickets.models import Ticket
from gongdan.transaction_memo import keep_alive, transaction_memo

ContextBuilder = Callable[[Mapping[str, Any]], EvaluationContext]


@dataclass(slots=True)
class TicketFacts:
    """The core attributes and references of a ticket (saved or being created)."""

    number: str | None = None
    type_key: str | None = None
    state: str | None = None
    state_category: str | None = None
    priority: str | None = None
    channel: str | None = None
    department: str | None = None
    assignee_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    resolved_at: datetime | None = None
    reopen_count: int = 0
    charge_class: str | None = None
    customer_id: int | None = None
    contact_id: int | None = None
    address_id: int | None = None
    asset_id: int | None = None
    related: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, ticket: Ticket) -> TicketFacts:
        """The facts of a saved ticket."""
        return cls(
            number=ticket.number,
            type_key=ticket.type_key,
            state=ticket.state,
            state_category=ticket.state_category,
            priority=ticket.priority,
            channel=ticket.channel,
            department=ticket.department_key,
            assignee_id=ticket.assignee_id,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            resolved_at=ticket.resolved_at,
            reopen_count=ticket.reopen_count or 0,
            charge_class=ticket.charge_class,
            customer_id=ticket.customer_id,
            contact_id=ticket.contact_id,
            address_id=ticket.address_id,
            asset_id=ticket.asset_id,
        )

    def load_related(self, session: Session) -> None:
        """Read the customer, contact, address, asset and contract the ticket references."""
        self.related = {
            "customer": _row(session, "Customer", self.customer_id, _CUSTOMER),
            "contact": _row(session, "Contact", self.contact_id, _CONTACT),
            "address": _row(session, "Address", self.address_id, _ADDRESS),
            "asset": _row(session, "Asset", self.asset_id, _ASSET),
            "contract": _contract(session, self.asset_id, self.customer_id),
        }


_CUSTOMER = ("id", "name", "tier", "region", "code")
_CONTACT = ("id", "name", "phone", "email")
_ADDRESS = ("id", "region", "city", "line", "lat", "lng")
_ASSET = ("id", "product_model", "serial_number", "install_date", "warranty_end", "in_warranty")
_CONTRACT = ("id", "level", "active")


def _attributes(row: object, names: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        try:
            values[name] = getattr(row, name, None)
        except Exception:  # a property of another helper's model failing must not block tickets
            values[name] = None
    return values


def _row(
    session: Session, model: str, row_id: int | None, names: tuple[str, ...]
) -> dict[str, Any]:
    cls = getattr(customer_models, model, None)
    if cls is None or row_id is None:
        return {}
    row = session.get(cls, row_id)
    if row is None:
        return {}
    keep_alive(session, row)  # routing, SLA and notifications read it again
    values = _attributes(row, names)
    if model == "Asset" and values.get("in_warranty") is None:
        end = values.get("warranty_end")
        if isinstance(end, date):
            values["in_warranty"] = end >= utcnow().date()
    return values


def _contract(session: Session, asset_id: int | None, customer_id: int | None) -> dict[str, Any]:
    """The asset's service contract, else the customer's one in force, read by attribute."""
    asset_cls = getattr(customer_models, "Asset", None)
    asset = session.get(asset_cls, asset_id) if asset_cls is not None and asset_id else None
    contract = None
    try:
        contract = getattr(asset, "contract", None)
    except Exception:  # defensive: see _attributes
        contract = None
    if contract is None:
        contract = _customer_contract(session, customer_id)
    if contract is None:
        return {}
    values = _attributes(contract, _CONTRACT)
    if values.get("active") is None:
        start, end = getattr(contract, "starts_on", None), getattr(contract, "ends_on", None)
        today = utcnow().date()
        if isinstance(start, date) and isinstance(end, date):
            values["active"] = start <= today <= end
    return values


def _customer_contract(session: Session, customer_id: int | None) -> object | None:
    """The customer's contract in force today, when the ticket names no covered asset."""
    contract_cls = getattr(customer_models, "ServiceContract", None)
    active = getattr(contract_cls, "active", None)
    if contract_cls is None or customer_id is None or active is None:
        return None
    memo = transaction_memo(session)
    key = ("context.customer_contract", customer_id)
    if key not in memo:
        query = select(contract_cls).where(contract_cls.customer_id == customer_id, active)
        memo[key] = session.scalars(query.order_by(contract_cls.id).limit(1)).first()
    return memo[key]


def context_values(
    facts: TicketFacts, fields: Mapping[str, Any], actor: User | None
) -> dict[str, Any]:
    """The nested values a condition reads for a ticket with ``fields``."""
    ticket: dict[str, Any] = dict(fields)
    ticket.update(
        {
            "number": facts.number,
            "type": facts.type_key,
            "state": facts.state,
            "state_category": facts.state_category,
            "priority": facts.priority,
            "channel": facts.channel,
            "department": facts.department,
            "assignee": facts.assignee_id,
            "created_at": facts.created_at,
            "updated_at": facts.updated_at,
            "resolved_at": facts.resolved_at,
            "reopen_count": facts.reopen_count,
            "charge_class": fields.get("charge_class", facts.charge_class),
        }
    )
    user: dict[str, Any] = {}
    if actor is not None:
        user = {"id": actor.id, "role": actor.role, "department": None}
    return {"ticket": ticket, **facts.related, "user": user}


def context_builder(
    facts: TicketFacts,
    actor: User | None,
    *,
    before: Mapping[str, Any] | None = None,
) -> ContextBuilder:
    """A function: field values → the :class:`EvaluationContext` of the ticket with them.

    ``before`` (field values before the change) makes ``changed*`` operators work.
    """
    previous = None if before is None else context_values(facts, before, actor)

    def build(fields: Mapping[str, Any]) -> EvaluationContext:
        return EvaluationContext(context_values(facts, fields, actor), before=previous)

    return build
