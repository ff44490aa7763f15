"""JSON errors of the REST API: always ``{"error": {"code", "message", "fields"}}``.

Registered on the API blueprint (and, for routing errors that happen before a blueprint is
known, on the app for paths under the API prefix), so nothing under ``/api/`` ever answers
with an HTML page or a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from gongdan.db import RETRY_AFTER_SECONDS, is_database_unavailable
from gongdan.errors import DatabaseUnavailable, GongdanError

#: Paths whose routing errors (404, 405) this module answers; the app answers the rest.
API_PREFIX = "/api/v1/"

#: Codes of the HTTP errors Werkzeug raises, by status.
HTTP_CODES: Mapping[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "database_unavailable",
}

#: The message of a 503 when the database dropped the connection or could not be reached.
DATABASE_UNAVAILABLE = (
    "the connection to the database was lost, so nothing was saved; try again in a moment"
)


class ApiError(GongdanError):
    """An API-level error (bad parameters, missing token) with a chosen status and code."""

    def __init__(
        self, status: int, code: str, message: str, fields: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.fields: dict[str, str] = dict(fields or {})


def error_response(
    status: int, code: str, message: str, fields: Mapping[str, Any] | None = None
) -> Response:
    """The JSON error body with ``status``; a 401 also carries ``WWW-Authenticate: Bearer``."""
    response = jsonify(error={"code": code, "message": message, "fields": dict(fields or {})})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="gongdan"'
    return response


def _gongdan_error(error: GongdanError) -> Response:
    return error_response(error.status, error.code, error.message, getattr(error, "fields", None))


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = error_response(status, HTTP_CODES.get(status, str(status)), error.description or "")
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods or ()))
    return response


def _unexpected(error: Exception) -> Response:
    current_app.logger.exception("unexpected error in %s %s", request.method, request.path)
    return error_response(
        500, "internal_error", "The error has been logged. Please try again later."
    )


def _database_error(error: DBAPIError) -> Response:
    """A lost or unreachable database is a 503 the client may retry; anything else a 500."""
    if not is_database_unavailable(error):
        return _unexpected(error)
    current_app.logger.error(
        "database unavailable in %s %s", request.method, request.path, exc_info=True
    )
    response = error_response(
        DatabaseUnavailable.status, DatabaseUnavailable.code, DATABASE_UNAVAILABLE
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register_blueprint_handlers(blueprint: Blueprint) -> None:
    """JSON handlers for every error raised inside ``blueprint`` (and blueprints nested in it)."""
    blueprint.register_error_handler(GongdanError, _gongdan_error)
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(DBAPIError, _database_error)
    blueprint.register_error_handler(Exception, _unexpected)


def register_app_handlers(app: Flask) -> None:
    """JSON for unmatched paths under the API; every other path keeps its HTML error page."""
    # 404 and 405 are decided by the router before any blueprint is known: wrap the app's own
    # handler so API paths get JSON and every other path keeps the HTML error page.
    app_handlers = app.error_handler_spec[None][None]
    page_handler: Callable[[HTTPException], Any] | None = app_handlers.get(HTTPException)

    def api_or_page(error: HTTPException) -> Any:
        if request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/"):
            return _http_error(error)
        return page_handler(error) if page_handler is not None else error

    app.register_error_handler(HTTPException, api_or_page)
