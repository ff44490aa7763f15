"""Test data for the notification, job and automation tests: the default pack and people."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.customers.models import Contact, Customer
from gongdan.definitions.packs import LoadedPack, load_pack
from gongdan.definitions.registry import install_pack
from gongdan.notifications.models import NotificationOutbox
from gongdan.tickets.models import Ticket

PACK_ROOT = Path(__file__).resolve().parents[3] / "definitions" / "after_sales"


@functools.cache
def after_sales_pack() -> LoadedPack:
    return load_pack(PACK_ROOT)


@dataclass
class People:
    """Ids of the rows the tests act with."""

    agent: int
    engineer: int
    lead: int
    manager: int
    customer: int
    contact: int


def install_world(session: Session, pack: LoadedPack | None = None) -> People:
    """Install the pack; create departments, staff, a customer and its primary contact."""
    install_pack(session, pack or after_sales_pack(), author="test")
    departments = {
        key: Department(key=key, title_zh=key, title_en=key)
        for key in ("customer_service", "tech_support", "field_service", "callback", "quality")
    }
    session.add_all(departments.values())
    session.flush()
    lead = User(
        username="lead", display_name="Lead Li", role="manager", email="lead@example.cn",
        phone="13700000000", locale="en", department_id=departments["customer_service"].id,
    )  # fmt: skip
    agent = User(
        username="agent", display_name="Agent Zhao", role="agent",
        department_id=departments["customer_service"].id,
    )  # fmt: skip
    engineer = User(
        username="engineer", display_name="工程师 张", role="engineer", email="zhang@example.cn",
        phone="13600000000", department_id=departments["field_service"].id,
    )  # fmt: skip
    manager = User(
        username="boss", display_name="Boss", role="service_manager", email="boss@example.cn"
    )
    session.add_all([lead, agent, engineer, manager])
    customer = Customer(code="C-ACME", name="艾克米咖啡", tier="normal", email="info@acme.cn")
    session.add(customer)
    session.flush()
    departments["customer_service"].lead_id = lead.id
    contact = Contact(
        customer_id=customer.id, name="王经理", mobile="13900000001", email="wang@acme.cn",
        wechat="wx_wang", is_primary=True,
    )  # fmt: skip
    session.add(contact)
    session.commit()
    return People(agent.id, engineer.id, lead.id, manager.id, customer.id, contact.id)


def repair_fields(people: People, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "customer": people.customer,
        "contact": people.contact,
        "service_mode": "on_site",
        "visit_address": {"region": "east", "city": "上海", "line": "南京西路 1 号"},
        "serial_no": "SN-1",
        "product_model": "es_pro_2",
        "symptom": "不出水",
        "impact": "degraded",
    }
    fields.update(overrides)
    return fields


def new_repair(session: Session, people: People) -> Ticket:
    """A repair ticket created by the agent through the ticket service."""
    from gongdan.tickets.services import create_ticket

    agent = session.get(User, people.agent)
    return create_ticket(
        session, agent, type_key="repair", channel="phone", fields=repair_fields(people)
    )


def outbox_rows(session: Session, **filters: Any) -> list[NotificationOutbox]:
    query = select(NotificationOutbox).filter_by(**filters).order_by(NotificationOutbox.id)
    return list(session.scalars(query))


def outbox_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(NotificationOutbox)) or 0
