"""Customer services: create and update customers and their installed base, search, history.

Every ``create_*`` / ``add_*`` / ``update_*`` function validates all its input at once (raising
:class:`ValidationFailed` with one message per field), then commits; on any error nothing is
changed. Values are given as a mapping of column names (``{"serial_number": "ES2-001"}``);
unknown names are errors. Dates may be ``date`` objects or ``YYYY-MM-DD`` text, phone numbers are
stored without separators (see :func:`normalize_phone`).

:func:`customer_context` gives the condition variables (``customer.*``, ``asset.in_warranty``
...) of the rows a ticket references.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongdan.customers import validation as check
from gongdan.customers.lookup import (
    SEARCH_LIMIT,
    asset_service_history,
    customer_context,
    find_assets,
    find_customers,
    open_ticket_count,
)
from gongdan.customers.models import (
    Address,
    Asset,
    Contact,
    Customer,
    ServiceContract,
)
from gongdan.customers.signals import installed_base_saved
from gongdan.customers.validation import normalize_phone
from gongdan.db import Base
from gongdan.errors import NotFound, ValidationFailed

__all__ = [
    "add_address",
    "add_asset",
    "add_contact",
    "add_contract",
    "asset_service_history",
    "create_customer",
    "customer_context",
    "find_assets",
    "find_customers",
    "get_row",
    "SEARCH_LIMIT",
    "normalize_phone",
    "open_ticket_count",
    "update_address",
    "update_asset",
    "update_contact",
    "update_contract",
    "update_customer",
]

Row = TypeVar("Row", bound=Base)
Problems = dict[str, str]

_TEXT = {
    Customer: ("code", "name", "tier", "region", "phone", "email", "notes"),
    Contact: ("name", "phone", "mobile", "email", "wechat", "position"),
    Address: ("label", "region", "province", "city", "district", "line", "postcode"),
    Asset: ("product_model", "serial_number", "notes"),
    ServiceContract: ("number", "level", "notes"),
}
_BOOL = {Customer: ("active",), Contact: ("is_primary",), Address: ("is_default",)}
_DATES = {
    Asset: ("install_date", "purchase_date", "warranty_end"),
    ServiceContract: ("starts_on", "ends_on"),
}
_FLOATS = {Address: ("lat", "lng")}
_IDS = {Asset: ("address_id", "contract_id")}
#: Text columns that are NOT NULL with an empty default.
_EMPTY_TEXT = frozenset({"notes", "label", "line"})
_PHONES = frozenset({"phone", "mobile"})
_LIMITS = {
    "code": 40, "name": 200, "tier": 20, "region": 40, "phone": 40, "mobile": 40, "email": 254,
    "wechat": 80, "position": 120, "label": 120, "province": 60, "city": 60, "district": 60,
    "line": 300, "postcode": 12, "product_model": 64, "serial_number": 80, "number": 64,
    "level": 20,
}  # fmt: skip


def get_row(session: Session, model: type[Row], row_id: int) -> Row:
    """The ``model`` row with ``row_id``.

    :raises NotFound: there is none.
    """
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"no {model.__tablename__} row with id {row_id!r}")
    return row


# ---------------------------------------------------------------- create and update


def create_customer(session: Session, values: Mapping[str, Any]) -> Customer:
    """Create a customer (``code`` and ``name`` required; ``tier`` defaults to normal)."""
    return _save(session, Customer(tier="normal", active=True), {"tier": "normal", **values})


def update_customer(session: Session, customer: Customer, changes: Mapping[str, Any]) -> Customer:
    """Change a customer's attributes."""
    return _save(session, customer, changes)


def add_contact(session: Session, customer: Customer, values: Mapping[str, Any]) -> Contact:
    """Add a contact person; ``is_primary`` makes it the only primary one."""
    return _save(session, Contact(customer_id=customer.id, is_primary=False), values)


def update_contact(session: Session, contact: Contact, changes: Mapping[str, Any]) -> Contact:
    """Change a contact."""
    return _save(session, contact, changes)


