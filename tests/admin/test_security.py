"""Only admins get into the admin GUI; everyone else is sent to log in or refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gongdan.hookspecs import hookimpl
from gongdan_admin.security import SecuredView


def test_anonymous_visitors_are_sent_to_log_in_and_come_back(client: FlaskClient) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login?next=/admin/" in response.headers["Location"]


@pytest.mark.parametrize("role", ["manager", "dispatcher", "agent", "engineer", "customer"])
def test_every_other_role_gets_403(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any], role: str
) -> None:
    make_user("someone", role)
    login("someone")
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "data-stat" not in response.get_data(as_text=True)


def test_an_admin_sees_the_overview_and_a_link_from_the_workspace(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    make_user("root", "admin")
    make_user("ann", "agent")
    login("root")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'data-stat="users">2<' in page
    assert 'data-stat="dead-notifications">0<' in page
    assert 'href="/admin/"' in client.get("/").get_data(as_text=True)


def test_the_workspace_shows_no_admin_link_to_others(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    make_user("ann", "agent")
    login("ann")
    assert 'href="/admin/"' not in client.get("/").get_data(as_text=True)


def test_the_overview_counts_installed_definitions(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any], runner: Any
) -> None:
    assert runner.invoke(args=["init"]).exit_code == 0
    make_user("root", "admin")
    login("root")
    page = client.get("/admin/").get_data(as_text=True)
    assert "<code>TicketType</code>" in page
    assert "No definitions installed yet" not in page


class _ReportsPlugin:
    """A plugin that adds one admin page through the hook."""

    @hookimpl
    def gongdan_admin_views(self, admin: Any, app: Flask) -> None:
        from flask_admin import expose

        class PluginPage(SecuredView):
            @expose("/")
            def index(self) -> str:
                return "plugin page"

        admin.add_view(PluginPage(name="Plugin page", endpoint="plugin_page"))


def test_plugins_add_views_that_are_secured_like_the_core_ones(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    app = make_app(GONGDAN_EXTRA_PLUGINS=[_ReportsPlugin()])
    client = app.test_client()
    make_user("ann", "agent")
    make_user("root", "admin")
    client.post("/login", data={"username": "ann", "password": "correct horse"})
    assert client.get("/admin/plugin_page/").status_code == 403
    client.post("/logout")
    client.post("/login", data={"username": "root", "password": "correct horse"})
    assert client.get("/admin/plugin_page/").get_data(as_text=True) == "plugin page"


@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/definitions/TicketType/", "/admin/definitions/TicketType/repair/edit"],
)
def test_admin_pages_ask_nothing_of_the_internet(admin: FlaskClient, url: str) -> None:
    """Sites behind a firewall: every stylesheet and script comes from this server, and no
    stylesheet imports from elsewhere (Flask-Admin's flatly swatch imports a Google font)."""
    page = admin.get(url).get_data(as_text=True)
    assets = re.findall(r'<(?:link[^>]*href|script[^>]*src)="([^"]+)"', page)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    for stylesheet in (a for a in assets if ".css" in a):
        response = admin.get(stylesheet)
        assert response.status_code == 200, stylesheet
        assert not re.search(
            r"@import\s+url\(\s*['\"]?(https?:)?//", response.get_data(as_text=True)
        )
        response.close()
