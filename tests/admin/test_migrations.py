"""The dry run and ticket migration pages: admins only, they render, the migration starts."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from tests.conftest import TEST_PASSWORD
from tests.gongdan.definitions.test_dry_run import draft_of, tighten_standard
from tests.gongdan.tickets import conftest as ticket_fixtures
from tests.gongdan.tickets.conftest import World
from tests.gongdan.tickets.test_migration import publish_edited, rename_waiting_customer

from gongdan.audit.models import AuditEntry
from gongdan.definitions.registry import active_revision
from gongdan.jobs import job_runner
from gongdan.tickets.models import Ticket, TicketMigration
from gongdan.tickets.services import run_transition

TEMPLATES = Path(__file__).resolve().parents[2] / "admin/gongdan_admin/templates/admin/gongdan"

world = ticket_fixtures.world
new_repair = ticket_fixtures.new_repair


def log_in(client: FlaskClient, world: World, name: str) -> None:
    user = world.user(name)
    user.set_password(TEST_PASSWORD)
    world.session.commit()
    client.post("/login", data={"username": name, "password": TEST_PASSWORD})


def editor_yaml(client: FlaskClient, url: str) -> str:
    """The YAML the definition editor at ``url`` starts with."""
    page = client.get(url).get_data(as_text=True)
    return html.unescape(re.search(r'<textarea name="yaml"[^>]*>(.*?)</textarea>', page, re.S)[1])


@pytest.mark.parametrize("url", ["/admin/dry-run/?revision=1", "/admin/migrate/?old=1&new=2"])
def test_other_roles_get_403(client: FlaskClient, world: World, url: str) -> None:
    log_in(client, world, "dispatcher")
    assert client.get(url).status_code == 403
    if url.startswith("/admin/migrate/"):
        assert client.post(url, data={"action": "start"}).status_code == 403


def test_the_dry_run_page_shows_the_new_deadlines(client: FlaskClient, world: World) -> None:
    draft = draft_of(world, "SlaPolicy", "standard", tighten_standard)
    log_in(client, world, "admin")
    response = client.get(f"/admin/dry-run/?revision={draft}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert 'data-aspect="deadlines"' in page
    assert "SlaPolicy/standard@2" in page
    assert 'id="dry-run-in-flight"' in page
    assert client.get("/admin/dry-run/").status_code == 200
    missing = client.get("/admin/dry-run/?revision=9999").get_data(as_text=True)
    assert "no definition revision with id 9999" in missing


def test_the_migrate_page_maps_counts_and_starts_the_job(
    app: Flask, client: FlaskClient, world: World, new_repair: Callable[..., Ticket]
) -> None:
    session = world.session
    new_repair()
    waiting = new_repair()
    run_transition(
        session, world.user("agent"), waiting.id, "ask_customer",
        expected_version=1, comment="请补充照片",
    )  # fmt: skip
    old, new = publish_edited(world, "Workflow", "repair_flow", rename_waiting_customer)
    log_in(client, world, "admin")
    url = f"/admin/migrate/?old={old}&new={new}"
    page = client.get(url).get_data(as_text=True)
    assert 'data-subject="waiting_customer"' in page
    assert '<option value="awaiting_reply" selected>' in page  # the suggested rename
    assert 'data-moves="2" data-left="0"' in page
    unmapped = client.post(url, data={"action": "preview", "state:waiting_customer": ""})
    assert 'data-moves="1" data-left="1"' in unmapped.get_data(as_text=True)

    started = client.post(url, data={"action": "start", "state:waiting_customer": "awaiting_reply"})
    assert started.status_code == 302
    migration = session.scalars(select(TicketMigration)).one()
    assert started.headers["Location"].endswith(f"/admin/migrate/{migration.id}")
    assert migration.mapping == {"states": {"waiting_customer": "awaiting_reply"}, "fields": {}}
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "migrate_tickets")).one()
    assert audit.actor_name == "admin"
    queued = client.get(started.headers["Location"]).get_data(as_text=True)
    assert 'data-status="queued"' in queued

    job_runner(app).run_pending()
    done = client.get(started.headers["Location"]).get_data(as_text=True)
    assert 'data-status="done"' in done and 'data-count="moved">2<' in done


def test_the_migrate_page_explains_bad_revisions(client: FlaskClient, world: World) -> None:
    log_in(client, world, "admin")
    page = client.get("/admin/migrate/?old=1&new=1").get_data(as_text=True)
    assert 'id="migrate-error"' in page
    assert 'id="migrate-error"' in client.get("/admin/migrate/").get_data(as_text=True)
    assert client.get("/admin/migrate/4242").status_code == 404


def test_post_forms_carry_a_csrf_token() -> None:
    # CSRF is off in these tests and on in production: the form must carry the token.
    template = TEMPLATES / "migrate.html"
    assert "{{ csrf_token() }}" in template.read_text(encoding="utf-8")


def test_a_breaking_publish_in_the_editor_links_to_the_migration(
    client: FlaskClient, world: World, new_repair: Callable[..., Ticket]
) -> None:
    session = world.session
    new_repair()
    new_repair()
    old = active_revision(session, "Workflow", "repair_flow")
    assert old is not None
    old_id = old.id
    log_in(client, world, "admin")
    url = "/admin/definitions/Workflow/repair_flow/edit"
    text = editor_yaml(client, url)
    renamed = text.replace("waiting_customer", "awaiting_reply")
    published = client.post(url, data={"yaml": renamed, "action": "publish"})
    assert published.status_code == 302, published.get_data(as_text=True)
    session.expire_all()
    new = active_revision(session, "Workflow", "repair_flow")
    assert new is not None and new.id != old_id
    detail = client.get(published.headers["Location"]).get_data(as_text=True)
    link = f'href="/admin/migrate/?old={old_id}&amp;new={new.id}" id="migrate-link"'
    assert f'{link} data-open-tickets="2"' in detail
    assert "仍有 2 张未关闭工单停留在修订 1" in detail  # the admin reads Chinese
    # Nothing in flight disappears: the tickets stay pinned to the old revision.
    pinned = session.scalars(select(Ticket.workflow_revision_id)).all()
    assert pinned == [old_id, old_id]


def with_transfer_path(text: str) -> str:
    """The repair workflow's editor text with a new path: callback → quality."""
    callback = "    callback:\n      - customer_service\n"
    assert callback in text
    return text.replace(callback, callback + "      - quality\n")


