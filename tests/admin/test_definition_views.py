"""Definitions in the admin GUI: lists, history, editor, validate, diff, publish, roll back."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.audit.models import AuditEntry
from gongdan.db import db
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.packs import load_pack
from gongdan.definitions.registry import active_generation, active_revision, install_pack

PACK = Path(__file__).resolve().parents[2] / "definitions" / "after_sales"
REPAIR = "/admin/definitions/TicketType/repair"
SERVICE_MODES = "/admin/definitions/OptionList/service_modes"


@pytest.fixture
def read(app: Flask) -> Callable[[Callable[[Session], Any]], Any]:
    """Run a query in an app context of its own.

    Not the ``session`` fixture: its app context would be shared by the test client's requests,
    and with it Flask-Login's user, so a second person's request would run as the first.
    """

    def run(query: Callable[[Session], Any]) -> Any:
        with app.app_context():
            return query(db.session)

    return run


def editor_text(client: FlaskClient, url: str) -> str:
    """The YAML the editor at ``url`` shows."""
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'<textarea name="yaml"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, page
    return html.unescape(found.group(1))


def press(client: FlaskClient, url: str, text: str, action: str) -> Any:
    """Post the editor's text with one of its buttons."""
    return client.post(url, data={"yaml": text, "action": action})


def problem_rows(page: str) -> list[dict[str, str]]:
    """Each problem row of a page: its line (0 when not in this text), JSON path and text."""
    rows = re.findall(
        r'<tr class="gd-problem[^"]*"\s+data-line="(\d+)" data-path="([^"]*)">(.*?)</tr>',
        page,
        re.S,
    )
    return [
        {"line": line, "path": path, "text": html.unescape(re.sub(r"<[^>]+>|\s+", " ", body))}
        for line, path, body in rows
    ]


def with_new_field(text: str, field: str) -> str:
    """The repair type's YAML with ``field`` (one YAML flow mapping) added first to its fields."""
    return text.replace("  fields:\n", f"  fields:\n    - {field}\n", 1)


REQUIRED_FIELD = (
    "{key: warranty_card, type: text, required: true, title: {zh: 保修卡号, en: Warranty card}}"
)


def state(session: Session) -> tuple[int, list[tuple[str, str, int, str]], int]:
    """Generation, every revision and the number of audit entries: "did anything change?"."""
    revisions = session.execute(
        select(
            DefinitionRevision.kind,
            DefinitionRevision.key,
            DefinitionRevision.revision,
            DefinitionRevision.status,
        ).order_by(DefinitionRevision.id)
    ).all()
    audits = len(session.scalars(select(AuditEntry)).all())
    return active_generation(session), [tuple(r) for r in revisions], audits


# ----------------------------------------------------------------------------------- reading


def test_each_kind_has_a_list_with_active_revision_pack_and_author(admin: FlaskClient) -> None:
    page = admin.get("/admin/definitions/TicketType/").get_data(as_text=True)
    assert 'data-key="repair"' in page and 'data-key="complaint"' in page
    row = re.search(r'<tr data-key="repair">(.*?)</tr>', page, re.S)
    assert row is not None
    assert '<td data-col="active">1</td>' in row.group(1)
    assert "after_sales" in row.group(1) and "tests" in row.group(1)
    for kind in ("Workflow", "RoutingRule", "SlaPolicy", "Calendar", "SurveyTemplate",
                 "NotificationTemplate", "Automation", "OptionList", "Department", "Role",
                 "InboundChannel"):  # fmt: skip
        assert admin.get(f"/admin/definitions/{kind}/").status_code == 200, kind
    menu = admin.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/definitions/SlaPolicy/"' in menu


def test_a_definition_page_shows_its_history(admin: FlaskClient) -> None:
    page = admin.get(f"{REPAIR}/").get_data(as_text=True)
    assert 'data-revision="1" data-status="active"' in page
    assert admin.get("/admin/definitions/TicketType/no_such_type/").status_code == 404


def test_the_editor_shows_the_active_yaml_and_the_kind_schema(admin: FlaskClient) -> None:
    text = editor_text(admin, f"{REPAIR}/edit")
    assert text.startswith("kind: TicketType\nkey: repair\n")
    page = admin.get(f"{REPAIR}/edit").get_data(as_text=True)
    assert "vendor/codemirror/codemirror.js" in page and "vendor/json-editor/jsoneditor.js" in page
    assert '"common.condition"' in page  # the form's schema is self-contained


# ---------------------------------------------------------------------------------- validate


