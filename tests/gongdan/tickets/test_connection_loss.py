"""The database connection dropped in the middle of a request, on PostgreSQL.

Another connection ends the request's server process (``pg_terminate_backend``) after the
ticket row was flushed but before the commit. The caller gets a clean error — JSON from the
API, the product's error page in the browser, never a traceback — nothing is half-written, and
the next request on the same app works.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import MigratedDatabase
from tests.gongdan.api.world import ApiWorld, build_world, consultation
from tests.gongdan.fieldwork.factories import Site, build_site, create_repair, version_of

from gongdan.db import db
from gongdan.notifications.models import NotificationOutbox
from gongdan.tickets import changes, creation
from gongdan.tickets.models import Ticket, TicketComment, TicketEvent
from gongdan.tickets.pinning import clear_pinned_cache

pytestmark = pytest.mark.parametrize(
    "db_backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


class ConnectionKiller:
    """Ends the server process behind a session's connection, from a connection of its own."""

    def __init__(self, database: MigratedDatabase) -> None:
        self.engine = database.new_engine()
        self.killed: list[int] = []

    def kill(self, session: Session) -> None:
        pid = session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with self.engine.begin() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 10
        while self._running(pid):  # a transaction sees one snapshot of pg_stat_activity
            assert time.monotonic() < deadline, f"backend {pid} did not exit"
            time.sleep(0.02)
        self.killed.append(pid)

    def _running(self, pid: int) -> bool:
        with self.engine.connect() as connection:
            query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            return bool(connection.execute(query, {"pid": pid}).scalar_one())

    def after(self, module: Any, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """Kill the connection once, right after ``module.name`` (a step of a service) ran."""
        original: Callable[..., Any] = getattr(module, name)

        def step_then_kill(session: Session, *args: Any, **kwargs: Any) -> Any:
            result = original(session, *args, **kwargs)
            if not self.killed:
                self.kill(session)
            return result

        monkeypatch.setattr(module, name, step_then_kill)

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def killer(database: MigratedDatabase) -> Iterator[ConnectionKiller]:
    found = ConnectionKiller(database)
    yield found
    found.close()


@pytest.fixture
def production_app(make_app: Callable[..., Flask]) -> Flask:
    """Errors handled as in production: not re-raised into the test."""
    clear_pinned_cache()
    return make_app(PROPAGATE_EXCEPTIONS=False)


def rows(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Ticket, TicketEvent, TicketComment, NotificationOutbox)
        }


def assert_clean_json_error(response: Any) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code == 503, text
    assert response.is_json and response.json["error"]["code"] == "database_unavailable"
    assert "nothing was saved" in response.json["error"]["message"]
    assert response.headers["Retry-After"]
    assert "Traceback" not in text and "psycopg" not in text and "SELECT" not in text


def assert_friendly_page(response: Any, says: str = "nothing was saved") -> None:
    text = response.get_data(as_text=True)
    assert response.status_code == 503, text
    assert response.mimetype == "text/html" and "<html" in text
    assert says in text
    assert response.headers["Retry-After"]
    assert "Traceback" not in text and "psycopg" not in text and "SELECT" not in text


def test_api_create_fails_cleanly_saves_nothing_and_the_next_request_works(
    production_app: Flask, killer: ConnectionKiller, monkeypatch: pytest.MonkeyPatch
) -> None:
    world: ApiWorld = build_world(production_app)
    before = rows(production_app)
    killer.after(creation, "record_event", monkeypatch)

    response = world.call("POST", "/api/v1/tickets", "agent", json=consultation(world))

    assert killer.killed, "the connection was not killed: the test proves nothing"
    assert_clean_json_error(response)
    assert rows(production_app) == before
    again = world.call("POST", "/api/v1/tickets", "agent", json=consultation(world))
    assert again.status_code == 201, again.get_data(as_text=True)
    assert world.call("GET", "/api/v1/tickets", "agent").json["total"] == 1


