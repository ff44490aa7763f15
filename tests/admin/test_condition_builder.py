"""The Conditions tab's endpoints: vocabulary and apply, refused input, 403s, CSRF."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gongdan.definitions.loader import load_text

REPAIR = "/admin/definitions/TicketType/repair"
VOCABULARY = "/admin/condition-builder/vocabulary"
APPLY = "/admin/condition-builder/apply"
ON_SITE = {"field": "ticket.service_mode", "op": "eq", "value": "on_site"}


def editor_text(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'<textarea name="yaml"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, page
    return html.unescape(found.group(1))


def document(text: str) -> dict[str, Any]:
    definitions, problems = load_text(text, "x.yaml")
    assert not problems
    return definitions[0].document


def test_the_editor_has_a_conditions_tab(admin: FlaskClient) -> None:
    page = admin.get(f"{REPAIR}/edit").get_data(as_text=True)
    assert 'data-view="conditions"' in page
    assert f'data-vocabulary-url="{VOCABULARY}"' in page and "condition_builder.js" in page
    calendar = admin.get("/admin/definitions/Calendar/cn_workdays/edit").get_data(as_text=True)
    assert 'data-view="conditions"' not in calendar


def test_the_vocabulary_of_the_text_being_edited(admin: FlaskClient) -> None:
    text = editor_text(admin, f"{REPAIR}/edit")
    answer = admin.post(VOCABULARY, json={"kind": "TicketType", "yaml": text})
    assert answer.status_code == 200
    body = answer.json
    assert set(body) == {"scopes", "operators", "places"}
    variables = {v["name"]: v for v in body["scopes"]["ticket"]}
    mode = variables["ticket.service_mode"]
    assert mode["options"] == ["on_site", "depot", "remote"] and mode["kind"] == "choice"
    assert mode["label"] == "服务方式" and mode["option_labels"]["on_site"] == "上门维修"
    assert "eq" in mode["operators"] and "lt" not in mode["operators"]
    assert variables["ticket.priority"]["label"] == "优先级"
    assert variables["customer.tier"]["group"] == "customer"
    ops = {row["op"]: row for row in body["operators"]}
    assert ops["in"]["value"] == "list" and ops["is_set"]["value"] == "none"
    place = next(p for p in body["places"] if p["path"] == "$.spec.fields[3].visible_if")
    assert place["condition"] == ON_SITE and place["present"] and place["owner"] == "visit_address"
    assert place["parts"] == ["spec", "fields", 3, "visible_if"]


def test_a_field_added_in_the_text_is_in_the_vocabulary(admin: FlaskClient) -> None:
    text = editor_text(admin, f"{REPAIR}/edit").replace(
        "  fields:\n", "  fields:\n    - {key: floor, type: int, title: {zh: 楼层}}\n", 1
    )
    body = admin.post(VOCABULARY, json={"kind": "TicketType", "yaml": text}).json
    floor = next(v for v in body["scopes"]["ticket"] if v["name"] == "ticket.floor")
    assert floor["kind"] == "number" and "between" in floor["operators"]


def test_apply_writes_the_condition_and_the_text_validates(admin: FlaskClient) -> None:
    text = editor_text(admin, f"{REPAIR}/edit")
    places = admin.post(VOCABULARY, json={"kind": "TicketType", "yaml": text}).json["places"]
    slot = next(
        p for p in places if p["owner"] == "check_in_location" and p["member"] == "visible_if"
    )
    assert not slot["present"]
    answer = admin.post(
        APPLY,
        json={"kind": "TicketType", "yaml": text, "path": slot["parts"], "condition": ON_SITE},
    )
    assert answer.status_code == 200
    written = answer.json["yaml"]
    before, after = document(text), document(written)
    index = slot["parts"][2]
    assert after["spec"]["fields"][index].pop("visible_if") == ON_SITE
    assert after == before  # nothing else changed
    validated = admin.post(f"{REPAIR}/edit", data={"yaml": written, "action": "validate"})
    page = validated.get_data(as_text=True)
    assert validated.status_code == 200 and 'id="valid"' in page


def test_an_unknown_field_is_shown_and_validate_names_it(admin: FlaskClient) -> None:
    text = editor_text(admin, f"{REPAIR}/edit").replace(
        "field: ticket.service_mode", "field: ticket.service_mood", 1
    )
    body = admin.post(VOCABULARY, json={"kind": "TicketType", "yaml": text}).json
    place = next(p for p in body["places"] if p["path"] == "$.spec.fields[3].visible_if")
    assert place["condition"]["field"] == "ticket.service_mood"
    assert place["unrepresentable"] is None  # the builder shows it, marked unknown


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"kind": "TicketType", "yaml": "kind: [unclosed"}, "editor.yaml:1"),
        ({"kind": "Calendar", "yaml": "kind: Calendar\nkey: c\nspec: {}\n"}, "Calendar"),
        ({"kind": "Workflow", "yaml": "kind: Role\nkey: r\nspec: {}\n"}, "Role"),
        ({"yaml": "x"}, "'kind'"),
    ],
)
def test_bad_input_is_a_422_with_the_reason(
    admin: FlaskClient, payload: dict[str, Any], reason: str
) -> None:
    for url in (VOCABULARY, APPLY):
        answer = admin.post(url, json=payload)
        assert answer.status_code == 422 and reason in answer.json["error"], answer.json
    assert admin.post(VOCABULARY, data="not json").status_code == 422


def test_apply_refuses_a_bad_place_or_condition(admin: FlaskClient) -> None:
    text = editor_text(admin, f"{REPAIR}/edit")
    base = {"kind": "TicketType", "yaml": text}
    for extra in (
        {"path": ["spec", "workflow"], "condition": ON_SITE},
        {"path": "spec.fields", "condition": ON_SITE},
        {"path": ["spec", "fields", 3, "visible_if"], "condition": {"all": []}},
        {"path": ["spec", "fields", 3, "visible_if"], "condition": {"field": "x", "op": "is"}},
        {"path": ["spec", "fields", 3, "visible_if"], "condition": "ticket.x == 1"},
    ):
        answer = admin.post(APPLY, json={**base, **extra})
        assert answer.status_code == 422 and answer.json["error"], extra


def test_a_routing_rule_gets_a_when(admin: FlaskClient) -> None:
    text = "kind: RoutingRule\nkey: vip\nspec:\n  order: 5\n  assign: {department: field_service}\n"
    answer = admin.post(
        APPLY,
        json={"kind": "RoutingRule", "yaml": text, "path": ["spec", "when"],
              "condition": {"all": [ON_SITE, {"not": ON_SITE}]}},
    )  # fmt: skip
    assert answer.status_code == 200
    assert document(answer.json["yaml"])["spec"]["when"] == {"all": [ON_SITE, {"not": ON_SITE}]}
    assert answer.json["yaml"].startswith("kind: RoutingRule\nkey: vip\nspec:\n  order: 5\n")


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_others_get_403(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any], role: str
) -> None:
    make_user("someone", role)
    login("someone")
    payload = {"kind": "RoutingRule", "yaml": "kind: RoutingRule\nkey: r\nspec: {}\n"}
    assert client.post(VOCABULARY, json=payload).status_code == 403
    assert client.post(APPLY, json={**payload, "path": ["spec", "when"]}).status_code == 403


def test_posts_need_the_csrf_token(csrf_app: Flask, make_user: Callable[..., Any]) -> None:
    make_user("root", "admin")
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', login_page)
    assert token is not None
    client.post("/login", data={"username": "root", "password": "correct horse",
                                "csrf_token": token.group(1)})  # fmt: skip
    page = client.get("/admin/definitions/RoutingRule/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    payload = {"kind": "RoutingRule", "yaml": "kind: RoutingRule\nkey: r\nspec: {}\n"}
    assert client.post(VOCABULARY, json=payload).status_code == 400
    headers = {"X-CSRFToken": token.group(1)}
    assert client.post(VOCABULARY, json=payload, headers=headers).status_code == 200
