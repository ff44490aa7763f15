"""Staff pages: customer search, the customer page and the asset page with its history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import refresh
from sqlalchemy.orm import Session
from tests.gongdan.customers.conftest import InstalledBase

from gongdan.accounts.models import User
from gongdan.customers import services
from gongdan.customers.views import ticket_url
from gongdan.db import utcnow
from gongdan.definitions.models import DefinitionRevision
from gongdan.tickets.models import Ticket


@pytest.fixture
def agent(make_user: Callable[..., User], login: Callable[..., Any]) -> User:
    user = make_user("agent1", "agent")
    login("agent1")
    return user


def _ticket(session: Session, base: InstalledBase, number: str, days_ago: int) -> Ticket:
    workflow = {"spec": {"states": [{"key": "new", "title": {"zh": "新建", "en": "New"}}]}}
    revision = DefinitionRevision(kind="Workflow", key=number, revision=1, content_hash=number,
                                  document=workflow, status="retired", author="test")  # fmt: skip
    session.add(revision)
    session.flush()
    ticket = Ticket(
        number=number, type_key="repair", ticket_type_revision_id=revision.id,
        workflow_revision_id=revision.id, state="new", state_category="open",
        customer_id=base.customer.id, asset_id=base.covered.id, subject=f"subject {number}",
        created_at=utcnow() - timedelta(days=days_ago),
    )  # fmt: skip
    session.add(ticket)
    session.commit()
    return ticket


def test_customer_page_shows_the_installed_base(
    client: FlaskClient, installed_base: InstalledBase, agent: User, session: Session
) -> None:
    _ticket(session, installed_base, "RP-1", 2)
    page = client.get(f"/customers/{installed_base.customer.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("测试咖啡", "孙店长", "13800001111", "南京西路 1266 号", "31.23040", "ESP2-0001",
                 "GR64-0002", "SC-2026-001", "RP-1", "新建"):  # fmt: skip
        assert text in html
    assert f'href="/assets/{installed_base.covered.id}"' in html
    assert "warranty-in_warranty" in html and "warranty-expired" in html


def test_asset_page_shows_its_service_history(
    client: FlaskClient, installed_base: InstalledBase, agent: User, session: Session
) -> None:
    _ticket(session, installed_base, "RP-OLD", 20)
    _ticket(session, installed_base, "RP-NEW", 1)
    page = client.get(f"/assets/{installed_base.covered.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "ESP2-0001" in html and "warranty-in_warranty" in html
    assert html.index("RP-NEW") < html.index("RP-OLD")
    other = client.get(f"/assets/{installed_base.expired.id}").get_data(as_text=True)
    assert "RP-NEW" not in other and "SC-2026-001" in other


def test_pages_speak_english_and_chinese(
    client: FlaskClient, installed_base: InstalledBase, agent: User
) -> None:
    # The fixtures keep one app context (and so Flask-Babel's cached locale) open: refresh it.
    client.get("/language/en")
    refresh()
    english = client.get(f"/assets/{installed_base.covered.id}").get_data(as_text=True)
    assert "Service history" in english
    client.get("/language/zh_CN")
    refresh()
    chinese = client.get(f"/assets/{installed_base.covered.id}").get_data(as_text=True)
    assert "维修历史" in chinese


def test_search_finds_by_serial_and_phone(
    client: FlaskClient, installed_base: InstalledBase, agent: User
) -> None:
    by_serial = client.get("/customers?q=esp2").get_data(as_text=True)
    assert "测试咖啡" in by_serial and "ESP2-0001" in by_serial
    by_phone = client.get("/customers?q=021-5555-0101").get_data(as_text=True)
    assert f'href="/customers/{installed_base.customer.id}"' in by_phone
    nothing = client.get("/customers?q=nobody").get_data(as_text=True)
    assert f'href="/customers/{installed_base.customer.id}"' not in nothing


def test_names_and_search_text_are_escaped(
    client: FlaskClient, session: Session, agent: User
) -> None:
    customer = services.create_customer(
        session, {"code": "C-XSS", "name": "<script>alert(1)</script>", "notes": "<b>x</b>"}
    )
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page
    search = client.get("/customers?q=<script>alert(2)</script>").get_data(as_text=True)
    assert "<script>alert(2)</script>" not in search
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in search


@pytest.mark.parametrize("path", ["/customers", "/customers/{customer}", "/assets/{asset}"])
def test_customer_users_may_not_see_staff_pages(
    client: FlaskClient,
    installed_base: InstalledBase,
    make_user: Callable[..., User],
    login: Callable[..., Any],
    path: str,
) -> None:
    make_user("buyer", "customer", customer_id=installed_base.customer.id)
    login("buyer")
    url = path.format(customer=installed_base.customer.id, asset=installed_base.covered.id)
    assert client.get(url).status_code == 403


def test_pages_need_a_login(client: FlaskClient, installed_base: InstalledBase) -> None:
    response = client.get(f"/customers/{installed_base.customer.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_ids_are_404(client: FlaskClient, agent: User) -> None:
    assert client.get("/customers/999").status_code == 404
    assert client.get("/assets/999").status_code == 404


def test_engineers_see_only_their_tickets_in_the_history(
    client: FlaskClient,
    installed_base: InstalledBase,
    session: Session,
    make_user: Callable[..., User],
    login: Callable[..., Any],
) -> None:
    _ticket(session, installed_base, "RP-HIDDEN", 1)
    make_user("eng", "engineer")
    login("eng")
    page = client.get(f"/assets/{installed_base.covered.id}")
    assert page.status_code == 200
    assert "RP-HIDDEN" not in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("rule", "expected"), [("/tickets/<number>", "/tickets/RP-9"), ("/t/<int:ticket_id>", "/t/9")]
)
def test_ticket_links_follow_the_ticket_page_route(rule: str, expected: str) -> None:
    site = Flask("links")
    site.add_url_rule(rule, endpoint="tickets.show", view_func=lambda **_: "")
    with site.test_request_context():
        assert ticket_url(Ticket(id=9, number="RP-9")) == expected


def test_no_ticket_link_without_a_ticket_page() -> None:
    with Flask("bare").test_request_context():
        assert ticket_url(Ticket(id=9, number="RP-9")) is None
