"""Users, departments and engineers in the admin: forms, bad input, refusals, audit entries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from tests.admin.people_world import World, build_world, invalid_fields, login_admin
from tests.gongdan.notifications.factories import after_sales_pack, install_world, new_repair

from gongdan.accounts.models import Department, User
from gongdan.audit.models import AuditEntry
from gongdan.db import db
from gongdan.definitions.registry import install_pack


def _entries(app: Flask, target_type: str) -> list[AuditEntry]:
    with app.app_context():
        query = sa.select(AuditEntry).where(AuditEntry.target_type == target_type)
        return list(db.session.scalars(query.order_by(AuditEntry.id)))


def _user(app: Flask, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        assert user is not None
        db.session.expunge(user)
        return user


def test_the_user_list_shows_people_but_never_a_password_hash(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    build_world(app, make_user)
    login_admin(client)
    page = client.get("/admin/users/").get_data(as_text=True)
    assert "王经理" in page and "张工" in page
    details = client.get("/admin/users/details/?id=2").get_data(as_text=True)
    exported = client.get("/admin/users/export/csv/").get_data(as_text=True)
    for text in (page, details, exported, client.get("/admin/users/edit/?id=2").get_data(True)):
        assert "password_hash" not in text and "pbkdf2" not in text


def test_an_admin_creates_a_user_with_a_role_a_pack_defines_and_the_password_works(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    world = build_world(app, make_user)
    with app.app_context():
        install_pack(db.session, after_sales_pack(), author="test")
    login_admin(client)
    form = client.get("/admin/users/new/").get_data(as_text=True)
    assert 'value="quality_inspector"' in form and "质检员" in form

    response = client.post(
        "/admin/users/new/",
        data={"username": "qi", "display_name": "质检 李", "role": "quality_inspector",
              "department": str(world.department_id), "locale": "", "active": "y",
              "new_password": "s3cret-pass"},
    )  # fmt: skip
    assert response.status_code == 302
    created = _user(app, "qi")
    assert created.role == "quality_inspector" and created.department_id == world.department_id
    assert created.password_hash.startswith("pbkdf2:") and created.check_password("s3cret-pass")
    entry = _entries(app, "User")[-1]
    assert entry.action == "create" and entry.actor_name == "root"
    assert entry.after is not None and entry.after["username"] == "qi"
    assert "password_hash" not in entry.after and "s3cret" not in str(entry.after)


def test_a_new_user_needs_a_password_and_an_unknown_role_is_refused_under_the_field(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    build_world(app, make_user)
    login_admin(client)
    page = client.post(
        "/admin/users/new/",
        data={"username": "x", "display_name": "X", "role": "wizard", "new_password": ""},
    ).get_data(as_text=True)
    assert invalid_fields(page) == {"role", "new_password"}
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "x")) is None
    assert _entries(app, "User") == []


def test_setting_a_password_on_edit_hashes_it_and_audits_without_the_hash(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    world = build_world(app, make_user)
    login_admin(client)
    response = client.post(
        f"/admin/users/edit/?id={world.manager_id}",
        data={"username": "manager", "display_name": "王经理", "role": "manager",
              "locale": "", "active": "y", "new_password": "brand-new-pass"},
    )  # fmt: skip
    assert response.status_code == 302
    assert _user(app, "manager").check_password("brand-new-pass")
    entry = _entries(app, "User")[-1]
    assert entry.summary == "password set" and entry.before == {} and entry.after == {}


def test_a_customer_user_must_name_its_customer(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    build_world(app, make_user)
    login_admin(client)
    page = client.post(
        "/admin/users/new/",
        data={"username": "shop", "display_name": "店长", "role": "customer",
              "new_password": "long-enough"},
    ).get_data(as_text=True)  # fmt: skip
    assert invalid_fields(page) == {"customer"}
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "shop")) is None


def test_a_user_named_by_tickets_cannot_be_deleted_but_can_be_deactivated(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    with app.app_context():
        people = install_world(db.session)
        new_repair(db.session, people)
    make_user("root", "admin")
    login_admin(client)
    response = client.post("/admin/users/delete/", data={"id": str(people.agent)})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "deactivate the account instead" in page or "请改为停用" in page
    assert _user(app, "agent").active
    assert [e.action for e in _entries(app, "User")] == []

    client.post(
        f"/admin/users/edit/?id={people.agent}",
        data={"username": "agent", "display_name": "Agent Zhao", "role": "agent", "locale": ""},
    )
    assert not _user(app, "agent").active
    entry = _entries(app, "User")[-1]
    assert (entry.before, entry.after) == ({"active": True}, {"active": False})


def test_an_admin_cannot_lock_themselves_out(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    world = build_world(app, make_user)
    login_admin(client)
    client.post(
        f"/admin/users/edit/?id={world.admin_id}",
        data={"username": "root", "display_name": "管理员", "role": "agent", "active": "y"},
    )
    assert _user(app, "root").role == "admin"
    client.post("/admin/users/delete/", data={"id": str(world.admin_id)})
    assert _user(app, "root").active


def test_editing_a_department_lead_is_audited_with_before_and_after(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    world = build_world(app, make_user)
    login_admin(client)
    lookup = client.get("/admin/departments/ajax/lookup/?name=lead&query=王").get_json()
    assert lookup == [[world.manager_id, "王经理 (manager)"]]
    response = client.post(
        f"/admin/departments/edit/?id={world.department_id}",
        data={"key": "field_service", "title_zh": "现场服务部", "title_en": "Field service",
              "lead": str(world.manager_id)},
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        department = db.session.get(Department, world.department_id)
        assert department is not None and department.lead_id == world.manager_id
    [entry] = _entries(app, "Department")
    assert entry.action == "update" and entry.actor_name == "root"
    assert entry.target_id == str(world.department_id)
    assert entry.before == {"lead_id": None, "lead": None}
    assert entry.after == {"lead_id": world.manager_id, "lead": "王经理 (manager)"}


def test_a_bad_department_key_is_shown_under_the_field_and_changes_nothing(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    world = build_world(app, make_user)
    login_admin(client)
    page = client.post(
        f"/admin/departments/edit/?id={world.department_id}",
        data={"key": "Field Service!", "title_zh": "改名", "title_en": ""},
    ).get_data(as_text=True)
    assert invalid_fields(page) == {"key"} and "Field Service!" in page
    with app.app_context():
        department = db.session.get(Department, world.department_id)
        assert department is not None and department.title_zh == "现场服务部"
    assert _entries(app, "Department") == []


def test_a_department_that_owns_tickets_is_neither_deleted_nor_renamed(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    with app.app_context():
        people = install_world(db.session)
        ticket = new_repair(db.session, people)
        owner = db.session.scalar(
            sa.select(Department).where(Department.key == ticket.department_key)
        )
        assert owner is not None
        owner_id, key = owner.id, owner.key
    make_user("root", "admin")
    login_admin(client)
    response = client.post("/admin/departments/delete/", data={"id": str(owner_id)})
    assert response.status_code == 302  # not a 500
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{key} still has 1 tickets" in page or "请先" in page
    client.post(
        f"/admin/departments/edit/?id={owner_id}",
        data={"key": "renamed", "title_zh": key, "title_en": key},
    )
    with app.app_context():
        assert db.session.get(Department, owner_id).key == key  # type: ignore[union-attr]
    assert _entries(app, "Department") == []


def test_an_admin_edits_an_engineers_availability_capacity_and_skills(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    world = build_world(app, make_user)
    login_admin(client)
    listing = client.get("/admin/engineers/").get_data(as_text=True)
    assert "张工" in listing and "王经理" not in listing  # engineers only
    assert client.get(f"/admin/engineers/edit/?id={world.manager_id}").status_code == 302
    response = client.post(
        f"/admin/engineers/edit/?id={world.engineer_id}",
        data={"department": str(world.department_id), "availability": "busy",
              "capacity": "4", "skills": "制冷, install，制冷 ,"},
    )  # fmt: skip
    assert response.status_code == 302
    engineer = _user(app, "eng")
    assert (engineer.availability, engineer.capacity) == ("busy", 4)
    assert engineer.skills == ["制冷", "install"]
    [entry] = _entries(app, "User")
    assert entry.before == {"availability": "available", "capacity": 10, "skills": []}
    assert entry.after == {"availability": "busy", "capacity": 4, "skills": ["制冷", "install"]}


def test_a_negative_capacity_is_refused_under_the_field(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    world: World = build_world(app, make_user)
    login_admin(client)
    page = client.post(
        f"/admin/engineers/edit/?id={world.engineer_id}",
        data={"availability": "off", "capacity": "-1", "skills": ""},
    ).get_data(as_text=True)
    assert invalid_fields(page) == {"capacity"}
    engineer = _user(app, "eng")
    assert (engineer.availability, engineer.capacity) == ("available", 10)
