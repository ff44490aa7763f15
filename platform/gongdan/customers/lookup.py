"""Finding customers and assets, an asset's service history, and the condition context.

Re-exported by :mod:`gongdan.customers.services`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.customers.models import (
    CONTRACT_LEVELS,
    Address,
    Asset,
    Contact,
    Customer,
    ServiceContract,
    service_today,
)
from gongdan.customers.validation import normalize_phone
from gongdan.tickets.models import Ticket
from gongdan.tickets.visibility import visible_tickets

#: Most rows a search returns.
SEARCH_LIMIT = 20


def find_customers(session: Session, text: str, *, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Customers whose code, name, phone, contact (name, phone, mobile), asset serial number or
    contract number matches ``text``; by name, at most ``limit``.

    Codes, serials and phones match exactly or by prefix (indexed); names by substring. Phone
    input is normalised first, so ``021-5555-0101`` finds ``02155550101``.
    """
    query = text.strip()
    if not query:
        return []
    upper, phone = query.upper(), normalize_phone(query)
    contact_match = [Contact.name.contains(query, autoescape=True)]
    customer_match = [
        Customer.code == query,
        Customer.code.startswith(upper, autoescape=True),
        Customer.name.contains(query, autoescape=True),
    ]
    if len(phone.lstrip("+")) >= 3 and phone.lstrip("+").isdigit():
        customer_match.append(Customer.phone.startswith(phone, autoescape=True))
        contact_match += [
            Contact.phone.startswith(phone, autoescape=True),
            Contact.mobile.startswith(phone, autoescape=True),
        ]
    customer_match += [
        Customer.id.in_(select(Contact.customer_id).where(or_(*contact_match))),
        Customer.id.in_(
            select(Asset.customer_id).where(Asset.serial_number.startswith(upper, autoescape=True))
        ),
        Customer.id.in_(select(ServiceContract.customer_id).where(ServiceContract.number == query)),
    ]
    return list(
        session.scalars(
            select(Customer)
            .where(or_(*customer_match))
            .order_by(Customer.name, Customer.id)
            .limit(limit)
        )
    )


def find_assets(session: Session, text: str, *, limit: int = SEARCH_LIMIT) -> list[Asset]:
    """Assets whose serial number starts with ``text`` (case-insensitive), by serial."""
    query = text.strip().upper()
    if not query:
        return []
    return list(
        session.scalars(
            select(Asset)
            .where(Asset.serial_number.startswith(query, autoescape=True))
            .order_by(Asset.serial_number)
            .limit(limit)
        )
    )


def asset_service_history(
    session: Session, asset_id: int, *, viewer: User | None = None, limit: int | None = None
) -> list[Ticket]:
    """The tickets that reference the asset, newest first.

    :param viewer: when given, only the tickets this user may see.
    """
    query = select(Ticket) if viewer is None else visible_tickets(viewer)
    query = query.where(Ticket.asset_id == asset_id).order_by(
        Ticket.created_at.desc(), Ticket.id.desc()
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def open_ticket_count(session: Session, asset_id: int) -> int:
    """How many of the asset's tickets are not resolved or closed."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.asset_id == asset_id, Ticket.state_category.in_(("open", "paused")))
        )
        or 0
    )


def customer_context(
    customer: Customer | None,
    contact: Contact | None = None,
    address: Address | None = None,
    asset: Asset | None = None,
    *,
    today: date | None = None,
) -> dict[str, Any]:
    """The condition variables of the rows a ticket references, as flat dotted names.

    Exactly the ``customer.*``, ``contact.*``, ``address.*``, ``asset.*`` and ``contract.*``
    names of :func:`gongdan.conditions.base_scope`; a missing row gives ``None`` values.
    ``contact.phone`` falls back to the mobile number. The contract is the asset's when in force,
    else the customer's contract in force with the highest level, else the asset's expired one.
    """
    day = today or service_today()
    contract = _contract_of(customer, asset, day)
    return {
        "customer.id": customer.id if customer else None,
        "customer.name": customer.name if customer else None,
        "customer.tier": customer.tier if customer else None,
        "customer.region": customer.region if customer else None,
        "customer.code": customer.code if customer else None,
        "contact.name": contact.name if contact else None,
        "contact.phone": (contact.phone or contact.mobile) if contact else None,
        "contact.email": contact.email if contact else None,
        "address.region": address.region if address else None,
        "address.city": address.city if address else None,
        "asset.id": asset.id if asset else None,
        "asset.product_model": asset.product_model if asset else None,
        "asset.serial_number": asset.serial_number if asset else None,
        "asset.install_date": asset.install_date if asset else None,
        "asset.warranty_end": asset.warranty_end if asset else None,
        "asset.in_warranty": asset.in_warranty_on(day) if asset else None,
        "contract.level": contract.level if contract else None,
        "contract.active": contract.active_on(day) if contract else None,
    }


def _contract_of(
    customer: Customer | None, asset: Asset | None, day: date
) -> ServiceContract | None:
    """The asset's contract if in force, else the customer's best one in force, else the
    asset's (expired) contract, else none."""
    own = asset.contract if asset is not None else None
    if own is not None and own.active_on(day):
        return own
    in_force = [c for c in customer.contracts if c.active_on(day)] if customer else []
    if in_force:
        return max(in_force, key=_level_rank)
    return own


def _level_rank(contract: ServiceContract) -> int:
    return CONTRACT_LEVELS.index(contract.level) if contract.level in CONTRACT_LEVELS else -1
