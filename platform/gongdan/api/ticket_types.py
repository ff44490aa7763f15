"""``/ticket-types``: the form schema of each ticket type, so other systems can render it.

The schema is read from the TicketType revision itself (the active one, or ``?revision=``),
with option titles from the active OptionLists: conditions stay the data trees the definition
holds, never compiled code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from gongdan.accounts.policy import is_customer
from gongdan.api.auth import api_user
from gongdan.api.errors import ApiError
from gongdan.api.openapi import Operation, Param, json_response, operation
from gongdan.api.schemas import ref
from gongdan.db import db
from gongdan.definitions.frozen import thaw
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.registry import active_revision, compiled_active_set, revision_history
from gongdan.errors import NotFound

bp = Blueprint("ticket_types_api", __name__)

TAG = "ticket types"

#: Field spec members that are constraints of the value (shown under ``constraints``).
_CONSTRAINTS = ("min", "max", "max_length", "min_length", "accept", "max_files", "max_size_mb")


def _options(option_list: str | None) -> list[dict[str, Any]] | None:
    if option_list is None:
        return None
    compiled = compiled_active_set(db.session).option_lists.get(option_list)
    if compiled is None:
        return []
    return [{"value": str(o["value"]), "title": thaw(o.get("title", {}))} for o in compiled.options]


def form_field(spec: Mapping[str, Any]) -> dict[str, Any]:
    """One field of a form schema, from its definition spec."""
    return {
        "key": spec["key"],
        "type": spec["type"],
        "title": dict(spec.get("title", {})),
        "help": dict(spec.get("help", {})),
        "required": bool(spec.get("required", False)),
        "required_in_states": list(spec.get("required_in_states", [])),
        "visible_if": spec.get("visible_if"),
        "required_if": spec.get("required_if"),
        "options": _options(spec.get("options")),
        "default": spec.get("default"),
        "section": spec.get("section"),
        "customer_visible": bool(spec.get("customer_visible", True)),
        "customer_editable": bool(spec.get("customer_editable", False)),
        "constraints": {name: spec[name] for name in _CONSTRAINTS if name in spec},
        "columns": [form_field(column) for column in spec.get("columns", [])],
    }


def form_schema(revision: DefinitionRevision) -> dict[str, Any]:
    """The whole form of a TicketType revision."""
    document = revision.document
    spec = document.get("spec", {})
    return {
        "key": revision.key,
        "title": dict(document.get("title", {})),
        "revision": revision.revision,
        "revision_id": revision.id,
        "active": revision.status == "active",
        "workflow": spec.get("workflow"),
        "layout": list(spec.get("layout", [])),
        "defaults": dict(spec.get("defaults", {})),
        "fields": [form_field(field) for field in spec.get("fields", [])],
    }


@bp.get("/ticket-types")
@operation(
    Operation(
        "Active ticket types and their forms",
        TAG,
        {200: json_response("ticket types", {"type": "array", "items": ref("TicketType")})},
        errors=(401,),
    )
)
def list_ticket_types() -> Response:
    api_user()
    keys = sorted(compiled_active_set(db.session).ticket_types)
    revisions = [active_revision(db.session, "TicketType", key) for key in keys]
    return jsonify([form_schema(r) for r in revisions if r is not None])


@bp.get("/ticket-types/<key>")
@operation(
    Operation(
        "The form schema of a ticket type (active, or a pinned revision)",
        TAG,
        {200: json_response("the form schema", ref("TicketType"))},
        params=(Param("revision", {"type": "integer", "minimum": 1}, "a revision number"),),
        errors=(400, 401, 404),
    )
)
def get_ticket_type(key: str) -> Response:
    user = api_user()
    raw = request.args.get("revision")
    if raw:
        if not raw.isdigit():
            raise ApiError(
                400, "bad_request", "revision must be a number", {"revision": f"{raw!r}"}
            )
        number = int(raw)
        revision = next(
            (r for r in revision_history(db.session, "TicketType", key) if r.revision == number),
            None,
        )
        # Drafts are staff business: a customer learns of a type once it is published.
        if revision is None or (revision.status == "draft" and is_customer(user)):
            raise NotFound(f"ticket type {key!r} has no revision {number}")
    else:
        revision = active_revision(db.session, "TicketType", key)
        if revision is None:
            raise NotFound(f"no active ticket type {key!r}")
    return jsonify(form_schema(revision))
