"""PM demo data: a machine on the premium contract due for its quarterly visit, then one
generation run, so that the demo engineer finds a PM visit among their work.

The demo contract ``SC-RUIKA-2026`` (premium, in force) is covered by the pack's
``premium_quarterly`` plan; the extra espresso machine was installed 85 days ago, so its first
quarterly visit is due in 5 days — inside the plan's 14-day lead time. Idempotent: the asset is
found by serial number, and generation records each visit once.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.customers import services as customers
from gongdan.customers.models import Address, Asset, Customer, ServiceContract, service_today
from gongdan_pm.generation import generate
from gongdan_pm.models import PmSchedule

#: The machine the demo adds under the premium contract.
DEMO_SERIAL = "ES3-2509-00077"
#: Days since its installation (its first quarterly visit falls 5 days from today).
INSTALLED_DAYS_AGO = 85


def load_pm_demo(session: Session) -> str | None:
    """Add the demo machine (if missing) and generate the visits due today."""
    today = service_today()
    contract = session.scalar(
        sa.select(ServiceContract).where(ServiceContract.number == "SC-RUIKA-2026")
    )
    customer = session.scalar(sa.select(Customer).where(Customer.code == "C-RUIKA"))
    if contract is not None and customer is not None:
        if session.scalar(sa.select(Asset.id).where(Asset.serial_number == DEMO_SERIAL)) is None:
            site = session.scalar(
                sa.select(Address.id).where(
                    Address.customer_id == customer.id, Address.label == "南京西路旗舰店"
                )
            )
            installed = today - timedelta(days=INSTALLED_DAYS_AGO)
            customers.add_asset(
                session, customer,
                {"serial_number": DEMO_SERIAL, "product_model": "es_pro_3", "address_id": site,
                 "contract_id": contract.id, "purchase_date": installed - timedelta(days=10),
                 "install_date": installed, "warranty_end": installed + timedelta(days=730),
                 "notes": "门店第二台意式机，季度保养"},
            )  # fmt: skip
    result = generate(session, today)
    machines, plans = session.execute(
        sa.select(
            sa.func.count(sa.distinct(PmSchedule.asset_id)),
            sa.func.count(sa.distinct(PmSchedule.plan_key)),
        ).where(PmSchedule.active.is_(True))
    ).one()
    visits = ", ".join(result.tickets) or "none due today"
    return (
        f"PM: {machines} machines on {plans} maintenance plans; {len(result.tickets)} visit"
        f" tickets generated ({visits}); calendar /pm/calendar"
    )
