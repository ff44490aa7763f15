"""The ticket page of the agent workspace: header, fields, timeline, and every action on it.

Each action posts the ticket ``version`` it was shown; the services refuse a stale one
(:class:`~gongdan.errors.StaleTicket`), and the page is shown again with the reason and the
right status (409 stale or not allowed, 422 invalid, 403 refused) without changing anything.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from gongdan import i18n
from gongdan.accounts.models import User
from gongdan.accounts.policy import STAFF_ROLES, has_permission, may_view_ticket
from gongdan.customers.models import Asset, Contact
from gongdan.db import db
from gongdan.definitions.compiled import CompiledTicketType
from gongdan.definitions.registry import compiled_active_set
from gongdan.errors import GongdanError, StaleTicket, ValidationFailed
from gongdan.forms import parse_submission
from gongdan.sla import sla_status
from gongdan.tickets import services
from gongdan.tickets.models import Ticket, TicketAttachment, TicketComment
from gongdan.tickets.sla_panel import panel as sla_panel
from gongdan.tickets.staff_timeline import department_titles, staff_timeline
from gongdan.tickets.views import (
    attachment_links,
    bp,
    open_load,
    require_staff,
    stale_message,
    ticket_form,
)

#: Bootstrap colour of each state category.
CATEGORY_COLOURS: Mapping[str, str] = {
    "open": "primary",
    "paused": "warning",
    "resolved": "success",
    "closed": "secondary",
}
_SIGNATURE_PREFIX = "data:image/png;base64,"


def _load(number: str) -> Ticket:
    return services.get_ticket_by_number(db.session, current_user._get_current_object(), number)


def _version() -> int:
    text = request.form.get("version", "")
    if not text.isdigit():
        abort(400)
    return int(text)


def _candidates(ticket: Ticket) -> list[dict[str, Any]]:
    """Staff one may dispatch to: engineers first, with availability, load, capacity, skills."""
    users = list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_(sorted(STAFF_ROLES)))
            .order_by((User.role != "engineer"), User.display_name)
        )
    )
    load = open_load([u.id for u in users])
    return [
        {
            "user": u,
            "load": load.get(u.id, 0),
            "department": u.department.key if u.department else None,
            "skills": ", ".join(str(s) for s in (u.skills or [])),
        }
        for u in users
    ]


def render_ticket(
    ticket: Ticket,
    *,
    status: int = 200,
    alert: str | None = None,
    errors: Mapping[str, str] | None = None,
    action: str | None = None,
    submitted: Mapping[str, Any] | None = None,
) -> tuple[str, int]:
    """The ticket page; ``action``'s form shows ``errors`` and ``submitted`` values again."""
    user = current_user._get_current_object()
    pinned = services.pinned_definitions(db.session, ticket)
    ticket_type, workflow = pinned.ticket_type, pinned.workflow
    errors = dict(errors or {})
    values = dict(ticket.fields or {})
    links = attachment_links(ticket, staff=True)
    field_errors = errors if action == "fields" else {}
    field_values = {**values, **(submitted or {})} if action == "fields" else values
    fields_form = ticket_form(
        ticket_type,
        field_values,
        user=user,
        state=ticket.state,
        creating=False,
        errors=field_errors,
        attachments=links,
    )
    transitions = []
    for transition in services.available_transitions(db.session, user, ticket):
        mine = action == f"transition:{transition.key}"
        form = None
        if transition.require_fields:
            form = ticket_form(
                ticket_type,
                {**values, **(submitted or {})} if mine else values,
                user=user,
                state=transition.target,
                creating=False,
                errors=errors if mine else {},
                only=list(transition.require_fields),
                attachments=links,
            )
        transitions.append({"t": transition, "form": form, "errors": errors if mine else {}})
    active = compiled_active_set(db.session)
    state = workflow.states.get(ticket.state)
    departments = department_titles()
    may_dispatch = has_permission(user, "ticket.dispatch", active)
    page = render_template(
        "tickets/show.html",
        ticket=ticket,
        ticket_type=ticket_type,
        type_title=i18n.local_text(ticket_type.title, ticket.type_key),
        state_title=i18n.local_text(state.title, ticket.state) if state else ticket.state,
        category_colour=CATEGORY_COLOURS.get(ticket.state_category, "secondary"),
        contact=db.session.get(Contact, ticket.contact_id) if ticket.contact_id else None,
        asset=db.session.get(Asset, ticket.asset_id) if ticket.asset_id else None,
        department_title=departments.get(ticket.department_key or "", ticket.department_key),
        fields_form=fields_form,
        may_edit=any(f.editable for f in fields_form.fields.values()) and user.role != "customer",
        timeline=staff_timeline(ticket, ticket_type, workflow),
        sla_clocks=sla_panel(db.session, ticket, sla_status(db.session, ticket)),
        comments=list(
            db.session.scalars(
                select(TicketComment)
                .where(TicketComment.ticket_id == ticket.id)
                .order_by(TicketComment.id)
            )
        ),
        attachments=list(links.values()),
        transitions=transitions,
        transfers=[
            (k, departments.get(k, k)) for k in services.allowed_transfers(db.session, user, ticket)
        ],
        candidates=_candidates(ticket) if may_dispatch else [],
        may_dispatch=may_dispatch,
        alert=alert,
        errors=errors,
        action=action,
        submitted=submitted or {},
    )
    return page, status


