"""The agent workspace (HTML): queues, the generated create form, the ticket page and its actions.

Every write goes through :mod:`gongdan.tickets.services`; a :class:`ValidationFailed` re-renders
the page with the messages next to the fields (422), a :class:`StaleTicket` re-renders it with
"changed by someone else — reload" (409) and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from gongdan import i18n
from gongdan.accounts.models import Department, User
from gongdan.accounts.policy import actor_roles, is_customer, may_create_type
from gongdan.db import db
from gongdan.definitions.compiled import CompiledTicketType
from gongdan.definitions.registry import compiled_active_set
from gongdan.errors import GongdanError, StaleTicket, ValidationFailed
from gongdan.forms import choices as picker
from gongdan.forms import parse_submission
from gongdan.forms.parse import filled
from gongdan.forms.render import AttachmentLink, FormView, build_form
from gongdan.i18n import localise
from gongdan.sla import sla_status_many
from gongdan.tickets import services
from gongdan.tickets.models import CHANNELS, PRIORITIES, Ticket, TicketAttachment
from gongdan.tickets.queues import FILTER_COLUMNS, available_queues, list_page, queue_counts
from gongdan.tickets.sla_panel import ClockLine, most_urgent

bp = Blueprint("tickets", __name__)

#: Roles that use the workspace; engineers get it without create, transfer and dispatch.
WORKSPACE_ROLES = frozenset(
    {"admin", "manager", "dispatcher", "agent", "engineer", "service_manager", "quality_inspector"}
)
STAFF_CHANNEL_DEFAULT = "phone"


def require_staff() -> User:
    """The logged-in staff user; 403 for customers and roles without the workspace."""
    if is_customer(current_user) or current_user.role not in WORKSPACE_ROLES:
        abort(403)
    user: User = current_user._get_current_object()
    return user


def _department_title(department: Department) -> str:
    return department.title("en" if i18n.current_language() == "en" else "zh")


def _local(text: Mapping[str, str] | None, fallback: str) -> str:
    return i18n.local_text(text, fallback)


def _audience(user: User) -> str:
    return "engineer" if user.role == "engineer" else "agent"


@bp.get("/tickets")
@login_required
def index() -> str:
    """The queues, filters and search."""
    user = require_staff()
    queues = available_queues()
    queue = request.args.get("queue", "open")
    if queue not in queues:
        queue = "open"
    filters = {name: request.args.get(name, "").strip() for name in FILTER_COLUMNS}
    search = request.args.get("q", "").strip()
    page_number = request.args.get("page", "1")
    page = list_page(
        db.session,
        user,
        queue=queue,
        filters=filters,
        search=search,
        page=int(page_number) if page_number.isdigit() else 1,
    )
    active = compiled_active_set(db.session)
    counts = queue_counts(db.session, user)
    departments = picker.department_choices(db.session, _department_title)
    args = {k: v for k, v in {**filters, "q": search, "queue": queue}.items() if v}
    return render_template(
        "tickets/index.html",
        queue=queue,
        queues=queues,
        counts=counts,
        filters=filters,
        search=search,
        page=page,
        args=args,
        rows=[_row(ticket, active) for ticket in page.tickets],
        sla_urgent=_sla_column([ticket.id for ticket in page.tickets]),
        active=active,
        departments=departments,
        department_titles={d.value: d.title for d in departments},
        priorities=PRIORITIES,
        channels=CHANNELS,
        may_create=bool(_creatable_types(user)),
        state_options=_state_options(active),
    )


def _sla_column(ticket_ids: list[int]) -> dict[int, ClockLine | None]:
    """The most urgent running clock of each ticket of the page (one query for the page)."""
    found = sla_status_many(db.session, ticket_ids) if ticket_ids else {}
    return {ticket_id: most_urgent(views) for ticket_id, views in found.items()}


def _state_options(active: Any) -> list[tuple[str, str]]:
    """Every state key of the active workflows with its title (first workflow's wins)."""
    seen: dict[str, str] = {}
    for workflow in active.workflows.values():
        for key, state in workflow.states.items():
            seen.setdefault(key, _local(state.title, key))
    return sorted(seen.items())


def _state_title(active: Any, ticket: Ticket) -> str:
    workflow = None
    ticket_type = active.ticket_types.get(ticket.type_key)
    if ticket_type is not None:
        workflow = active.workflows.get(ticket_type.workflow_key)
    state = workflow.states.get(ticket.state) if workflow is not None else None
    return _local(state.title, ticket.state) if state is not None else ticket.state


def _row(ticket: Ticket, active: Any) -> dict[str, Any]:
    ticket_type = active.ticket_types.get(ticket.type_key)
    return {
        "ticket": ticket,
        "type_title": _local(ticket_type.title, ticket.type_key)
        if ticket_type
        else ticket.type_key,
        "state_title": _state_title(active, ticket),
    }


def _creatable_types(user: User) -> list[CompiledTicketType]:
    active = compiled_active_set(db.session)
    return [t for t in active.ticket_types.values() if may_create_type(user, t)]


def ticket_form(
    ticket_type: CompiledTicketType,
    values: Mapping[str, Any],
    *,
    user: User,
    state: str | None,
    creating: bool,
    errors: Mapping[str, str] | None = None,
    only: list[str] | None = None,
    attachments: Mapping[int, AttachmentLink] | None = None,
) -> FormView:
    """The generated form of ``ticket_type`` for ``user``, pickers set to the chosen customer."""
    customer_id = _customer_of(values)
    active = compiled_active_set(db.session)
    return build_form(
        ticket_type,
        values=values,
        audience=_audience(user),  # type: ignore[arg-type]
        roles=actor_roles(user),
        state=state,
        creating=creating,
        errors=errors,
        choices=picker.reference_choices(
            db.session, values, customer_id=customer_id, department_title=_department_title
        ),
        option_lists=active.option_lists,
        attachments=attachments,
        source_urls={
            "customer": url_for("tickets.lookup", kind="customers"),
            "contact": url_for("tickets.lookup", kind="contacts"),
            "asset": url_for("tickets.lookup", kind="assets"),
            "address": url_for("tickets.lookup", kind="addresses"),
        },
        only=only,
        local=_local,
    )


def _customer_of(values: Mapping[str, Any]) -> int | None:
    value = values.get("customer")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


@bp.route("/tickets/new", methods=["GET", "POST"])
@login_required
def new() -> str | Response | tuple[str, int]:
    """Choose a type, then fill in its generated form."""
    user = require_staff()
    types = _creatable_types(user)
    type_key = request.values.get("type", "")
    ticket_type = next((t for t in types if t.key == type_key), None)
    if ticket_type is None:
        if type_key:
            flash(gettext("You may not create tickets of this type."), "error")
        return render_template("tickets/choose_type.html", types=types)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    meta = {
        "channel": request.form.get("channel", STAFF_CHANNEL_DEFAULT),
        "priority": request.form.get("priority", ""),
        "subject": request.form.get("subject", "").strip(),
    }
    status = 200
    if request.method == "POST":
        values, errors = parse_submission(ticket_type, request.form)
        errors = {k: localise(v) for k, v in errors.items()}
        if not errors:
            try:
                ticket = services.create_ticket(
                    db.session,
                    user,
                    type_key=ticket_type.key,
                    channel=meta["channel"],
                    fields=filled(values),
                    priority=meta["priority"] or None,
                    subject=meta["subject"] or None,
                )
            except ValidationFailed as failed:
                errors = dict(failed.fields) or {"": failed.message}
            else:
                _store_uploads(ticket, ticket_type)
                flash(gettext("Ticket %(number)s created.", number=ticket.number), "success")
                # "Solved by this article" chosen from a knowledge-base suggestion.
                from gongdan.knowledge.views import solve_new_ticket

                solve_new_ticket(ticket, request.form.get("solved_by_article", ""))
                return redirect(url_for("tickets.show", number=ticket.number))
        status = 422
    if not values:
        values = {f.key: f.default for f in ticket_type.fields if f.has_default}
    form = ticket_form(ticket_type, values, user=user, state=None, creating=True, errors=errors)
    general = [
        f"{key}: {localise(message)}" if key else localise(message)
        for key, message in errors.items()
        if key not in form.fields
    ]
    page = render_template(
        "tickets/new.html",
        ticket_type=ticket_type,
        form=form,
        meta=meta,
        general_errors=general,
        channels=CHANNELS,
        priorities=PRIORITIES,
    )
    return page, status


def _store_uploads(ticket: Ticket, ticket_type: CompiledTicketType) -> None:
    """Attach the files chosen in attachment fields; a refused file is reported, not fatal."""
    for compiled in ticket_type.fields:
        if compiled.type != "attachments":
            continue
        for upload in request.files.getlist(f"f.{compiled.key}"):
            if not upload or not upload.filename:
                continue
            try:
                services.add_attachment(
                    db.session,
                    current_user._get_current_object(),
                    ticket.id,
                    filename=upload.filename,
                    content_type=upload.mimetype or "application/octet-stream",
                    data=upload.read(),
                    field_key=compiled.key,
                )
            except GongdanError as refused:
                flash(f"{upload.filename}: {refused.message}", "warning")


@bp.get("/tickets/lookup/<kind>")
@login_required
def lookup(kind: str) -> Response:
    """Picker entries as JSON ``[{value, title}]``: customers by ``q``, the rest by ``customer``."""
    customer_text = request.args.get("customer", "")
    customer_id = int(customer_text) if customer_text.isdigit() else None
    if is_customer(current_user):
        customer_id = current_user.customer_id
        if kind == "customers":
            abort(403)
    loaders = {
        "contacts": picker.contact_choices,
        "assets": picker.asset_choices,
        "addresses": picker.address_choices,
    }
    if kind == "customers":
        items = picker.customer_choices(db.session, request.args.get("q", ""), limit=50)
    elif kind in loaders:
        items = loaders[kind](db.session, customer_id)
    else:
        abort(404)
    return jsonify([{"value": c.value, "title": c.title} for c in items])


def open_load(user_ids: list[int]) -> dict[int, int]:
    """Open tickets assigned to each of ``user_ids``, in one query."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(user_ids), Ticket.state_category.in_(("open", "paused")))
        .group_by(Ticket.assignee_id)
    )
    return {int(a): int(n) for a, n in rows}


def attachment_links(ticket: Ticket, *, staff: bool) -> dict[int, AttachmentLink]:
    """Links to the ticket's files (internal ones only for staff)."""
    query = select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)
    if not staff:
        query = query.where(TicketAttachment.internal.is_(False))
    return {
        a.id: AttachmentLink(
            a.id,
            a.filename,
            url_for("tickets.attachment", number=ticket.number, attachment_id=a.id),
            a.content_type.startswith("image/"),
        )
        for a in db.session.scalars(query.order_by(TicketAttachment.id))
    }


def stale_message() -> str:
    return gettext(
        "This ticket was changed by someone else while you were working on it. "
        "Reload the page to see the changes; nothing was saved."
    )


def error_status(error: GongdanError) -> int:
    return 409 if isinstance(error, StaleTicket) else error.status


def init_app(app: Flask) -> None:
    """Register the workspace blueprint (the list, create and ticket pages)."""
    app.register_blueprint(bp)


# The ticket page's routes live in their own module; importing it adds them to ``bp``.
from gongdan.tickets import ticket_page  # noqa: E402

__all__ = ["bp", "init_app", "ticket_page"]
