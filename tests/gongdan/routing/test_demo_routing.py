"""The default pack's rules over the demo data: what a user of ``make run`` sees."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from gongdan.accounts.models import User
from gongdan.customers.models import Address, Customer
from gongdan.db import db
from gongdan.definitions.packs import LoadedPack
from gongdan.definitions.registry import install_pack
from gongdan.demo import load_demo
from gongdan.routing.services import preview_routing
from gongdan.tickets.services import create_ticket


def test_an_espresso_job_in_shanghai_goes_to_the_demo_engineer_nearby(
    routed_app: Flask, routing_pack: LoadedPack
) -> None:
    with routed_app.app_context():
        session = db.session
        install_pack(session, routing_pack, author="test")
        load_demo(session)
        ruika = session.scalar(select(Customer).where(Customer.code == "C-RUIKA"))
        assert ruika is not None
        store = session.scalar(
            select(Address).where(Address.customer_id == ruika.id, Address.region == "east")
        )
        agent = session.scalar(select(User).where(User.username == "agent1"))
        engineers = {
            user.username: user.id
            for user in session.scalars(select(User).where(User.role == "engineer"))
        }
        ticket = create_ticket(
            session, agent, type_key="installation", channel="phone",
            customer_id=ruika.id, address_id=store.id if store else None,
            fields={"customer": ruika.id, "visit_address": {"region": "east", "line": "南京西路"},
                    "product_model": "es_pro_2", "order_no": "SO-9",
                    "contact": ruika.contacts[0].id if getattr(ruika, "contacts", None) else None},
        )  # fmt: skip
        decision = preview_routing(
            session, ticket.id, rule_key="field_service_nearest", event="transition:schedule"
        )
        assert decision is not None
        assert decision.assignee_id == engineers["engineer1"]
        # 张工 holds the demo's on-site repair and installation; the store is 2 km from him.
        assert decision.why == "skill espresso, 2 open of 6, 2.0 km"
        assert [(s.user_id, s.reason) for s in decision.skipped] == [
            (engineers["engineer2"], "no skill espresso")
        ]