def _failed(
    number: str, error: GongdanError, action: str, submitted: Mapping[str, Any] | None = None
) -> tuple[str, int]:
    db.session.rollback()
    ticket = _load(number)
    if isinstance(error, StaleTicket):
        return render_ticket(ticket, status=409, alert=stale_message(), action=action)
    errors = dict(error.fields) if isinstance(error, ValidationFailed) else {}
    return render_ticket(
        ticket,
        status=error.status,
        alert=error.message,
        errors=errors,
        action=action,
        submitted=submitted,
    )


@bp.get("/tickets/<number>")
@login_required
def show(number: str) -> tuple[str, int]:
    """The ticket page."""
    require_staff()
    return render_ticket(_load(number))


@bp.post("/tickets/<number>/fields")
@login_required
def update_fields(number: str) -> Response | tuple[str, int]:
    """Save the changed fields (signature drawings and new files are stored as attachments)."""
    user = require_staff()
    ticket = _load(number)
    pinned = services.pinned_definitions(db.session, ticket)
    values, errors = parse_submission(pinned.ticket_type, request.form)
    if errors:
        return render_ticket(ticket, status=422, errors=errors, action="fields", submitted=values)
    current = dict(ticket.fields or {})
    signatures = {
        k: v for k, v in values.items() if isinstance(v, str) and v.startswith(_SIGNATURE_PREFIX)
    }
    changes = {
        k: v for k, v in values.items() if k not in signatures and not _same(v, current.get(k))
    }
    try:
        if changes:
            ticket = services.update_fields(
                db.session, user, ticket.id, changes=changes, expected_version=_version()
            )
        elif ticket.version != _version():
            raise StaleTicket(stale_message())
        _upload_files(ticket, pinned.ticket_type, signatures)
    except GongdanError as error:
        return _failed(number, error, "fields", values)
    flash(gettext("Saved."), "success")
    return redirect(url_for("tickets.show", number=number))


def _same(submitted: Any, stored: Any) -> bool:
    """Equal, or both empty (an unticked box or a cleared input where nothing was stored)."""

    def empty(value: Any) -> bool:
        return value is None or value is False or value == "" or value == []

    return submitted == stored or (empty(submitted) and empty(stored))