def test_api_transition_fails_cleanly_leaves_the_ticket_and_the_next_request_works(
    production_app: Flask, killer: ConnectionKiller, monkeypatch: pytest.MonkeyPatch
) -> None:
    world: ApiWorld = build_world(production_app)
    created = world.call("POST", "/api/v1/tickets", "agent", json=consultation(world))
    url = f"/api/v1/tickets/{created.json['id']}"
    before = rows(production_app)
    killer.after(changes, "record_event", monkeypatch)

    response = world.call(
        "POST", f"{url}/transitions/ask_customer", "agent",
        json={"version": created.json["version"], "comment": "Which model is it?"},
    )  # fmt: skip

    assert killer.killed
    assert_clean_json_error(response)
    assert rows(production_app) == before
    unchanged = world.call("GET", url, "agent").json
    assert (unchanged["state"], unchanged["version"]) == ("new", created.json["version"])
    again = world.call(
        "POST", f"{url}/transitions/ask_customer", "agent",
        json={"version": created.json["version"], "comment": "Which model is it?"},
    )  # fmt: skip
    assert again.status_code == 200, again.get_data(as_text=True)
    assert again.json["state"] == "waiting_customer"


def _repair_form(site: Site) -> dict[str, str]:
    return {
        "type": "repair",
        "channel": "phone",
        "f.customer": str(site.customers["acme"]),
        "f.contact": str(site.contacts["acme"]),
        "f.service_mode": "remote",
        "f.serial_no": "SN-LOST-1",
        "f.product_model": "es_pro_2",
        "f.symptom": "no water",
        "f.impact": "degraded",
    }


def test_workspace_create_shows_the_error_page_saves_nothing_and_the_next_post_works(
    production_app: Flask, killer: ConnectionKiller, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = build_site(production_app)
    client = site.client("agent")
    before = rows(production_app)
    killer.after(creation, "record_event", monkeypatch)

    response = client.post("/tickets/new?type=repair", data=_repair_form(site))

    assert killer.killed
    assert_friendly_page(response)
    assert rows(production_app) == before
    again = client.post("/tickets/new?type=repair", data=_repair_form(site))
    assert again.status_code == 302, again.get_data(as_text=True)
    assert rows(production_app)["Ticket"] == 1


def test_workspace_transition_shows_the_error_page_in_chinese_and_leaves_the_ticket_alone(
    production_app: Flask, killer: ConnectionKiller, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = build_site(production_app)
    number = create_repair(site)
    version = version_of(site, number)
    client = site.client("agent", "zh_CN")
    before = rows(production_app)
    killer.after(changes, "record_event", monkeypatch)

    response = client.post(f"/tickets/{number}/transition/accept", data={"version": str(version)})

    assert killer.killed
    assert_friendly_page(response, says="本次操作未保存")
    assert rows(production_app) == before
    with production_app.app_context():
        ticket = site.ticket(number)
        assert (ticket.state, ticket.version) == ("new", version)
    again = client.post(f"/tickets/{number}/transition/accept", data={"version": str(version)})
    assert again.status_code == 302, again.get_data(as_text=True)
    assert version_of(site, number) == version + 1


def test_after_a_database_restart_the_next_request_gets_a_fresh_connection(
    make_app: Callable[..., Flask], database: MigratedDatabase, killer: ConnectionKiller
) -> None:
    # The app's connections get a name of their own, so only they are ended below.
    name = f"{database.application_name}-restart"
    options = {**database.engine_options["connect_args"], "application_name": name}
    app = make_app(PROPAGATE_EXCEPTIONS=False, SQLALCHEMY_ENGINE_OPTIONS={"connect_args": options})
    world = build_world(app)
    assert world.call("GET", "/api/v1/tickets", "agent").status_code == 200
    with killer.engine.begin() as connection:
        query = sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")
        ended = connection.execute(query, {"name": name}).scalars().all()
        for pid in ended:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert ended, "no pooled connection of the app was found"
    while any(killer._running(pid) for pid in ended):
        time.sleep(0.02)

    response = world.call("GET", "/api/v1/tickets", "agent")

    assert response.status_code == 200, response.get_data(as_text=True)