def test_a_publish_that_only_adds_moves_the_open_tickets_at_once(
    app: Flask, client: FlaskClient, world: World, new_repair: Callable[..., Ticket]
) -> None:
    session = world.session
    new_repair()
    new_repair()
    old = active_revision(session, "Workflow", "repair_flow")
    assert old is not None
    old_id = old.id
    log_in(client, world, "admin")
    url = "/admin/definitions/Workflow/repair_flow/edit"
    text = editor_yaml(client, url)
    # A new transfer path breaks nothing: the open tickets need no mapping.
    added = with_transfer_path(text)
    assert added != text
    published = client.post(url, data={"yaml": added, "action": "publish"})
    assert published.status_code == 302, published.get_data(as_text=True)
    session.expire_all()
    new = active_revision(session, "Workflow", "repair_flow")
    assert new is not None and new.id != old_id
    detail = client.get(published.headers["Location"]).get_data(as_text=True)
    assert 'id="migrate-link"' not in detail
    migration = session.scalars(select(TicketMigration)).one()
    assert f'href="/admin/migrate/{migration.id}" id="auto-migration-link"' in detail
    assert "2 张未关闭工单现在迁移到修订 2" in detail
    assert migration.mapping == {"states": {}, "fields": {}}
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "migrate_tickets")).one()
    assert audit.actor_name == "admin"

    job_runner(app).run_pending()
    session.expire_all()
    assert session.scalars(select(Ticket.workflow_revision_id)).all() == [new.id, new.id]


def test_a_publish_with_no_open_tickets_queues_no_move(client: FlaskClient, world: World) -> None:
    log_in(client, world, "admin")
    url = "/admin/definitions/Workflow/repair_flow/edit"
    text = editor_yaml(client, url)
    added = with_transfer_path(text)
    published = client.post(url, data={"yaml": added, "action": "publish"}, follow_redirects=True)
    assert 'id="auto-migration-link"' not in published.get_data(as_text=True)
    assert world.session.scalars(select(TicketMigration)).all() == []
