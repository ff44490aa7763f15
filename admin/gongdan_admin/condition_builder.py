"""The Conditions tab of the definition editor: a rule builder for people who read no YAML.

``POST /admin/condition-builder/vocabulary`` takes the editor's text (``{"kind", "yaml"}``) and
answers what its conditions may say (variables by scope, with operators and options), the
shape of each operator's value, and every condition of the document with the empty places
where one may be added. ``POST /admin/condition-builder/apply`` takes the text, a place (its
JSON path as a list) and a condition, and answers the text with the condition written there;
the editor's own Validate/Save then work as usual. Bad input is a JSON 422 with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import jsonify, request
from flask_admin import Admin, expose
from flask_babel import gettext, lazy_gettext
from werkzeug.wrappers import Response

from gongdan.db import db
from gongdan.definitions.documents import Definition
from gongdan.definitions.loader import load_text
from gongdan.definitions.registry import active_definitions
from gongdan.i18n import local_text
from gongdan_admin.condition_places import (
    ConditionEditError,
    check_shape,
    condition_places,
    write_condition,
)
from gongdan_admin.condition_vocabulary import (
    CONDITION_KINDS,
    VariableChoice,
    operator_table,
    vocabulary_for,
)
from gongdan_admin.definitions.panels import Panel, add_panel
from gongdan_admin.definitions.views import app_extensions
from gongdan_admin.security import SecuredView

#: Where the endpoints live (the panel reads the URLs from ``url_for``).
URL = "/admin/condition-builder"

#: Names of the core variables, for people who do not read ``ticket.state_category``.
VARIABLE_LABELS: dict[str, Any] = {
    "ticket.number": lazy_gettext("Ticket number"),
    "ticket.type": lazy_gettext("Ticket type"),
    "ticket.state": lazy_gettext("State"),
    "ticket.state_category": lazy_gettext("State category"),
    "ticket.priority": lazy_gettext("Priority"),
    "ticket.channel": lazy_gettext("Channel"),
    "ticket.department": lazy_gettext("Department"),
    "ticket.assignee": lazy_gettext("Assignee"),
    "ticket.created_at": lazy_gettext("Created at"),
    "ticket.updated_at": lazy_gettext("Updated at"),
    "ticket.resolved_at": lazy_gettext("Resolved at"),
    "ticket.reopen_count": lazy_gettext("Times reopened"),
    "ticket.charge_class": lazy_gettext("Charge class"),
    "customer.tier": lazy_gettext("Customer tier"),
    "customer.name": lazy_gettext("Customer name"),
    "customer.region": lazy_gettext("Customer region"),
    "asset.in_warranty": lazy_gettext("In warranty"),
    "asset.warranty_end": lazy_gettext("Warranty ends"),
    "asset.install_date": lazy_gettext("Installed on"),
    "asset.product_model": lazy_gettext("Asset product model"),
    "contract.active": lazy_gettext("Contract active"),
    "contract.level": lazy_gettext("Contract level"),
    "now": lazy_gettext("Now"),
}


def variable_json(choice: VariableChoice) -> dict[str, Any]:
    """A variable as the builder shows it: its label and option labels in the reader's language."""
    data = choice.as_dict()
    label = VARIABLE_LABELS.get(choice.name)
    data["label"] = str(label) if label is not None else local_text(choice.title, "")
    data["option_labels"] = {
        value: local_text(title, value) for value, title in (choice.option_titles or {}).items()
    }
    return data


def _unprocessable(message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = 422
    return response


def _read_body() -> tuple[dict[str, Any], Definition] | Response:
    """The posted JSON and the one definition of its ``yaml``, or a 422 saying what is wrong."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _unprocessable(gettext("Send a JSON object."))
    text, kind = body.get("yaml"), body.get("kind")
    if not isinstance(text, str) or not isinstance(kind, str):
        return _unprocessable(gettext("Send the definition as 'yaml' and its kind as 'kind'."))
    if kind not in CONDITION_KINDS:
        return _unprocessable(gettext("%(kind)s definitions hold no conditions.", kind=kind))
    definitions, problems = load_text(text, "editor.yaml")
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        return _unprocessable(errors[0].format())
    if len(definitions) != 1:
        return _unprocessable(gettext("Send exactly one definition."))
    definition = definitions[0]
    if definition.kind != kind:
        return _unprocessable(
            gettext("This editor holds %(kind)s definitions, not %(other)s.", kind=kind,
                    other=definition.kind)
        )  # fmt: skip
    return body, definition


class ConditionBuilderView(SecuredView):
    """The JSON endpoints behind the editor's Conditions tab (no page of its own)."""

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self) -> Response:
        """Every operator and the shape of its value."""
        return jsonify(operators=operator_table())

    @expose("/vocabulary", methods=("POST",))
    def vocabulary(self) -> Response:
        """Variables by scope, operators and the document's condition places."""
        read = _read_body()
        if isinstance(read, Response):
            return read
        _, definition = read
        vocabulary = vocabulary_for(definition, active_definitions(db.session), app_extensions())
        return jsonify(
            scopes={
                name: [variable_json(choice) for choice in found]
                for name, found in vocabulary.scopes.items()
            },
            operators=operator_table(),
            places=[p.as_dict() for p in condition_places(definition.kind, definition.document)],
        )

    @expose("/apply", methods=("POST",))
    def apply(self) -> Response:
        """The posted text with ``condition`` at ``path`` (``null`` removes it)."""
        read = _read_body()
        if isinstance(read, Response):
            return read
        body, definition = read
        path = body.get("path")
        places = condition_places(definition.kind, definition.document)
        if not isinstance(path, list) or tuple(path) not in {p.path for p in places}:
            return _unprocessable(gettext("No condition can go at %(path)s.", path=repr(path)))
        condition = body.get("condition")
        if condition is not None:
            if not isinstance(condition, Mapping):
                return _unprocessable(gettext("A condition is a JSON object."))
            reason = check_shape(condition)
            if reason is not None:
                return _unprocessable(gettext("Not a condition: %(reason)s", reason=reason))
        try:
            text = write_condition(body["yaml"], tuple(path), condition)
        except ConditionEditError as error:
            return _unprocessable(error.message)
        return jsonify(yaml=text)


def register(admin: Admin) -> None:
    """Add the endpoints and the Conditions tab of every kind whose documents hold conditions."""
    admin.add_view(
        ConditionBuilderView(name=lazy_gettext("Conditions"), endpoint="condition_builder", url=URL)
    )
    for kind in CONDITION_KINDS:
        add_panel(
            kind,
            Panel("conditions", lazy_gettext("Conditions"), "admin/gongdan/panels/conditions.html"),
        )
