"""The customer portal (``/portal``): submit a request, follow it, add information, confirm or
reopen.

A customer user sees only the tickets of their own organisation; anything else is "not found",
so ticket numbers and ids cannot be probed. Every write goes through
:mod:`gongdan.tickets.services` with the channel ``portal``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from gongdan.customers.models import Address, Asset
from gongdan.db import db
from gongdan.definitions.compiled import CompiledTicketType
from gongdan.definitions.registry import compiled_active_set
from gongdan.errors import GongdanError, NotFound, PermissionDenied, StaleTicket, ValidationFailed
from gongdan.fieldwork.files import send_attachment
from gongdan.forms import parse_submission
from gongdan.portal import pages
from gongdan.tickets import services as ticket_services
from gongdan.tickets.attachments import check_upload
from gongdan.tickets.models import Ticket, TicketAttachment
from gongdan.tickets.visibility import visible_tickets

bp = Blueprint("portal", __name__, url_prefix="/portal")

#: Requests listed on the portal's start page.
LIST_LIMIT = 200


@bp.before_request
def _customers_only() -> Response | None:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined, no-any-return]
    if current_user.role != "customer" or current_user.customer_id is None:
        abort(403)
    return None


@bp.get("")
def my_requests() -> str:
    """My organisation's requests, the latest change first."""
    tickets = db.session.scalars(
        visible_tickets(current_user)
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    rows = []
    for ticket in tickets:
        pinned = ticket_services.pinned_definitions(db.session, ticket)
        rows.append(pages.request_row(ticket, pinned.ticket_type, pinned.workflow))
    return render_template("portal/index.html", rows=rows)


# ------------------------------------------------------------------------------ new request


def _creatable() -> dict[str, CompiledTicketType]:
    compiled = compiled_active_set(db.session)
    return {t.key: t for t in pages.creatable_types(compiled, current_user)}


def _render_new(
    ticket_type: CompiledTicketType | None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    compiled = compiled_active_set(db.session)
    choices = pages.organisation_choices(db.session, current_user.customer_id)
    form = pickers = None
    if ticket_type is not None:
        form = pages.request_form(ticket_type, compiled, choices, values=values, errors=errors)
        types = {f.type for f in ticket_type.fields}
        pickers = []
        if "asset" not in types and choices.assets:
            pickers.append(
                pages.picker(
                    "asset_id", gettext("Machine"), choices.assets, (values or {}).get("asset_id")
                )
            )
        if "address" not in types and choices.addresses:
            pickers.append(
                pages.picker(
                    "address_id",
                    gettext("Address"),
                    choices.addresses,
                    (values or {}).get("address_id"),
                )
            )
    page = render_template(
        "portal/new.html",
        types=pages.creatable_types(compiled, current_user),
        ticket_type=ticket_type,
        form=form,
        pickers=pickers or [],
        general_files=ticket_type is not None and not pages.has_file_field(ticket_type),
        error_message=message,
    )
    return page, status


@bp.get("/new")
def new_request() -> tuple[str, int]:
    """Choose a kind of request, then fill its form."""
    key = request.args.get("type")
    if not key:
        return _render_new(None)
    ticket_type = _creatable().get(key)
    if ticket_type is None:
        raise NotFound(f"no request type {key!r} for you")
    return _render_new(ticket_type)


@bp.post("/new")
def submit_request() -> Response | tuple[str, int]:
    """Create the request (channel ``portal``) with its photos."""
    key = request.form.get("type_key", "")
    ticket_type = _creatable().get(key)
    if ticket_type is None:
        raise PermissionDenied(gettext("You cannot submit requests of this kind."))
    keys = pages.customer_field_keys(ticket_type)
    values, problems = parse_submission(ticket_type, request.form, keys=keys)
    references = _references(ticket_type, values, problems)
    uploads = _uploads(ticket_type, keys, problems)
    try:
        if problems:
            raise ValidationFailed(gettext("Please correct the marked fields."), problems)
        fields = {k: v for k, v in values.items() if v is not None}
        ticket = ticket_services.create_ticket(
            db.session,
            current_user,
            type_key=ticket_type.key,
            channel="portal",
            fields=fields,
            customer_id=current_user.customer_id,
            **references,
        )
        for field_key, upload, data in uploads:
            ticket_services.add_attachment(
                db.session,
                current_user,
                ticket.id,
                filename=upload.filename or "file",
                content_type=upload.mimetype or "application/octet-stream",
                data=data,
                field_key=field_key,
            )
    except ValidationFailed as error:
        db.session.rollback()
        kept = {**values, **{k: str(v) for k, v in references.items() if v is not None}}
        return _render_new(
            ticket_type,
            values=kept,
            errors=error.fields or problems,
            message=error.message,
            status=422,
        )
    flash(gettext("Your request %(number)s has been received.", number=ticket.number), "success")
    return redirect(url_for("portal.request_page", number=ticket.number))


def _own_row(model: type[Address] | type[Asset], text: str) -> Any:
    """The organisation's row with id ``text``, or ``None``."""
    if not text.strip().isdigit():
        return None
    row = db.session.get(model, int(text))
    return row if row is not None and row.customer_id == current_user.customer_id else None


def _references(
    ticket_type: CompiledTicketType, values: dict[str, Any], problems: dict[str, str]
) -> dict[str, int | None]:
    """The machine and address chosen, from the type's fields or the extra pickers.

    A saved address chosen in an address field is stored as its parts (region, city, line,
    coordinates) and referenced by id, so the ticket keeps the address even if it is edited.
    """
    references: dict[str, int | None] = {}
    for field in ticket_type.fields:
        value = values.get(field.key)
        if field.type == "address" and isinstance(value, int | str) and str(value).isdigit():
            address = _own_row(Address, str(value))
            if address is None:
                problems[field.key] = gettext("Choose one of your addresses.")
                continue
            values[field.key] = {
                k: v
                for k, v in (
                    ("region", address.region),
                    ("city", address.city),
                    ("line", address.line),
                    ("lat", address.lat),
                    ("lng", address.lng),
                )
                if v not in (None, "")
            }
            references.setdefault("address_id", address.id)
    for name, model in (("asset_id", Asset), ("address_id", Address)):
        text = request.form.get(name, "")
        if text:
            row = _own_row(model, text)
            if row is None:
                problems[name] = gettext("Choose one of your own.")
            else:
                references[name] = row.id
    return references


def _uploads(
    ticket_type: CompiledTicketType, keys: list[str], problems: dict[str, str]
) -> list[tuple[str | None, FileStorage, bytes]]:
    """Files posted to the form's attachment fields, checked before the ticket is created."""
    result = []
    for field in ticket_type.fields:
        if field.key not in keys or field.type != "attachments":
            continue
        files = [f for f in request.files.getlist(f"f.{field.key}") if f and f.filename]
        max_files = field.spec.get("max_files")
        if isinstance(max_files, int) and len(files) > max_files:
            problems[field.key] = gettext(
                "At most %(count)d files are allowed here.", count=max_files
            )
            continue
        for upload in files:
            data = upload.read()
            try:
                check_upload(
                    upload.filename or "file",
                    upload.mimetype or "",
                    data,
                    {**field.spec, "key": field.key},
                )
            except ValidationFailed as error:
                problems[field.key] = error.message
                break
            result.append((field.key, upload, data))
    # A type without a photo field of its own still takes files, attached to the ticket.
    for upload in [f for f in request.files.getlist("files") if f and f.filename]:
        data = upload.read()
        try:
            check_upload(upload.filename or "file", upload.mimetype or "", data, None)
        except ValidationFailed as error:
            problems["files"] = error.message
            break
        result.append((None, upload, data))
    return result


# --------------------------------------------------------------------------- one request


def _ticket(number: str) -> Ticket:
    return ticket_services.get_ticket_by_number(db.session, current_user, number)


def _render_request(number: str, *, error: GongdanError | None = None) -> tuple[str, int]:
    db.session.rollback()
    ticket = _ticket(number)
    message = None
    if isinstance(error, StaleTicket):
        message = gettext(
            "This request changed while you were reading it. Please check and try again."
        )
    elif error is not None:
        message = error.message
    page = pages.request_page(db.session, current_user, ticket)
    html = render_template("portal/ticket.html", page=page, error_message=message)
    return html, error.status if error is not None else 200


@bp.get("/tickets/<number>")
def request_page(number: str) -> tuple[str, int]:
    """One request: its status timeline, its details, add information, confirm or reopen."""
    return _render_request(number)


@bp.get("/tickets/by-id/<int:ticket_id>")
def request_by_id(ticket_id: int) -> Response:
    """A request by its id (links from e-mails); others' ids are "not found" like missing ones."""
    ticket = ticket_services.get_ticket(db.session, current_user, ticket_id)
    return redirect(url_for("portal.request_page", number=ticket.number))


@bp.post("/tickets/<number>/information")
def add_information(number: str) -> Response | tuple[str, int]:
    """Add a message and/or files to the request (always visible to the customer)."""
    try:
        ticket = _ticket(number)
        body = (request.form.get("body") or "").strip()
        files = [(f, f.read()) for f in request.files.getlist("files") if f and f.filename]
        if not body and not files:
            message = gettext("Write a message or choose a file.")
            raise ValidationFailed(message, {"body": message})
        for upload, data in files:  # all files are checked before anything is stored
            check_upload(upload.filename or "file", upload.mimetype or "", data, None)
        if body:
            ticket_services.add_comment(db.session, current_user, ticket.id, body=body)
        for upload, data in files:
            ticket_services.add_attachment(
                db.session,
                current_user,
                ticket.id,
                filename=upload.filename or "file",
                content_type=upload.mimetype or "application/octet-stream",
                data=data,
            )
    except NotFound:
        raise
    except GongdanError as error:
        return _render_request(number, error=error)
    flash(gettext("Thank you, your information was added."), "success")
    return redirect(url_for("portal.request_page", number=number) + "#timeline")


@bp.post("/tickets/<number>/transition")
def transition(number: str) -> Response | tuple[str, int]:
    """Confirm the fix, reopen, or another step open to the customer."""
    try:
        ticket = _ticket(number)
        version_text = request.form.get("version", "")
        if not version_text.isdigit():
            raise ValidationFailed(gettext("The form is out of date. Reload the page."))
        key = request.form.get("transition", "")
        comment = (request.form.get("comment") or "").strip() or None
        ticket_services.run_transition(
            db.session,
            current_user,
            ticket.id,
            key,
            expected_version=int(version_text),
            comment=comment,
        )
    except NotFound:
        raise
    except GongdanError as error:
        return _render_request(number, error=error)
    flash(gettext("Thank you, the status of your request was updated."), "success")
    return redirect(url_for("portal.request_page", number=number))


@bp.get("/tickets/<number>/files/<int:attachment_id>")
def attachment_file(number: str, attachment_id: int) -> Response:
    """A file of the request, if the customer may see it."""
    ticket = _ticket(number)
    pinned = ticket_services.pinned_definitions(db.session, ticket)
    visible = {a.id for a in pages.visible_attachments(db.session, ticket, pinned.ticket_type)}
    attachment = db.session.get(TicketAttachment, attachment_id)
    if attachment is None or attachment.id not in visible:
        raise NotFound(f"no file {attachment_id} on request {number}")
    return send_attachment(attachment)