def test_validate_shows_a_condition_typo_at_its_line(admin: FlaskClient, read: Any) -> None:
    text = editor_text(admin, f"{REPAIR}/edit")
    typo = text.replace("field: ticket.service_mode\n", "field: ticket.service_mod\n", 1)
    line = [t.strip() for t in typo.splitlines()].index("field: ticket.service_mod") + 1
    before = read(state)
    response = press(admin, f"{REPAIR}/edit", typo, "validate")
    assert response.status_code == 422
    rows = problem_rows(response.get_data(as_text=True))
    assert rows == [
        {
            "line": str(line),
            "path": "$.spec.fields[3].visible_if.field",
            "text": rows[0]["text"],
        }
    ]
    assert "unknown field 'ticket.service_mod'" in rows[0]["text"]
    assert "did you mean 'ticket.service_mode'?" in rows[0]["text"]
    assert read(state) == before


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("kind: TicketType\nkey: repair\nspec: {workflow: [\n", "parse.syntax", 4),
        ("kind: TicketType\nkey: repair\nspec:\n  workflow: repair_flow\n  colour: red\n",
         "schema.", 5),
        ("kind: TicketType\nkey: repair\nspec:\n  workflow: no_such_flow\n", "ref.", 4),
        ("kind: Workflow\nkey: repair\nspec: {}\n", "editor.wrong_kind", 1),
        ("kind: TicketType\nkey: other\nspec: {workflow: repair_flow}\n", "editor.key_changed", 2),
    ],
)  # fmt: skip
def test_bad_input_is_shown_at_its_line_and_changes_nothing(
    admin: FlaskClient, read: Any, text: str, code: str, line: int
) -> None:
    """Validate and publish refuse every error; save keeps unfinished work unless it does not
    parse as one definition of this page's kind and key."""
    before = read(state)
    actions = ["validate", "publish"]
    if code.startswith(("parse.", "editor.")):
        actions.append("save")
    for action in actions:
        response = press(admin, f"{REPAIR}/edit", text, action)
        assert response.status_code == 422, action
        page = response.get_data(as_text=True)
        assert f'data-line="{line}"' in page, page[page.find('id="problems"') :][:2000]
        assert f"<code>{code}" in page
    assert read(state) == before


# ------------------------------------------------------------------------------- save, diff


def test_save_creates_a_draft_and_diff_shows_it_against_the_active(
    admin: FlaskClient, read: Any
) -> None:
    text = with_new_field(editor_text(admin, f"{REPAIR}/edit"), REQUIRED_FIELD)
    response = press(admin, f"{REPAIR}/edit", text, "save")
    assert response.status_code == 302
    draft = read(
        lambda s: s.scalar(select(DefinitionRevision).where(DefinitionRevision.status == "draft"))
    )
    assert draft is not None and draft.revision == 2 and draft.author == "root"
    assert draft.pack_key == "after_sales"
    assert read(lambda s: active_revision(s, "TicketType", "repair").revision) == 1
    # The editor now opens the draft, and the list says a draft waits.
    assert "warranty_card" in editor_text(admin, f"{REPAIR}/edit")
    listing = admin.get("/admin/definitions/TicketType/").get_data(as_text=True)
    assert "Draft 2" in listing or "草稿 2" in listing

    page = press(admin, f"{REPAIR}/edit", text, "diff").get_data(as_text=True)
    added = re.findall(r'<span class="gd-diff-add">(.*?)</span>', page)
    assert [html.unescape(a) for a in added][:2] == [
        "+    - key: warranty_card",
        "+      type: text",
    ]
    assert not re.findall(r'<span class="gd-diff-remove">', page)


def test_a_saved_draft_links_to_its_dry_run(admin: FlaskClient, read: Any) -> None:
    assert 'id="dry-run-link"' not in admin.get(f"{REPAIR}/edit").get_data(as_text=True)
    assert 'id="dry-run-link"' not in admin.get(f"{REPAIR}/").get_data(as_text=True)
    text = with_new_field(editor_text(admin, f"{REPAIR}/edit"), REQUIRED_FIELD)
    press(admin, f"{REPAIR}/edit", text, "save")
    draft_id = read(
        lambda s: s.scalar(
            select(DefinitionRevision.id).where(DefinitionRevision.status == "draft")
        )
    )
    link = f'id="dry-run-link" href="/admin/dry-run/?revision={draft_id}"'
    assert link in admin.get(f"{REPAIR}/edit").get_data(as_text=True)
    assert link in admin.get(f"{REPAIR}/").get_data(as_text=True)
    report = admin.get(f"/admin/dry-run/?revision={draft_id}")
    assert report.status_code == 200 and 'id="dry-run-samples"' in report.get_data(as_text=True)


