"""The REST API ``/api/v1``: JSON only, bearer tokens, described by ``/api/v1/openapi.json``.

The blueprints of each domain (tickets, customers, inbound channels) are nested in
:data:`api_v1`, which authenticates every request and turns every error into the JSON error
body. Register it with :func:`init_app`.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from gongdan.api.auth import authenticate_request, public
from gongdan.api.errors import register_app_handlers, register_blueprint_handlers
from gongdan.api.openapi import Operation, build_document, json_response, operation
from gongdan.api.schemas import MAX_ID
from gongdan.api.ticket_types import bp as types_bp
from gongdan.channels.api import bp as channels_bp
from gongdan.customers.api import bp as customers_bp
from gongdan.knowledge.api import bp as knowledge_bp
from gongdan.reports.api import bp as reports_bp
from gongdan.tickets.api import bp as tickets_bp

API_PREFIX = "/api/v1"

api_v1 = Blueprint("api_v1", __name__, url_prefix=API_PREFIX)
CHILDREN = (tickets_bp, types_bp, customers_bp, channels_bp, reports_bp, knowledge_bp)
for _child in CHILDREN:
    api_v1.register_blueprint(_child)
register_blueprint_handlers(api_v1)


@api_v1.before_request
def _authenticate() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    authenticate_request(view)


@api_v1.get("/openapi.json")
@public
@operation(
    Operation(
        summary="This document: the OpenAPI 3.1 description of the API",
        tag="meta",
        responses={200: json_response("the OpenAPI document", {"type": "object"})},
        errors=(),
        secured=False,
    )
)
def openapi_document() -> Response:
    """The OpenAPI document of every ``/api/v1`` endpoint."""
    return jsonify(build_document(current_app, API_PREFIX))


class IdConverter(IntegerConverter):
    """``<id:ticket_id>``: a row id, 1 to :data:`MAX_ID` (a larger one is a 404, not a crash)."""

    def __init__(self, map: object, *args: object, **kwargs: object) -> None:
        super().__init__(map, min=1, max=MAX_ID)  # type: ignore[arg-type]


def init_app(app: Flask) -> None:
    """Register the API on ``app``: exempt from CSRF (callers send tokens, not cookies)."""
    app.url_map.converters["id"] = IdConverter
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(api_v1)
        for child in CHILDREN:
            csrf.exempt(child)
    app.register_blueprint(api_v1)
    register_app_handlers(app)
