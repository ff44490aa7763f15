"""Demo data (the ``gongdan_demo`` hook): three depot repairs of 蜀味茶饮 (C-SHUWEI, standard
price list), each run through the real services from the customer's request on the portal:
authorised, received, diagnosed, then:

* ``BILLED_SUBJECT`` — out of warranty: diagnosed, quoted, approved by the customer, repaired,
  report signed: 1.5 h × ¥180 + burr set ¥352 + bearing ¥66 = ¥688.00, VAT 13 % ¥89.44,
  **¥777.44**;
* ``WAITING_SUBJECT`` — out of warranty, the quote sent and waiting for the customer on the
  portal: 1 h × ¥180 + 2 m tubing × ¥19.80 = ¥219.60, VAT ¥28.548 → ¥28.55, **¥248.15**;
* ``WARRANTY_SUBJECT`` — in warranty: repaired under cover, every line free "under the
  manufacturer's warranty", **¥0.00**, signed.

Idempotent: a story runs only when its ticket does not exist yet.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.customers.models import Address, Asset, Contact, Customer
from gongdan.tickets import services as ticket_services
from gongdan.tickets.models import Ticket
from gongdan_billing import charges, quotes

BILLED_SUBJECT = "磨豆机卡豆跳闸（保外寄修）"
WAITING_SUBJECT = "净水器管路漏水（保外寄修，待确认报价）"
WARRANTY_SUBJECT = "全自动咖啡机冲煮单元卡滞（保内寄修）"

#: Parts the demo repairs use, added to the spare parts catalogue when missing.
PARTS: tuple[dict[str, Any], ...] = (
    {"number": "P-BURR-64", "name": "锥刀组 64mm", "compatible_models": ["gr_64"],
     "unit_cost": "180", "unit_price": "320"},
    {"number": "P-MOTOR-BRG", "name": "磨豆电机轴承", "compatible_models": ["gr_64"],
     "unit_cost": "25", "unit_price": "60"},
    {"number": "P-BREW-UNIT", "name": "冲煮单元总成", "compatible_models": ["bc_600"],
     "unit_cost": "420", "unit_price": "760"},
    {"number": "P-TUBE-SIL", "name": "食品级硅胶管（米）", "unit": "m", "whole_units": False,
     "unit_cost": "6", "unit_price": "18"},
)  # fmt: skip


def _parts(session: Session) -> bool:
    try:
        from gongdan_spare_parts.models import Part
    except ImportError:
        return False
    for spec in PARTS:
        if session.scalar(sa.select(Part.id).where(Part.number == spec["number"])) is None:
            values = dict(spec)
            values["unit_cost"], values["unit_price"] = (
                Decimal(values["unit_cost"]), Decimal(values["unit_price"]),
            )  # fmt: skip
            session.add(Part(**values))
    session.commit()
    return True


def load_billing_demo(session: Session) -> str | None:
    """Run the stories whose tickets are missing; returns the summary line."""
    users = {u.username: u for u in session.scalars(sa.select(User))}
    customer = session.scalar(sa.select(Customer).where(Customer.code == "C-SHUWEI"))
    needed = ("agent1", "dispatcher", "engineer3", "shuwei")
    if customer is None or any(name not in users for name in needed):
        return None  # the core demo is not there
    if not _parts(session):
        return "Billing demo: skipped (the depot repairs quote parts from the spare parts plugin)."
    numbers = [
        _story(session, users, customer, BILLED_SUBJECT, "GR64-2203-01120", "e06_grinder_jam",
               until="signed"),
        _story(session, users, customer, WAITING_SUBJECT, "WT400-2104-00881", "e08_leak",
               until="sent"),
        _story(session, users, customer, WARRANTY_SUBJECT, "BC6-2501-00042", "e05_brew_unit",
               until="signed"),
    ]  # fmt: skip
    billed, waiting, warranty = numbers
    return (
        f"Billing demo: {billed} quoted, approved, repaired and signed (statement"
        f" /billing/tickets/{billed}/statement); {waiting} waits for shuwei to approve its quote"
        f" on the portal; {warranty} repaired under warranty at no charge."
    )


def _story(
    session: Session,
    users: dict[str, User],
    customer: Customer,
    subject: str,
    serial: str,
    fault: str,
    *,
    until: str,
) -> str:
    existing = session.scalar(sa.select(Ticket.number).where(Ticket.subject == subject))
    if existing is not None:
        return existing
    asset = session.scalar(sa.select(Asset).where(Asset.serial_number == serial))
    assert asset is not None, f"the core demo's asset {serial} is missing"
    engineer, client, agent = users["engineer3"], users["shuwei"], users["agent1"]
    # The customer's request on the portal, as the real service takes it.
    contact = session.scalar(
        sa.select(Contact).where(Contact.customer_id == customer.id).order_by(Contact.id)
    )
    address = session.scalar(
        sa.select(Address).where(Address.customer_id == customer.id).order_by(Address.id)
    )
    assert contact is not None and address is not None
    ticket = ticket_services.create_ticket(
        session, client, type_key="depot_repair", channel="portal", subject=subject,
        customer_id=customer.id, contact_id=contact.id, address_id=address.id,
        fields={"customer": customer.id, "contact": contact.id, "asset": asset.id,
                "product_model": asset.product_model, "symptom": subject,
                "return_address": {"region": address.region, "city": address.city,
                                   "line": address.line}},
    )  # fmt: skip
    ticket_id = ticket.id

    def step(actor: User, key: str, **fields: Any) -> None:
        current = session.get(Ticket, ticket_id, populate_existing=True)
        assert current is not None
        ticket_services.run_transition(
            session, actor, ticket_id, key, expected_version=current.version, fields=fields or None
        )

    step(agent, "authorise")
    current = session.get(Ticket, ticket_id, populate_existing=True)
    assert current is not None
    if current.assignee_id != engineer.id:  # the repair centre's engineer takes it
        ticket_services.assign_ticket(
            session, users["dispatcher"], ticket_id, assignee_id=engineer.id,
            reason="demo: repair centre", expected_version=current.version, force=True,
        )  # fmt: skip
    step(engineer, "receive")
    step(engineer, "start_diagnosis", received_condition="外观完好，附件齐全")
    step(engineer, "quote" if ticket.charge_class == "billable" else "repair_under_cover",
         fault_code=fault)  # fmt: skip
    if ticket.charge_class == "billable":
        quote = quotes.prepare_quote(session, engineer, ticket)
        quotes.send_quote(session, engineer, quote.id)
        if until == "sent":
            return ticket.number
        quotes.decide_quote(session, client, quote.id, approve=True, seen_hash=quote.content_hash)
    parts = [{"part_no": p, "quantity": 1} for p in _template_parts(fault)]
    step(engineer, "repair_done", work_done="更换故障部件，整机测试正常", parts_used=parts)
    current = session.get(Ticket, ticket_id, populate_existing=True)
    assert current is not None
    charges.sign_report(session, client, current, signer_name=contact.name)
    return current.number


def _template_parts(fault: str) -> list[str]:
    return {"e06_grinder_jam": ["P-BURR-64", "P-MOTOR-BRG"], "e05_brew_unit": ["P-BREW-UNIT"]}.get(
        fault, []
    )