def add_address(session: Session, customer: Customer, values: Mapping[str, Any]) -> Address:
    """Add a site; ``is_default`` makes it the only default one."""
    return _save(session, Address(customer_id=customer.id, is_default=False), values)


def update_address(session: Session, address: Address, changes: Mapping[str, Any]) -> Address:
    """Change a site."""
    return _save(session, address, changes)


def add_asset(session: Session, customer: Customer, values: Mapping[str, Any]) -> Asset:
    """Register an installed product; its serial number must be new."""
    return _save(session, Asset(customer_id=customer.id), values)


def update_asset(session: Session, asset: Asset, changes: Mapping[str, Any]) -> Asset:
    """Change an asset (its owner stays the same)."""
    return _save(session, asset, changes)


def add_contract(
    session: Session, customer: Customer, values: Mapping[str, Any]
) -> ServiceContract:
    """Add a service contract (``number``, ``level``, ``starts_on``, ``ends_on``)."""
    return _save(session, ServiceContract(customer_id=customer.id), {"level": "standard", **values})


def update_contract(
    session: Session, contract: ServiceContract, changes: Mapping[str, Any]
) -> ServiceContract:
    """Change a service contract."""
    return _save(session, contract, changes)


def _save(session: Session, row: Row, values: Mapping[str, Any]) -> Row:
    model = type(row)
    known = {*_TEXT.get(model, ()), *_BOOL.get(model, ()), *_DATES.get(model, ())}
    known |= {*_FLOATS.get(model, ()), *_IDS.get(model, ())}
    problems: Problems = {key: f"unknown field {key!r}" for key in values if key not in known}
    cleaned = {key: _clean(model, key, value) for key, value in values.items() if key in known}
    for key in _BOOL.get(model, ()):
        if key in cleaned and not isinstance(cleaned[key], bool):
            problems[key] = f"{key} must be true or false, not {cleaned[key]!r}"
    merged = {key: getattr(row, key) for key in known} | cleaned
    problems.update(_CHECKS[model](session, row, merged))
    if problems:
        raise ValidationFailed("; ".join(problems.values()), fields=problems)
    for key, value in cleaned.items():
        setattr(row, key, value)
    created = row.id is None
    session.add(row)
    try:
        session.flush()
        _keep_single_flag(session, row)
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise ValidationFailed(
            f"the database refused the {model.__tablename__} row: {error.orig}"
        ) from error
    if isinstance(row, Asset | ServiceContract):
        # After the commit: a PM plugin derives the asset's schedule from the saved row.
        installed_base_saved.send(row, session=session, created=created)
    return row


def _clean(model: type[Base], key: str, value: Any) -> Any:
    if key in _DATES.get(model, ()):
        return check.as_date(value)
    if key in _FLOATS.get(model, ()):
        return check.as_float(value)
    if key in _IDS.get(model, ()):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        return value if value not in ("", None) else None
    if key in _BOOL.get(model, ()):
        return value
    text = check.clean_text(value)
    if key in _PHONES and text:
        text = normalize_phone(text)
    if key == "serial_number" and text:
        text = text.upper()
    return "" if text is None and key in _EMPTY_TEXT else text


def _keep_single_flag(session: Session, row: Base) -> None:
    """Only one primary contact and one default address per customer."""
    if isinstance(row, Contact) and row.is_primary:
        session.execute(
            update(Contact)
            .where(Contact.customer_id == row.customer_id, Contact.id != row.id)
            .values(is_primary=False)
        )
    elif isinstance(row, Address) and row.is_default:
        session.execute(
            update(Address)
            .where(Address.customer_id == row.customer_id, Address.id != row.id)
            .values(is_default=False)
        )


