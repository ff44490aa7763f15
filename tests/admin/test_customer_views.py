"""Customers and their installed base in the admin: edits audited, exports, refusals."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from tests.admin.people_world import build_world, invalid_fields, login_admin
from tests.gongdan.notifications.factories import install_world, new_repair

from gongdan.audit.models import AuditEntry
from gongdan.customers.models import Customer, ServiceContract
from gongdan.db import db


def _xlsx_cells(content: bytes) -> list[str]:
    """Every text cell of an XLSX file, in order (inline or shared strings)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = [n for n in archive.namelist() if n.startswith("xl/") and n.endswith(".xml")]
        texts = "".join(archive.read(name).decode() for name in sorted(parts))
    return re.findall(r"<t[^>]*>([^<]*)</t>", texts)


def test_editing_a_customer_is_audited_with_before_and_after(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    world = build_world(app, make_user)
    login_admin(client)
    response = client.post(
        f"/admin/customers/edit/?id={world.customer_id}",
        data={"code": "ACME", "name": "Acme 咖啡（总店）", "tier": "normal", "region": "north",
              "phone": "", "email": "", "notes": "", "active": "y"},
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        customer = db.session.get(Customer, world.customer_id)
        assert customer is not None and customer.region == "north"
        [entry] = db.session.scalars(sa.select(AuditEntry)).all()
    assert (entry.action, entry.target_type, entry.target_id, entry.actor_name) == (
        "update", "Customer", str(world.customer_id), "root",
    )  # fmt: skip
    assert entry.before == {"name": "Acme 咖啡", "region": "east"}
    assert entry.after == {"name": "Acme 咖啡（总店）", "region": "north"}
    trail = client.get("/admin/audit/").get_data(as_text=True)
    assert "Acme 咖啡（总店）" in trail and "gongdan-diff" in trail


def test_creating_and_deleting_a_contact_are_audited(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    world = build_world(app, make_user)
    login_admin(client)
    lookup = client.get("/admin/contacts/ajax/lookup/?name=customer&query=acme").get_json()
    assert lookup == [[world.customer_id, "ACME · Acme 咖啡"]]
    response = client.post(
        "/admin/contacts/new/",
        data={"customer": str(world.customer_id), "name": "李会计", "mobile": "13900000009"},
    )
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "create"))
        assert created is not None and created.after is not None
        contact_id = int(created.target_id)
    assert created.after["name"] == "李会计" and created.after["customer"] == "ACME · Acme 咖啡"
    client.post("/admin/contacts/delete/", data={"id": str(contact_id)})
    with app.app_context():
        deleted = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "delete"))
    assert deleted is not None and deleted.before is not None and deleted.after is None
    assert deleted.before["name"] == "李会计"


def test_a_contract_ending_before_it_starts_is_refused_under_the_field(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    world = build_world(app, make_user)
    login_admin(client)
    page = client.post(
        f"/admin/contracts/edit/?id={world.contract_id}",
        data={"customer": str(world.customer_id), "number": "SC-1", "level": "premium",
              "starts_on": "2024-01-01", "ends_on": "2023-12-31"},
    ).get_data(as_text=True)  # fmt: skip
    assert invalid_fields(page) == {"ends_on"}
    with app.app_context():
        assert db.session.get(ServiceContract, world.contract_id).level == "standard"  # type: ignore[union-attr]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_an_asset_cannot_point_at_another_customers_site(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    world = build_world(app, make_user)
    with app.app_context():
        other = Customer(code="OTHER", name="别家")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    login_admin(client)
    page = client.post(
        f"/admin/assets/edit/?id={world.asset_id}",
        data={"customer": str(other_id), "serial_number": "SN-0001", "product_model": "CM-200",
              "address": "1", "contract": "1"},
    ).get_data(as_text=True)  # fmt: skip
    assert invalid_fields(page) >= {"address", "contract"}


def test_a_customer_with_tickets_cannot_be_deleted(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    with app.app_context():
        people = install_world(db.session)
        new_repair(db.session, people)
    make_user("root", "admin")
    login_admin(client)
    response = client.post("/admin/customers/delete/", data={"id": str(people.customer)})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "C-ACME" in page and "alert-danger" in page
    with app.app_context():
        assert db.session.get(Customer, people.customer) is not None


def test_the_warranty_filter_and_search_narrow_the_asset_list(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    build_world(app, make_user)
    login_admin(client)
    assert "SN-0001" in client.get("/admin/assets/").get_data(as_text=True)
    assert "SN-0001" in client.get("/admin/assets/?search=CM-200").get_data(as_text=True)
    assert "SN-0001" not in client.get("/admin/assets/?search=nothing").get_data(as_text=True)
    views = client.application.extensions["gongdan.admin"]._views
    assets = next(v for v in views if getattr(v, "endpoint", "") == "ref_assets")
    index = next(
        i for i, f in enumerate(assets._filters) if str(f.name) in ("In warranty", "保修期内")
    )
    out = client.get(f"/admin/assets/?flt0_{index}=1").get_data(as_text=True)
    assert "SN-0001" not in out  # its warranty ended in 2000
    assert "SN-0001" in client.get(f"/admin/assets/?flt0_{index}=0").get_data(as_text=True)


@pytest.mark.parametrize("slug", ["users", "departments", "engineers", "customers", "contacts",
                                  "addresses", "assets", "contracts"])  # fmt: skip
def test_every_reference_list_exports_csv_and_xlsx_with_its_rows(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], slug: str
) -> None:
    build_world(app, make_user)
    login_admin(client)
    expected = {"users": "王经理", "departments": "现场服务部", "engineers": "张工",
                "customers": "Acme 咖啡", "contacts": "王店长", "addresses": "南京西路 1 号",
                "assets": "SN-0001", "contracts": "SC-1"}[slug]  # fmt: skip
    response = client.get(f"/admin/{slug}/export/csv/")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) >= 2 and any(expected in cell for row in rows[1:] for cell in row)

    response = client.get(f"/admin/{slug}/export/xlsx/")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert ".xlsx" in response.headers["Content-Disposition"]
    cells = _xlsx_cells(response.data)
    assert cells[: len(rows[0])] == rows[0]  # the same header row
    assert any(expected in cell for cell in cells)