def test_only_a_breaking_publish_links_to_the_migration(admin: FlaskClient, read: Any) -> None:
    optional = REQUIRED_FIELD.replace("required: true", "required: false")
    text = with_new_field(editor_text(admin, f"{REPAIR}/edit"), optional)
    response = admin.post(
        f"{REPAIR}/edit", data={"yaml": text, "action": "publish"}, follow_redirects=True
    )
    assert 'id="migrate-link"' not in response.get_data(as_text=True)

    old_id = read(lambda s: active_revision(s, "TicketType", "repair").id)
    text = editor_text(admin, f"{REPAIR}/edit").replace("required: false", "required: true", 1)
    response = admin.post(
        f"{REPAIR}/edit", data={"yaml": text, "action": "publish"}, follow_redirects=True
    )
    new_id = read(lambda s: active_revision(s, "TicketType", "repair").id)
    assert new_id != old_id
    page = response.get_data(as_text=True)
    assert f'href="/admin/migrate/?old={old_id}&amp;new={new_id}" id="migrate-link"' in page
    assert 'data-open-tickets="0"' in page


# ---------------------------------------------------------------------- publish and rollback


def test_publish_is_seen_by_the_next_request_without_a_restart(
    admin: FlaskClient, app: Flask, make_user: Callable[..., Any], read: Any
) -> None:
    make_user("ann", "agent")
    agent = app.test_client()
    agent.post("/login", data={"username": "ann", "password": "correct horse"})
    assert "field-warranty_card" not in agent.get("/tickets/new?type=repair").get_data(True)

    text = with_new_field(editor_text(admin, f"{REPAIR}/edit"), REQUIRED_FIELD)
    response = press(admin, f"{REPAIR}/edit", text, "publish")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{REPAIR}/")

    assert "field-warranty_card" in agent.get("/tickets/new?type=repair").get_data(True)
    assert read(lambda s: active_revision(s, "TicketType", "repair").revision) == 2
    entries = read(lambda s: s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all())
    assert [(e.action, e.target_type, e.target_id, e.actor_name) for e in entries] == [
        ("save_draft", "TicketType", "repair", "root"),
        ("publish", "TicketType", "repair", "root"),
    ]
    assert entries[1].before is not None and entries[1].before["revision"] == 1
    assert entries[1].after is not None and entries[1].after["revision"] == 2


def test_rollback_reactivates_an_earlier_revision(
    admin: FlaskClient, app: Flask, make_user: Callable[..., Any], read: Any
) -> None:
    text = with_new_field(editor_text(admin, f"{REPAIR}/edit"), REQUIRED_FIELD)
    press(admin, f"{REPAIR}/edit", text, "publish")
    make_user("ann", "agent")
    agent = app.test_client()
    agent.post("/login", data={"username": "ann", "password": "correct horse"})
    assert "field-warranty_card" in agent.get("/tickets/new?type=repair").get_data(True)

    response = admin.post(f"{REPAIR}/rollback", data={"revision": "1"})
    assert response.status_code == 302
    assert read(lambda s: active_revision(s, "TicketType", "repair").revision) == 1
    assert "field-warranty_card" not in agent.get("/tickets/new?type=repair").get_data(True)
    last = read(lambda s: s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first())
    assert last is not None and last.action == "rollback"
    assert last.summary == "rolled back to TicketType/repair@1 (was revision 2)"
    assert admin.post(f"{REPAIR}/rollback", data={"revision": "9"}).status_code == 404


def test_a_publish_that_breaks_another_definition_is_refused(admin: FlaskClient, read: Any) -> None:
    text = editor_text(admin, f"{SERVICE_MODES}/edit").replace("value: on_site", "value: onsite")
    before = read(state)
    response = press(admin, f"{SERVICE_MODES}/edit", text, "publish")
    assert response.status_code == 422
    rows = problem_rows(response.get_data(as_text=True))
    broken = {row["text"].split(" $")[0].strip() for row in rows}
    assert "<db:TicketType/repair@1>" in broken and "<db:Workflow/repair_flow@1>" in broken
    assert all(row["line"] == "0" for row in rows)  # not lines of this text
    assert read(state) == before

    # A saved draft with the same break cannot be published either.
    assert press(admin, f"{SERVICE_MODES}/edit", text, "save").status_code == 302
    before = read(state)
    assert press(admin, f"{SERVICE_MODES}/edit", text, "publish").status_code == 422
    assert read(state) == before


def test_a_new_definition_is_drafted_then_published(admin: FlaskClient, read: Any) -> None:
    assert "kind: OptionList" in editor_text(admin, "/admin/definitions/OptionList/new")
    text = (
        "kind: OptionList\nkey: colours\ntitle: {zh: 颜色, en: Colours}\n"
        "spec:\n  options:\n    - {value: red, title: {zh: 红, en: Red}}\n"
    )
    response = press(admin, "/admin/definitions/OptionList/new", text, "save")
    assert response.headers["Location"].endswith("/admin/definitions/OptionList/colours/edit")
    taken = press(admin, "/admin/definitions/OptionList/new", text, "save")
    assert taken.status_code == 422 and "editor.key_taken" in taken.get_data(as_text=True)
    assert (
        press(admin, "/admin/definitions/OptionList/colours/edit", text, "publish").status_code
        == 302
    )
    assert read(lambda s: active_revision(s, "OptionList", "colours")) is not None


