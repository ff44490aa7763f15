"""Workflow diagrams: the state machine drawn from its definition, for people who read no YAML.

``/admin/workflow-diagram/`` draws the active workflows (``?key=``) or any revision, draft or
retired (``?revision=``); ``POST /admin/workflow-diagram/source`` draws YAML not saved yet, which
is how the Workflow editor's "Diagram" tab follows the text being edited. The drawing itself is
:func:`gongdan.workflow.diagram.workflow_diagram` (IO-free); Mermaid renders it in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import abort, jsonify, request
from flask_admin import Admin, expose
from flask_babel import gettext, lazy_gettext
from werkzeug.wrappers import Response

from gongdan.db import db
from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.compiled import CompiledSet, CompiledState, CompiledWorkflow
from gongdan.definitions.documents import Definition
from gongdan.definitions.loader import load_text
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.registry import compiled_active_set, definition_from_revision
from gongdan.errors import DefinitionError
from gongdan.i18n import local_text, role_title
from gongdan.workflow.diagram import DiagramLabels, workflow_diagram
from gongdan_admin.definitions.panels import Panel, add_panel
from gongdan_admin.security import SecuredView

#: The page's address (the editor panel posts to ``<URL>/source``).
URL = "/admin/workflow-diagram"


def diagram_labels(active: CompiledSet) -> DiagramLabels:
    """Titles in the reader's language, departments and roles from the active set."""

    def department(key: str) -> str:
        found = active.departments.get(key)
        return local_text(found.title if found else None, key)

    def state(compiled: CompiledState) -> str:
        return local_text(compiled.title, compiled.key)

    def transition(key: str, title: Mapping[str, str]) -> str:
        return local_text(title, key)

    return DiagramLabels(
        state=state,
        department=department,
        transition=transition,
        role=role_title,
        unowned=gettext("No department"),
        start=gettext("Start"),
    )


def compile_workflow(definition: Definition) -> CompiledWorkflow:
    """The workflow of ``definition`` compiled alone (its references are the validator's job).

    :raises DefinitionError: the definition is not a workflow or cannot be compiled.
    """
    if definition.kind != "Workflow":
        raise DefinitionError(f"{definition.kind}/{definition.key} is not a Workflow")
    try:
        compiled = compile_definitions([definition], validate=False)
        return compiled.workflows[definition.key]
    except DefinitionError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise DefinitionError(f"the workflow cannot be drawn yet: {error}") from None


class WorkflowDiagramView(SecuredView):
    """Every workflow's diagram, one at a time, with a picker."""

    @expose("/")
    def index(self) -> str:
        active = compiled_active_set(db.session)
        workflow: CompiledWorkflow | None
        revision_id = request.args.get("revision", "")
        if revision_id:
            if not revision_id.isdigit():
                abort(404)
            revision = db.session.get(DefinitionRevision, int(revision_id))
            if revision is None or revision.kind != "Workflow":
                abort(404)
            workflow = compile_workflow(definition_from_revision(revision))
            title = f"{revision.key} @{revision.revision} ({revision.status})"
        else:
            keys = sorted(active.workflows)
            key = request.args.get("key") or (keys[0] if keys else "")
            workflow = active.workflows.get(key)
            if key and workflow is None:
                abort(404)
            title = key
        source = workflow_diagram(workflow, diagram_labels(active)) if workflow else ""
        return self.render(
            "admin/gongdan/workflow_diagram.html",
            workflows=[
                (key, local_text(w.title, key)) for key, w in sorted(active.workflows.items())
            ],
            chosen=workflow.key if workflow else "",
            title=title,
            source=source,
        )

    @expose("/source", methods=["POST"])
    def source(self) -> Response:
        """The diagram of YAML sent as ``{"yaml": ...}``; 422 with the reason when it fails."""
        body = request.get_json(silent=True) or {}
        text = body.get("yaml")
        if not isinstance(text, str):
            return _unprocessable(gettext("Send the workflow's YAML as 'yaml'."))
        definitions, problems = load_text(text, "<editor>.yaml")
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            return _unprocessable(errors[0].format())
        if len(definitions) != 1:
            return _unprocessable(gettext("Send exactly one Workflow definition."))
        try:
            workflow = compile_workflow(definitions[0])
        except DefinitionError as error:
            return _unprocessable(error.message)
        return jsonify(source=workflow_diagram(workflow, diagram_labels(_active())))


def _active() -> CompiledSet:
    return compiled_active_set(db.session)


def _unprocessable(message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = 422
    return response


def register(admin: Admin) -> None:
    """Add the diagram page and the Workflow editor's "Diagram" tab."""
    admin.add_view(
        WorkflowDiagramView(
            name=lazy_gettext("Workflow diagrams"),
            category=lazy_gettext("Definitions"),
            endpoint="workflow_diagram",
            url=URL,
        )
    )
    add_panel(
        "Workflow",
        Panel(
            "workflow-diagram",
            lazy_gettext("Diagram"),
            "admin/gongdan/panels/workflow_diagram.html",
        ),
    )
