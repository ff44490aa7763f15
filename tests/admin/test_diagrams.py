"""The workflow diagram page and the editor's live diagram of unsaved YAML."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gongdan.db import db
from gongdan.definitions.models import DefinitionRevision

FLOW_YAML = """\
kind: Workflow
key: tiny_flow
spec:
  initial: open_state
  states:
    - {key: open_state, category: open, owner: customer_service}
    - {key: done, category: closed, final: true}
  transitions:
    - {key: finish, from: open_state, to: done, roles: [agent]}
"""


def test_the_active_workflows_are_drawn_one_at_a_time(admin: FlaskClient) -> None:
    page = admin.get("/admin/workflow-diagram/").get_data(as_text=True)
    assert 'id="workflow-picker"' in page and "flowchart LR" in page
    repair = admin.get("/admin/workflow-diagram/?key=repair_flow").get_data(as_text=True)
    assert '<option value="repair_flow" selected>' in repair
    assert "classDef paused" in repair and "subgraph" in repair
    assert "vendor/mermaid/mermaid.min.js" in repair
    assert admin.get("/admin/workflow-diagram/?key=nope").status_code == 404


def test_any_revision_can_be_drawn(admin: FlaskClient, app: Flask) -> None:
    with app.app_context():
        revision = db.session.scalar(
            select(DefinitionRevision).where(
                DefinitionRevision.kind == "Workflow", DefinitionRevision.key == "repair_flow"
            )
        )
        assert revision is not None
        db.session.expunge(revision)
    page = admin.get(f"/admin/workflow-diagram/?revision={revision.id}").get_data(as_text=True)
    assert "repair_flow @" in page and "flowchart LR" in page
    assert admin.get("/admin/workflow-diagram/?revision=999999").status_code == 404
    assert admin.get("/admin/workflow-diagram/?revision=x").status_code == 404


def test_unsaved_yaml_is_drawn_or_refused_with_the_reason(admin: FlaskClient) -> None:
    drawn = admin.post("/admin/workflow-diagram/source", json={"yaml": FLOW_YAML})
    assert drawn.status_code == 200
    assert 's_open_state -->|"finish · ' in drawn.json["source"]
    broken = admin.post("/admin/workflow-diagram/source", json={"yaml": "kind: [unclosed"})
    assert broken.status_code == 422 and "<editor>.yaml:1" in broken.json["error"]
    other = admin.post(
        "/admin/workflow-diagram/source", json={"yaml": "kind: Department\nkey: lab\nspec: {}\n"}
    )
    assert other.status_code == 422 and "not a Workflow" in other.json["error"]
    assert admin.post("/admin/workflow-diagram/source", json={}).status_code == 422


def test_the_workflow_editor_has_a_diagram_tab(admin: FlaskClient) -> None:
    page = admin.get("/admin/definitions/Workflow/repair_flow/edit").get_data(as_text=True)
    assert 'data-view="workflow-diagram"' in page
    assert 'data-source-url="/admin/workflow-diagram/source"' in page


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_others_get_403(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any], role: str
) -> None:
    make_user("someone", role)
    login("someone")
    assert client.get("/admin/workflow-diagram/").status_code == 403
    assert (
        client.post("/admin/workflow-diagram/source", json={"yaml": FLOW_YAML}).status_code == 403
    )