def _upload_files(
    ticket: Ticket, ticket_type: CompiledTicketType, signatures: Mapping[str, str]
) -> None:
    user = current_user._get_current_object()
    for key, data_url in signatures.items():
        try:
            data = base64.b64decode(data_url[len(_SIGNATURE_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(
                gettext("The signature could not be read."),
                {key: gettext("The signature could not be read.")},
            ) from None
        services.add_attachment(
            db.session,
            user,
            ticket.id,
            filename=f"{key}.png",
            content_type="image/png",
            data=data,
            field_key=key,
        )
    for compiled in ticket_type.fields:
        if compiled.type != "attachments":
            continue
        for upload in request.files.getlist(f"f.{compiled.key}"):
            if upload and upload.filename:
                services.add_attachment(
                    db.session,
                    user,
                    ticket.id,
                    filename=upload.filename,
                    content_type=upload.mimetype or "application/octet-stream",
                    data=upload.read(),
                    field_key=compiled.key,
                )


def _show_or_list(user: User, ticket: Ticket) -> Response:
    """Back to the ticket, or to the list when the change took it out of the user's view."""
    if may_view_ticket(user, ticket):
        return redirect(url_for("tickets.show", number=ticket.number))
    return redirect(url_for("tickets.index"))


@bp.post("/tickets/<number>/transition/<key>")
@login_required
def transition(number: str, key: str) -> Response | tuple[str, int]:
    """Run one transition, with the fields it requires and an optional comment."""
    user = require_staff()
    ticket = _load(number)
    pinned = services.pinned_definitions(db.session, ticket)
    compiled = pinned.workflow.transition(key)
    wanted = list(compiled.require_fields) if compiled else []
    values, errors = parse_submission(pinned.ticket_type, request.form, keys=wanted)
    action = f"transition:{key}"
    if errors:
        return render_ticket(ticket, status=422, errors=errors, action=action, submitted=values)
    comment = request.form.get("comment", "").strip() or None
    try:
        changed = services.run_transition(
            db.session,
            user,
            ticket.id,
            key,
            expected_version=_version(),
            fields=values or None,
            comment=comment,
        )
    except GongdanError as error:
        return _failed(number, error, action, values)
    flash(gettext("Done."), "success")
    return _show_or_list(user, changed)


@bp.post("/tickets/<number>/transfer")
@login_required
def transfer(number: str) -> Response | tuple[str, int]:
    """Hand the ticket to another department (allowed paths only, with a reason)."""
    user = require_staff()
    ticket = _load(number)
    reason = request.form.get("reason", "").strip()
    if not reason:
        return render_ticket(
            ticket,
            status=422,
            errors={"reason": gettext("A reason is required.")},
            action="transfer",
        )
    try:
        changed = services.transfer_ticket(
            db.session,
            user,
            ticket.id,
            department=request.form.get("department", ""),
            reason=reason,
            expected_version=_version(),
        )
    except GongdanError as error:
        return _failed(number, error, "transfer")
    flash(gettext("Transferred."), "success")
    return _show_or_list(user, changed)


@bp.post("/tickets/<number>/assign")
@login_required
def assign(number: str) -> Response | tuple[str, int]:
    """Dispatch: assign (or unassign) with a reason."""
    user = require_staff()
    ticket = _load(number)
    reason = request.form.get("reason", "").strip()
    if not reason:
        return render_ticket(
            ticket, status=422, errors={"reason": gettext("A reason is required.")}, action="assign"
        )
    assignee = request.form.get("assignee_id", "")
    try:
        changed = services.assign_ticket(
            db.session,
            user,
            ticket.id,
            assignee_id=int(assignee) if assignee.isdigit() else None,
            reason=reason,
            expected_version=_version(),
        )
    except GongdanError as error:
        return _failed(number, error, "assign")
    flash(gettext("Assigned."), "success")
    return _show_or_list(user, changed)


@bp.post("/tickets/<number>/comments")
@login_required
def comment(number: str) -> Response | tuple[str, int]:
    """Add an internal or customer-visible comment."""
    user = require_staff()
    ticket = _load(number)
    try:
        services.add_comment(
            db.session,
            user,
            ticket.id,
            body=request.form.get("body", ""),
            internal=request.form.get("internal") == "1",
        )
    except GongdanError as error:
        return _failed(number, error, "comment", {"body": request.form.get("body", "")})
    flash(gettext("Comment added."), "success")
    return redirect(url_for("tickets.show", number=number) + "#comments")


@bp.post("/tickets/<number>/attachments")
@login_required
def upload(number: str) -> Response | tuple[str, int]:
    """Attach a file to the ticket (not to a field)."""
    user = require_staff()
    ticket = _load(number)
    file = request.files.get("file")
    if file is None or not file.filename:
        return render_ticket(
            ticket, status=422, errors={"file": gettext("Choose a file.")}, action="upload"
        )
    try:
        services.add_attachment(
            db.session,
            user,
            ticket.id,
            filename=file.filename,
            content_type=file.mimetype or "application/octet-stream",
            data=file.read(),
            internal=request.form.get("internal") == "1",
        )
    except GongdanError as error:
        return _failed(number, error, "upload")
    flash(gettext("File added."), "success")
    return redirect(url_for("tickets.show", number=number) + "#attachments")


@bp.get("/tickets/<number>/attachments/<int:attachment_id>")
@login_required
def attachment(number: str, attachment_id: int) -> Response:
    """Serve one file of a ticket the user may see (internal files to staff only)."""
    ticket = _load(number)
    found = db.session.get(TicketAttachment, attachment_id)
    if found is None or found.ticket_id != ticket.id:
        abort(404)
    if found.internal and current_user.role == "customer":
        abort(404)
    path = services.attachment_path(current_app, found)
    if not path.is_file():
        abort(404)
    inline = found.content_type.startswith("image/") or found.content_type == "application/pdf"
    return send_file(
        path, mimetype=found.content_type, as_attachment=not inline, download_name=found.filename
    )