def test_switching_views_converts_yaml_and_documents_both_ways(admin: FlaskClient) -> None:
    url = "/admin/definitions/TicketType/convert"
    document = admin.post(url, json={"yaml": "kind: TicketType\nkey: a\nspec: {workflow: f}\n"})
    assert document.json == {
        "document": {"kind": "TicketType", "key": "a", "spec": {"workflow": "f"}}
    }
    back = admin.post(url, json={"document": document.json["document"]})  # type: ignore[index]
    assert back.json == {"yaml": "kind: TicketType\nkey: a\nspec:\n  workflow: f\n"}
    broken = admin.post(url, json={"yaml": "kind: [\n"})
    assert broken.status_code == 422 and broken.json["problems"][0]["line"] == 2  # type: ignore[index]


# ---------------------------------------------------------------------------------- security

NEW_URLS = [
    ("get", "/admin/definitions/TicketType/"),
    ("get", f"{REPAIR}/"),
    ("get", f"{REPAIR}/edit"),
    ("post", f"{REPAIR}/edit"),
    ("get", "/admin/definitions/TicketType/new"),
    ("post", "/admin/definitions/TicketType/new"),
    ("post", f"{REPAIR}/rollback"),
    ("post", "/admin/definitions/TicketType/convert"),
]


@pytest.mark.parametrize("role", ["manager", "agent", "customer"])
def test_non_admins_get_403_on_every_definition_url(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Any, role: str,
    read: Any,
) -> None:  # fmt: skip
    read(lambda s: install_pack(s, load_pack(PACK), author="tests"))
    make_user("someone", role)
    login("someone")
    before = read(state)
    for method, url in NEW_URLS:
        response = getattr(client, method)(url, data={"yaml": "x", "revision": "1"})
        assert response.status_code == 403, (method, url)
    assert read(state) == before


def test_forms_need_the_csrf_token(
    csrf_app: Flask, make_user: Callable[..., Any], read: Any
) -> None:
    read(lambda s: install_pack(s, load_pack(PACK), author="tests"))
    make_user("root", "admin")
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', login_page)
    assert token is not None
    client.post("/login", data={"username": "root", "password": "correct horse",
                                "csrf_token": token.group(1)})  # fmt: skip
    page = client.get(f"{REPAIR}/edit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    text = editor_text(client, f"{REPAIR}/edit")
    assert client.post(f"{REPAIR}/edit", data={"yaml": text, "action": "save"}).status_code == 400
    saved = client.post(
        f"{REPAIR}/edit", data={"yaml": text, "action": "save", "csrf_token": token.group(1)}
    )
    assert saved.status_code == 302
    convert = "/admin/definitions/TicketType/convert"
    assert client.post(convert, json={"yaml": text}).status_code == 400
    headers = {"X-CSRFToken": token.group(1)}
    assert client.post(convert, json={"yaml": text}, headers=headers).status_code == 200


# ---------------------------------------------------------------------- the TicketType helper


def _repair_document(admin: FlaskClient) -> dict[str, Any]:
    converted = admin.post(
        "/admin/definitions/TicketType/convert", json={"yaml": editor_text(admin, f"{REPAIR}/edit")}
    )
    document: dict[str, Any] = converted.json["document"]  # type: ignore[index]
    return document


def test_the_preview_draws_the_agent_form_of_the_edited_type(admin: FlaskClient, read: Any) -> None:
    page = admin.get(f"{REPAIR}/edit").get_data(as_text=True)
    assert 'data-view="fields"' in page and 'id="field-rows"' in page
    assert '<option value="select">' in page and '<option value="product_models">' in page
    document = _repair_document(admin)
    document["spec"]["fields"].insert(
        0, {"key": "warranty_card", "type": "text", "required": True, "title": {"zh": "保修卡号"}}
    )
    before = read(state)
    preview = admin.post("/admin/definitions/TicketType/preview", json={"document": document})
    assert preview.status_code == 200
    html_text = preview.get_data(as_text=True)
    assert 'id="field-warranty_card"' in html_text and "保修卡号" in html_text
    assert 'id="field-symptom"' in html_text
    assert read(state) == before  # a preview writes nothing

    document["spec"]["workflow"] = "no_such_flow"
    broken = admin.post("/admin/definitions/TicketType/preview", json={"document": document})
    assert 'id="preview-problems"' in broken.get_data(as_text=True)
    assert "no_such_flow" in broken.get_data(as_text=True)


def test_the_preview_is_for_admins_only(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Any
) -> None:
    make_user("ann", "agent")
    login("ann")
    assert client.post("/admin/definitions/TicketType/preview", json={}).status_code == 403
