"""Customer services: validation with every problem, search, service history, context."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.gongdan.customers.conftest import InstalledBase

from gongdan.accounts.models import User
from gongdan.conditions import EvaluationContext, base_scope, compile_condition
from gongdan.customers import services
from gongdan.customers.models import Contact, Customer, service_today
from gongdan.db import utcnow
from gongdan.definitions.models import DefinitionRevision
from gongdan.errors import NotFound, ValidationFailed
from gongdan.tickets.models import Ticket


def test_create_customer_reports_every_problem(session: Session) -> None:
    services.create_customer(session, {"code": "C-1", "name": "一号"})
    with pytest.raises(ValidationFailed) as caught:
        services.create_customer(
            session,
            {"code": "C-1", "name": " ", "phone": "call me", "email": "x@", "colour": "red"},
        )
    assert caught.value.fields == {
        "colour": "unknown field 'colour'",
        "name": "name is required",
        "code": "customer code 'C-1' is already taken",
        "phone": "phone 'callme' is not a phone number",
        "email": "email 'x@' is not an e-mail address",
    }
    assert session.scalars(select(Customer.code)).all() == ["C-1"]


def test_tier_and_region_must_come_from_the_packs_option_lists(session: Session) -> None:
    for key, values in (("customer_tiers", ["normal", "vip"]), ("regions", ["east", "north"])):
        document = {"kind": "OptionList", "key": key,
                    "spec": {"options": [{"value": v} for v in values]}}  # fmt: skip
        revision = DefinitionRevision(
            kind="OptionList",
            key=key,
            revision=1,
            content_hash=key,
            document=document,
            status="active",
            author="test",
        )
        session.add(revision)
    session.commit()
    with pytest.raises(ValidationFailed) as caught:
        services.create_customer(
            session, {"code": "C-2", "name": "二号", "tier": "diamond", "region": "mars"}
        )
    assert caught.value.fields == {
        "tier": "tier 'diamond' is not in the option list 'customer_tiers': normal, vip",
        "region": "region 'mars' is not in the option list 'regions': east, north",
    }


def test_phones_are_stored_without_separators(installed_base: InstalledBase) -> None:
    assert installed_base.customer.phone == "02155550101"
    assert installed_base.contact.mobile == "13800001111"


def test_a_duplicate_serial_number_names_its_owner(
    session: Session, installed_base: InstalledBase
) -> None:
    other = services.create_customer(session, {"code": "C-OTHER", "name": "别家"})
    with pytest.raises(ValidationFailed) as caught:
        services.add_asset(
            session, other, {"product_model": "gr_64", "serial_number": " Esp2-0001 "}
        )
    assert caught.value.fields == {
        "serial_number": "serial number 'ESP2-0001' is already registered "
        f"(asset {installed_base.covered.id} of customer C-TEST 测试咖啡)"
    }


def test_asset_dates_and_references_are_checked(
    session: Session, installed_base: InstalledBase
) -> None:
    other = services.create_customer(session, {"code": "C-OTHER", "name": "别家"})
    with pytest.raises(ValidationFailed) as caught:
        services.add_asset(
            session,
            other,
            {"product_model": "gr_64", "serial_number": "N-1", "purchase_date": "2026-03-01",
             "warranty_end": "2026-02-01", "install_date": "March",
             "address_id": installed_base.address.id},
        )  # fmt: skip
    assert caught.value.fields == {
        "install_date": "install_date 'March' is not a date (YYYY-MM-DD)",
        "warranty_end": "warranty_end 2026-02-01 is before purchase_date",
        "address_id": f"address_id {installed_base.address.id} is not one of this customer's "
        "addresses",
    }


def test_contract_level_and_period_are_checked(
    session: Session, installed_base: InstalledBase
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.add_contract(
            session,
            installed_base.customer,
            {"number": "SC-2026-001", "level": "gold", "starts_on": date(2026, 5, 1),
             "ends_on": date(2026, 4, 1)},
        )  # fmt: skip
    assert caught.value.fields == {
        "level": "level 'gold' is not one of basic, standard, premium",
        "number": "contract number 'SC-2026-001' is already taken",
        "ends_on": "ends_on 2026-04-01 is before starts_on",
    }


def test_address_geo_points_are_checked(session: Session, installed_base: InstalledBase) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.add_address(session, installed_base.customer, {"city": "北京", "lat": 95})
    assert caught.value.fields == {
        "lat": "lat 95.0 is outside -90..90",
        "lng": "give both latitude and longitude, or neither",
    }


def test_a_contact_needs_a_way_to_reach_them(
    session: Session, installed_base: InstalledBase
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.add_contact(session, installed_base.customer, {"name": "无名"})
    assert caught.value.fields == {
        "phone": "give a phone, mobile, e-mail or WeChat to reach the contact"
    }


def test_only_one_primary_contact(session: Session, installed_base: InstalledBase) -> None:
    services.add_contact(
        session,
        installed_base.customer,
        {"name": "新店长", "phone": "021-1234", "is_primary": True},
    )
    primaries = session.scalars(select(Contact.name).where(Contact.is_primary)).all()
    assert primaries == ["新店长"]


def test_update_keeps_values_not_given(session: Session, installed_base: InstalledBase) -> None:
    services.update_customer(session, installed_base.customer, {"tier": "normal"})
    assert installed_base.customer.name == "测试咖啡"
    assert installed_base.customer.tier == "normal"


@pytest.mark.parametrize(
    "text",
    ["C-TEST", "c-te", "测试", "021-5555-0101", "0215555", "13800001111", "孙店", "esp2-00",
     "SC-2026-001"],
)  # fmt: skip
def test_find_customers_by_every_handle(
    session: Session, installed_base: InstalledBase, text: str
) -> None:
    services.create_customer(session, {"code": "C-NOISE", "name": "无关客户"})
    assert [c.code for c in services.find_customers(session, text)] == ["C-TEST"]


def test_find_customers_limits_and_ignores_blank_input(session: Session) -> None:
    for number in range(5):
        services.create_customer(session, {"code": f"C-{number}", "name": f"连锁 {number}"})
    assert services.find_customers(session, "   ") == []
    assert len(services.find_customers(session, "连锁", limit=3)) == 3


def test_find_assets_by_serial_prefix(installed_base: InstalledBase, session: Session) -> None:
    assert [a.serial_number for a in services.find_assets(session, "esp")] == ["ESP2-0001"]


def _ticket(session: Session, base: InstalledBase, subject: str, days_ago: int) -> Ticket:
    revision = session.scalar(select(DefinitionRevision).where(DefinitionRevision.key == "t"))
    if revision is None:
        revision = DefinitionRevision(
            kind="TicketType",
            key="t",
            revision=1,
            content_hash="t",
            document={},
            status="retired",
            author="test",
        )
        session.add(revision)
        session.flush()
    ticket = Ticket(
        number=subject, type_key="repair", ticket_type_revision_id=revision.id,
        workflow_revision_id=revision.id, state="new", state_category="open",
        customer_id=base.customer.id, asset_id=base.covered.id, subject=subject,
        created_at=utcnow() - timedelta(days=days_ago),
    )  # fmt: skip
    session.add(ticket)
    session.commit()
    return ticket


def test_service_history_lists_the_assets_tickets_newest_first(
    session: Session, installed_base: InstalledBase
) -> None:
    _ticket(session, installed_base, "RP-OLD", 30)
    _ticket(session, installed_base, "RP-NEW", 1)
    _ticket(session, installed_base, "RP-MID", 7)
    history = services.asset_service_history(session, installed_base.covered.id)
    assert [t.number for t in history] == ["RP-NEW", "RP-MID", "RP-OLD"]
    assert services.asset_service_history(session, installed_base.expired.id) == []
    assert services.open_ticket_count(session, installed_base.covered.id) == 3


def test_service_history_respects_who_is_looking(
    session: Session, installed_base: InstalledBase
) -> None:
    _ticket(session, installed_base, "RP-1", 1)
    stranger = User(username="other", role="customer", display_name="other")
    session.add(stranger)
    session.commit()
    assert services.asset_service_history(session, installed_base.covered.id, viewer=stranger) == []


def test_customer_context_has_exactly_the_scope_names(installed_base: InstalledBase) -> None:
    base = installed_base
    context = services.customer_context(base.customer, base.contact, base.address, base.covered)
    expected = {
        name for name in base_scope()
        if name.split(".")[0] in ("customer", "contact", "address", "asset", "contract")
    }  # fmt: skip
    assert set(context) == expected
    assert context["customer.tier"] == "vip"
    assert context["contact.phone"] == "13800001111"
    assert context["address.region"] == "east"
    assert context["asset.serial_number"] == "ESP2-0001"
    assert context["asset.in_warranty"] is True
    # The covered asset has no contract of its own: the customer's contract in force applies.
    assert (context["contract.level"], context["contract.active"]) == ("premium", True)


def test_customer_context_of_an_expired_asset_and_of_nothing(
    installed_base: InstalledBase,
) -> None:
    context = services.customer_context(installed_base.customer, asset=installed_base.expired)
    assert context["asset.in_warranty"] is False
    assert context["contact.name"] is None
    later = service_today() + timedelta(days=400)
    context = services.customer_context(
        installed_base.customer, asset=installed_base.expired, today=later
    )
    # The asset's own contract has ended; it still tells its level.
    assert (context["contract.level"], context["contract.active"]) == ("premium", False)
    assert set(services.customer_context(None).values()) == {None}


def test_customer_context_feeds_a_condition(installed_base: InstalledBase) -> None:
    context = services.customer_context(installed_base.customer, asset=installed_base.covered)
    condition = compile_condition(
        {"all": [{"field": "asset.in_warranty", "op": "eq", "value": True},
                 {"field": "customer.tier", "op": "in", "value": ["vip", "gold"]}]}
    )  # fmt: skip
    assert condition(EvaluationContext(context)) is True


def test_get_row_raises_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="no customers row with id 99"):
        services.get_row(session, Customer, 99)


def test_search_wildcards_are_taken_literally(
    session: Session, installed_base: InstalledBase
) -> None:
    assert services.find_customers(session, "%") == []
    assert services.find_customers(session, "_") == []
    assert services.find_assets(session, "%") == []