def _check_customer(session: Session, row: Customer, values: Mapping[str, Any]) -> Problems:
    problems: Problems = {}
    check.check_required(problems, values, "code", "name", "tier")
    check.check_length(problems, values, _limits(Customer))
    code = values.get("code")
    if code and "code" not in problems:
        taken = session.scalar(select(Customer.id).where(Customer.code == code))
        if taken is not None and taken != row.id:
            problems["code"] = f"customer code {code!r} is already taken"
    check.check_option(problems, session, "tier", values.get("tier"), "customer_tiers")
    check.check_option(problems, session, "region", values.get("region"), "regions")
    check.check_phones(problems, values, "phone")
    check.check_email(problems, values)
    return problems


def _check_contact(session: Session, row: Contact, values: Mapping[str, Any]) -> Problems:
    problems: Problems = {}
    check.check_required(problems, values, "name")
    check.check_length(problems, values, _limits(Contact))
    check.check_phones(problems, values, "phone", "mobile")
    check.check_email(problems, values)
    if not any(values.get(k) for k in ("phone", "mobile", "email", "wechat")):
        problems.setdefault("phone", "give a phone, mobile, e-mail or WeChat to reach the contact")
    return problems


def _check_address(session: Session, row: Address, values: Mapping[str, Any]) -> Problems:
    problems: Problems = {}
    check.check_length(problems, values, _limits(Address))
    check.check_option(problems, session, "region", values.get("region"), "regions")
    if not values.get("city") and not values.get("line"):
        problems["line"] = "give at least a city or a street address"
    check.check_geo(problems, values)
    return problems


def _check_asset(session: Session, row: Asset, values: Mapping[str, Any]) -> Problems:
    problems: Problems = {}
    check.check_required(problems, values, "product_model", "serial_number")
    check.check_length(problems, values, _limits(Asset))
    check.check_option(
        problems, session, "product_model", values.get("product_model"), "product_models"
    )
    serial = values.get("serial_number")
    if serial and "serial_number" not in problems:
        owner = session.execute(
            select(Asset.id, Customer.code, Customer.name)
            .join(Customer, Customer.id == Asset.customer_id)
            .where(Asset.serial_number == serial)
        ).first()
        if owner is not None and owner.id != row.id:
            problems["serial_number"] = (
                f"serial number {serial!r} is already registered"
                f" (asset {owner.id} of customer {owner.code} {owner.name})"
            )
    check.check_dates(problems, values, *_DATES[Asset])
    check.check_not_before(problems, values, "install_date", "purchase_date")
    check.check_not_before(problems, values, "warranty_end", "purchase_date")
    for key, model in (("address_id", Address), ("contract_id", ServiceContract)):
        ref = values.get(key)
        if ref is None:
            continue
        target = session.get(model, ref) if isinstance(ref, int) else None
        if target is None or target.customer_id != row.customer_id:
            problems[key] = f"{key} {ref!r} is not one of this customer's {model.__tablename__}"
    return problems


def _check_contract(session: Session, row: ServiceContract, values: Mapping[str, Any]) -> Problems:
    problems: Problems = {}
    check.check_required(problems, values, "number", "level", "starts_on", "ends_on")
    check.check_length(problems, values, _limits(ServiceContract))
    if values.get("level"):
        check.check_level(problems, values)
    number = values.get("number")
    if number and "number" not in problems:
        taken = session.scalar(select(ServiceContract.id).where(ServiceContract.number == number))
        if taken is not None and taken != row.id:
            problems["number"] = f"contract number {number!r} is already taken"
    check.check_dates(problems, values, "starts_on", "ends_on")
    check.check_not_before(problems, values, "ends_on", "starts_on")
    return problems


def _limits(model: type[Base]) -> dict[str, int]:
    return {key: _LIMITS[key] for key in _TEXT[model] if key in _LIMITS}


_CHECKS: dict[type[Base], Callable[[Session, Any, Mapping[str, Any]], Problems]] = {
    Customer: _check_customer,
    Contact: _check_contact,
    Address: _check_address,
    Asset: _check_asset,
    ServiceContract: _check_contract,
}
