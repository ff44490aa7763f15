"""The OpenAPI document describes every ``/api/v1`` endpoint and is a valid OpenAPI 3.1."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from tests.gongdan.api.world import ApiWorld


def test_every_api_rule_is_documented(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").json
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
        assert path in document["paths"], f"{rule.rule} is not in the OpenAPI document"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            operation = document["paths"][path][method.lower()]
            assert operation["summary"]
            assert "500" in operation["responses"]


def test_document_is_valid_openapi(app: Flask) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    document = app.test_client().get("/api/v1/openapi.json").json
    validator.validate(document)
    assert document["openapi"] == "3.1.0"
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_ticket_type_form_schema(world: ApiWorld) -> None:
    types = world.call("GET", "/api/v1/ticket-types", "agent").json
    assert "repair" in [t["key"] for t in types]
    repair = world.call("GET", "/api/v1/ticket-types/repair", "agent").json
    fields = {f["key"]: f for f in repair["fields"]}
    assert fields["visit_address"]["visible_if"] == {
        "field": "ticket.service_mode",
        "op": "eq",
        "value": "on_site",
    }
    assert fields["fault_code"]["required_in_states"] == [
        "dispatched",
        "in_workshop",
        "pending_review",
    ]
    assert {"value": "on_site", "title": {"zh": "上门维修", "en": "On-site visit"}} in fields[
        "service_mode"
    ]["options"]
    assert repair["revision"] == 1 and repair["active"] is True
    pinned = world.call("GET", "/api/v1/ticket-types/repair?revision=1", "agent").json
    assert pinned["revision_id"] == repair["revision_id"]
    missing = world.call("GET", "/api/v1/ticket-types/repair?revision=7", "agent")
    assert missing.status_code == 404
    assert world.call("GET", "/api/v1/ticket-types/nope", "agent").json["error"]["code"] == (
        "not_found"
    )


def test_customers_contacts_assets(world: ApiWorld) -> None:
    created = world.call(
        "POST", "/api/v1/customers", "agent", json={"code": "C-NEW", "name": "New Bar"}
    )
    assert created.status_code == 201, created.json
    customer_id = created.json["id"]
    contact = world.call(
        "POST",
        f"/api/v1/customers/{customer_id}/contacts",
        "agent",
        json={"name": "Nia", "phone": "138 0000 0009"},
    )
    assert contact.status_code == 201, contact.json
    asset = world.call(
        "POST",
        f"/api/v1/customers/{customer_id}/assets",
        "agent",
        json={"product_model": "gr_64", "serial_number": "SN-NEW-1", "warranty_end": "2099-01-01"},
    )
    assert asset.status_code == 201 and asset.json["in_warranty"] is True
    assert world.call("GET", f"/api/v1/assets/{asset.json['id']}", "agent").status_code == 200
    acme = world.customers["acme"]
    assert world.call("GET", f"/api/v1/customers/{acme}", "acme_user").status_code == 200
    assert world.call("GET", f"/api/v1/customers/{acme}", "other_user").status_code == 404
    listed = world.call("GET", "/api/v1/customers", "other_user").json
    assert [c["code"] for c in listed["items"]] == ["C-OTHER"]
    refused = world.call("PATCH", f"/api/v1/customers/{acme}", "acme_user", json={"name": "X"})
    assert refused.status_code == 403
    duplicate = world.call(
        "POST", "/api/v1/customers", "agent", json={"code": "C-NEW", "name": "Again"}
    )
    assert duplicate.status_code == 422 and duplicate.json["error"]["fields"]
