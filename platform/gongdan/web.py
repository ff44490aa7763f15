"""Registers the blueprints, extensions and error pages of the web application."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from gongdan import customers, fieldwork, i18n, knowledge, portal, reports
from gongdan.accounts import views as accounts_views
from gongdan.db import RETRY_AFTER_SECONDS, db, is_database_unavailable
from gongdan.definitions.models import DefinitionRevision
from gongdan.errors import DatabaseUnavailable, GongdanError
from gongdan.tickets.models import Ticket
from gongdan.tickets.visibility import visible_tickets

csrf = CSRFProtect()

#: Tickets on the home page.
HOME_TICKET_LIMIT = 20

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index() -> str | Response:
    """Greet the user and list the latest tickets they may see; customers go to the portal."""
    if current_user.role == "customer":
        return redirect(url_for("portal.my_requests"))
    tickets = db.session.scalars(
        visible_tickets(current_user)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(HOME_TICKET_LIMIT)
    ).all()
    revision_ids = {t.ticket_type_revision_id for t in tickets} | {
        t.workflow_revision_id for t in tickets
    }
    revisions = {
        revision.id: revision
        for revision in db.session.scalars(
            select(DefinitionRevision).where(DefinitionRevision.id.in_(revision_ids))
        )
    }
    rows = [_ticket_row(ticket, revisions) for ticket in tickets]
    return render_template("home.html", rows=rows)


def _ticket_row(ticket: Ticket, revisions: dict[int, DefinitionRevision]) -> dict[str, Any]:
    """What the home table shows of one ticket, titles taken from its pinned revisions."""
    type_revision = revisions.get(ticket.ticket_type_revision_id)
    type_title = i18n.local_text(
        (type_revision.document.get("title") if type_revision else None), ticket.type_key
    )
    state_title = ticket.state
    workflow = revisions.get(ticket.workflow_revision_id)
    if workflow is not None:
        for state in workflow.document.get("spec", {}).get("states", []):
            if state.get("key") == ticket.state:
                state_title = i18n.local_text(state.get("title"), ticket.state)
    return {
        "number": ticket.number,
        "type_title": type_title,
        "subject": ticket.subject,
        "state": ticket.state,
        "state_title": state_title,
        "state_category": ticket.state_category,
        "priority": ticket.priority,
        "customer": ticket.customer.name if ticket.customer else "",
        "created_at": ticket.created_at,
    }


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and "text/html" not in request.accept_mimetypes


ERROR_TITLES: dict[int, Any] = {
    400: lazy_gettext("Bad request"),
    401: lazy_gettext("Not logged in"),
    403: lazy_gettext("Access denied"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("Method not allowed"),
    409: lazy_gettext("Conflict"),
    413: lazy_gettext("Upload too large"),
    422: lazy_gettext("Invalid input"),
    429: lazy_gettext("Too many requests"),
    500: lazy_gettext("Something went wrong"),
    503: lazy_gettext("Temporarily unavailable"),
}


def _error_page(status: int, message: str, code: str) -> tuple[str | Response, int]:
    """An error in the product's look (HTML) or as JSON for API clients; never a traceback."""
    if _wants_json():
        return jsonify(error={"code": code, "message": message}), status
    title = str(ERROR_TITLES.get(status) or gettext("Error"))
    return render_template("error.html", status=status, title=title, message=message), status


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str | Response, int]:
        return _error_page(
            400,
            gettext("The form has expired or was not sent by this site. Reload and try again."),
            "csrf",
        )

    @app.errorhandler(GongdanError)
    def gongdan_error(error: GongdanError) -> tuple[str | Response, int]:
        return _error_page(error.status, error.message, error.code)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> Response:
        # A lost connection is the database's fault, not the page's: say so, and that nothing
        # was saved (the transaction rolled back), instead of a generic 500.
        if not is_database_unavailable(error):
            raise error  # Flask's own handling: re-raised in tests, logged and a 500 page live
        current_app.logger.error(
            "database unavailable in %s %s", request.method, request.path, exc_info=True
        )
        message = gettext(
            "The connection to the database was lost, so nothing was saved. "
            "Reload the page in a moment and try again."
        )
        response = make_response(
            _error_page(DatabaseUnavailable.status, message, DatabaseUnavailable.code)
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | Response, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        messages = {
            403: gettext("You are not allowed to see this page."),
            404: gettext("There is no page at this address."),
            500: gettext("The error has been logged. Please try again later."),
        }
        message = messages.get(error.code) or str(ERROR_TITLES.get(error.code) or gettext("Error"))
        return _error_page(error.code, message, str(error.code))


def init_app(app: Flask) -> None:
    """Attach every web component to ``app``."""
    # Cookies never reach scripts, and other sites' forms do not carry them.
    for name, value in (
        ("SESSION_COOKIE_HTTPONLY", True),
        ("SESSION_COOKIE_SAMESITE", "Lax"),
        ("REMEMBER_COOKIE_HTTPONLY", True),
        ("REMEMBER_COOKIE_SAMESITE", "Lax"),
    ):
        app.config.setdefault(name, value)
    i18n.init_app(app)
    csrf.init_app(app)
    accounts_views.init_app(app)
    from gongdan.tickets import views as tickets_views  # the agent workspace

    tickets_views.init_app(app)
    from gongdan.tickets import plugin_panels

    plugin_panels.init_app(app)
    from gongdan import navigation

    navigation.init_app(app)
    fieldwork.init_app(app)
    portal.init_app(app)
    customers.init_app(app)
    reports.init_app(app)
    knowledge.init_app(app)
    from gongdan import surveys

    surveys.init_app(app)
    app.register_blueprint(bp)
    _register_error_pages(app)
    from gongdan import api  # after the error pages: the API wraps them for its own paths

    api.init_app(app)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")
