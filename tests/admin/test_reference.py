"""The reference-data views are registered, listed in the menu, and refused to non-admins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from tests.admin.people_world import build_world, login_admin

from gongdan_admin.reference import VIEWS

URLS = [f"/admin/{slug}/" for *_, slug in VIEWS]
WRITE_URLS = [
    "/admin/users/new/",
    "/admin/departments/edit/?id=1",
    "/admin/customers/export/csv/",
    "/admin/assets/export/xlsx/",
    "/admin/departments/ajax/lookup/?name=lead&query=a",
]


@pytest.mark.parametrize("role", ["manager", "agent", "engineer", "customer"])
def test_non_admins_get_403_on_every_reference_page(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any], role: str
) -> None:
    make_user("someone", role)
    login("someone")
    for url in [*URLS, *WRITE_URLS]:
        assert client.get(url).status_code == 403, url
    response = client.post("/admin/departments/new/", data={"key": "x", "title_zh": "X"})
    assert response.status_code == 403


def test_an_admin_sees_every_reference_list_in_the_menu_in_both_languages(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    build_world(app, make_user)
    login_admin(client)
    for url in URLS:
        page = client.get(url).get_data(as_text=True)
        assert client.get(url).status_code == 200, url
    assert "基础数据" in page and "部门" in page and "服务合同" in page
    client.get("/language/en")
    page = client.get("/admin/departments/").get_data(as_text=True)
    assert "Reference data" in page and "Service contracts" in page and "Lead" in page
