"""Which assets a plan covers, in SQL: its ``assets`` condition over the installed base.

The condition is compiled once per call by :func:`gongdan.conditions.compile_condition_sql`
against assets joined to their customer, their own service contract and their site, so a plan
over a million assets is one query, not a loop. ``contract.*`` is the asset's own contract.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from gongdan.conditions.sql import compile_condition_sql
from gongdan.customers.models import Address, Asset, Customer, ServiceContract, service_today
from gongdan.db import utcnow


def plan_columns(today: date) -> dict[str, sa.ColumnElement[Any]]:
    """What each plan variable is in SQL, with ``today`` deciding warranty and contract."""
    contract_active = sa.and_(ServiceContract.id.is_not(None), ServiceContract.active_on(today))
    return {
        "asset.product_model": Asset.product_model,
        "asset.serial_number": Asset.serial_number,
        "asset.install_date": Asset.install_date,
        "asset.warranty_end": Asset.warranty_end,
        "asset.in_warranty": Asset.in_warranty_on(today),
        "contract.number": ServiceContract.number,
        "contract.level": ServiceContract.level,
        "contract.active": contract_active,
        "customer.code": Customer.code,
        "customer.tier": Customer.tier,
        "customer.region": Customer.region,
        "address.region": Address.region,
        "address.city": Address.city,
    }


def _joined(select: sa.Select[Any]) -> sa.Select[Any]:
    return (
        select.select_from(Asset)
        .join(Customer, Customer.id == Asset.customer_id)
        .outerjoin(ServiceContract, ServiceContract.id == Asset.contract_id)
        .outerjoin(Address, Address.id == Asset.address_id)
    )


def matching_condition(when: Any, today: date) -> sa.ColumnElement[bool]:
    """The plan's condition as a SQL expression over :func:`_joined`'s tables."""
    if when is None:
        return sa.true()
    moment = datetime.combine(today, time(12), tzinfo=utcnow().tzinfo)
    return compile_condition_sql(when, plan_columns(today), now=moment)


def matching_assets(when: Any, today: date) -> sa.Select[Any]:
    """``(asset_id, install_date, contract_starts_on, customer_id)`` of every matching asset."""
    return _joined(
        sa.select(Asset.id, Asset.install_date, ServiceContract.starts_on, Asset.customer_id)
    ).where(matching_condition(when, today))


def any_matching_asset(bind: Connection | Session, when: Any, today: date | None = None) -> bool:
    """Whether the condition ``when`` selects any asset today (stops at the first: validation
    asks this of every plan, and the installed base can be large)."""
    query = _joined(sa.select(Asset.id)).where(matching_condition(when, today or service_today()))
    return bool(bind.execute(sa.select(query.exists())).scalar())
