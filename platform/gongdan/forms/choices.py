"""Choices of reference fields (customers, contacts, assets, addresses, users, departments).

The generated forms draw reference fields as selects; these queries load their entries, the
installed-base ones filtered by the chosen customer. Each returns at most ``limit`` rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.customers.models import Address, Asset, Contact, Customer
from gongdan.forms.render import Choice

#: Entries one picker offers at most (the customer search narrows it down).
CHOICE_LIMIT = 200


def customer_choices(
    session: Session, query: str = "", *, limit: int = CHOICE_LIMIT, include: int | None = None
) -> list[Choice]:
    """Customers whose name, code or phone contains ``query`` (``include`` always listed)."""
    statement = select(Customer).order_by(Customer.name).limit(limit)
    if query.strip():
        pattern = f"%{query.strip()}%"
        statement = statement.where(
            or_(
                Customer.name.ilike(pattern),
                Customer.code.ilike(pattern),
                Customer.phone.ilike(pattern),
            )
        )
    customers = list(session.scalars(statement))
    if include is not None and all(c.id != include for c in customers):
        extra = session.get(Customer, include)
        if extra is not None:
            customers.insert(0, extra)
    return [Choice(str(c.id), f"{c.name} ({c.code})") for c in customers]


def contact_choices(session: Session, customer_id: int | None) -> list[Choice]:
    """Contacts of ``customer_id`` (none without a customer), the primary one first."""
    if customer_id is None:
        return []
    rows = session.scalars(
        select(Contact)
        .where(Contact.customer_id == customer_id)
        .order_by(Contact.is_primary.desc(), Contact.name)
        .limit(CHOICE_LIMIT)
    )
    return [
        Choice(str(c.id), " · ".join(p for p in (c.name, c.mobile or c.phone or "") if p))
        for c in rows
    ]


def asset_choices(session: Session, customer_id: int | None) -> list[Choice]:
    """Assets of ``customer_id``: serial number and product model."""
    if customer_id is None:
        return []
    rows = session.scalars(
        select(Asset)
        .where(Asset.customer_id == customer_id)
        .order_by(Asset.serial_number)
        .limit(CHOICE_LIMIT)
    )
    return [Choice(str(a.id), f"{a.serial_number} · {a.product_model}") for a in rows]


def address_choices(session: Session, customer_id: int | None) -> list[Choice]:
    """Saved addresses of ``customer_id``, the default one first."""
    if customer_id is None:
        return []
    rows = session.scalars(
        select(Address)
        .where(Address.customer_id == customer_id)
        .order_by(Address.is_default.desc(), Address.id)
        .limit(CHOICE_LIMIT)
    )
    return [
        Choice(str(a.id), " ".join(p for p in (a.label, a.city or "", a.line) if p)) for a in rows
    ]


def user_choices(session: Session) -> list[Choice]:
    """Active staff users."""
    rows = session.scalars(
        select(User)
        .where(User.active.is_(True), User.role != "customer")
        .order_by(User.display_name)
        .limit(CHOICE_LIMIT)
    )
    return [Choice(str(u.id), u.display_name) for u in rows]


def department_choices(session: Session, title: Callable[[Department], str]) -> list[Choice]:
    """Every department, titled by ``title``."""
    rows = session.scalars(select(Department).order_by(Department.key))
    return [Choice(d.key, title(d)) for d in rows]


def reference_choices(
    session: Session,
    values: Mapping[str, Any],
    *,
    customer_id: int | None,
    department_title: Callable[[Department], str],
) -> dict[str, list[Choice]]:
    """Choices by field type for a form whose chosen customer is ``customer_id``."""
    return {
        "customer": customer_choices(session, include=customer_id),
        "contact": contact_choices(session, customer_id),
        "asset": asset_choices(session, customer_id),
        "address": address_choices(session, customer_id),
        "user": user_choices(session),
        "department": department_choices(session, department_title),
    }
