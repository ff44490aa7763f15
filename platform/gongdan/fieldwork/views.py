"""The engineer's phone pages (``/work``): my assigned jobs and the work page of one ticket.

Every write goes through :mod:`gongdan.tickets.services` (and the engineer's own availability
and location through :mod:`gongdan.accounts.staff`); every POST carries the ticket version
it was made for, so a change by someone else in the meantime gives a clear "reload" message
instead of a silent overwrite.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from gongdan.accounts import staff
from gongdan.accounts.models import AVAILABILITIES
from gongdan.db import db, utcnow
from gongdan.errors import GongdanError, NotFound, StaleTicket, ValidationFailed
from gongdan.fieldwork import report
from gongdan.fieldwork.files import send_attachment
from gongdan.fieldwork.pages import WorkItem, work_item, work_order_key
from gongdan.fieldwork.signature import decode_signature
from gongdan.fieldwork.workpage import work_page
from gongdan.forms import parse_submission
from gongdan.tickets import services as ticket_services
from gongdan.tickets.models import Ticket, TicketAttachment

bp = Blueprint("fieldwork", __name__, url_prefix="/work")

#: The role these pages are for.
ENGINEER_ROLE = "engineer"


@bp.before_request
def _engineers_only() -> Response | None:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined, no-any-return]
    if current_user.role != ENGINEER_ROLE:
        abort(403)
    return None


@bp.get("")
def my_work() -> str:
    """My assigned tickets: open first, most urgent first, oldest first; my availability."""
    tickets = db.session.scalars(
        select(Ticket).where(
            Ticket.assignee_id == current_user.id, Ticket.state_category != "closed"
        )
    ).all()
    items: list[WorkItem] = []
    for ticket in sorted(tickets, key=work_order_key):
        pinned = ticket_services.pinned_definitions(db.session, ticket)
        items.append(work_item(db.session, ticket, pinned.ticket_type, pinned.workflow))
    return render_template(
        "fieldwork/index.html", items=items, availabilities=AVAILABILITIES, user=current_user
    )


@bp.post("/availability")
def set_availability() -> Response:
    """Switch my availability (available / busy / off)."""
    value = request.form.get("availability", "")
    if value not in AVAILABILITIES:
        flash(gettext("Choose available, busy or off."), "error")
        return redirect(url_for("fieldwork.my_work"))
    staff.set_availability(db.session, current_user, value)
    flash(gettext("Your availability is saved."), "success")
    return redirect(url_for("fieldwork.my_work"))


def _ticket(number: str) -> Ticket:
    return ticket_services.get_ticket_by_number(db.session, current_user, number)


def _page(
    number: str, *, error: GongdanError | None = None, submitted: dict[str, Any] | None = None
) -> tuple[str, int]:
    """Render the work page, after an error with its message and the engineer's input kept."""
    db.session.rollback()
    ticket = _ticket(number)
    page = work_page(
        db.session,
        current_user,
        ticket,
        errors=error.fields if isinstance(error, ValidationFailed) else None,
        submitted=submitted,
    )
    message = None
    if isinstance(error, StaleTicket):
        message = gettext(
            "Someone else changed this ticket while you were working on it. The page now shows "
            "the latest version: check it and try again."
        )
    elif error is not None:
        message = error.message
    status = error.status if error is not None else 200
    return render_template("fieldwork/ticket.html", page=page, error_message=message), status


def _done(number: str, message: str, anchor: str = "") -> Response:
    flash(message, "success")
    return redirect(url_for("fieldwork.ticket_page", number=number) + anchor)


def _check_version(ticket: Ticket) -> int:
    """The posted version; :class:`StaleTicket` when the ticket moved on since the page loaded."""
    version = report.parse_version(request.form)
    if version != ticket.version:
        raise StaleTicket(f"ticket {ticket.number} is at version {ticket.version}, not {version}")
    return version


@bp.get("/<number>")
def ticket_page(number: str) -> tuple[str, int]:
    """The work page of one ticket."""
    return _page(number)


@bp.post("/<number>/accept")
def accept(number: str) -> Response | tuple[str, int]:
    """Accept the job: the dispatcher sees the engineer has taken it."""
    try:
        ticket = _ticket(number)
        ticket_services.accept_assignment(
            db.session, current_user, ticket.id, expected_version=report.parse_version(request.form)
        )
    except NotFound:
        raise
    except GongdanError as error:
        return _page(number, error=error)
    return _done(number, gettext("You accepted the job."))


@bp.post("/<number>/check-in")
def check_in(number: str) -> Response | tuple[str, int]:
    """Check in on site: the time and the browser's position go into the ticket's geo field.

    When a transition that requires that field is open (``check_in``: dispatched → on site),
    it is taken in the same transaction; otherwise only the field is set. Either way the
    services record ``checked_in``. The engineer's last known location follows.
    """
    try:
        ticket = _ticket(number)
        version = report.parse_version(request.form)
        pinned = ticket_services.pinned_definitions(db.session, ticket)
        geo_fields = report.fields_of_type(pinned.ticket_type, "geo", {current_user.role})
        if not geo_fields:
            raise ValidationFailed(gettext("This ticket has no check-in."))
        key = geo_fields[0].key
        position = report.parse_position(_geo_form(key))
        location = {
            "lat": position.lat,
            "lng": position.lng,
            "accuracy": position.accuracy,
            "at": utcnow().isoformat(),  # the server's clock, not the phone's
        }
        transitions = ticket_services.available_transitions(db.session, current_user, ticket)
        transition = report.check_in_transition(transitions, [key])
        if transition is not None:
            ticket_services.run_transition(
                db.session,
                current_user,
                ticket.id,
                transition.key,
                expected_version=version,
                fields={key: location},
            )
        else:
            ticket_services.update_fields(
                db.session,
                current_user,
                ticket.id,
                changes={key: location},
                expected_version=version,
            )
        staff.record_location(db.session, current_user, position.lat, position.lng)
    except NotFound:
        raise
    except GongdanError as error:
        return _page(number, error=error)
    return _done(number, gettext("Checked in on site."), "#check-in")


def _geo_form(key: str) -> dict[str, str]:
    """``lat``/``lng``/``accuracy`` from the geo field's inputs (``f.<key>.lat`` ...)."""
    form = request.form
    return {part: form.get(f"f.{key}.{part}", "") for part in ("lat", "lng", "accuracy")}


@bp.post("/<number>/photos")
def upload_photos(number: str) -> Response | tuple[str, int]:
    """Add photos from the camera to an image field (the field's type and size limits apply)."""
    try:
        ticket = _ticket(number)
        _check_version(ticket)
        pinned = ticket_services.pinned_definitions(db.session, ticket)
        key = request.form.get("field", "")
        fields = {f.key: f for f in report.image_fields(pinned.ticket_type, {current_user.role})}
        field = fields.get(key)
        if field is None:
            raise ValidationFailed(gettext("Choose where the photos belong."))
        files = [f for f in request.files.getlist(f"f.{key}") if f and f.filename]
        if not files:
            raise ValidationFailed(
                gettext("Choose at least one photo."), {key: gettext("Choose at least one photo.")}
            )
        kept = list((ticket.fields or {}).get(key) or [])
        max_files = field.spec.get("max_files")
        if isinstance(max_files, int) and len(kept) + len(files) > max_files:
            message = gettext("At most %(count)d files are allowed here.", count=max_files)
            raise ValidationFailed(message, {key: message})
        for upload in files:  # each file is appended to the field by the service
            ticket_services.add_attachment(
                db.session,
                current_user,
                ticket.id,
                filename=upload.filename or "photo",
                content_type=upload.mimetype or "application/octet-stream",
                data=upload.read(),
                field_key=key,
            )
    except NotFound:
        raise
    except GongdanError as error:
        return _page(number, error=error)
    return _done(number, gettext("Photos uploaded."), "#photos")


@bp.post("/<number>/report")
def save_report(number: str) -> Response | tuple[str, int]:
    """Save the service-report fields."""
    submitted: dict[str, Any] = {}
    try:
        ticket = _ticket(number)
        version = report.parse_version(request.form)
        page = work_page(db.session, current_user, ticket)
        submitted, problems = parse_submission(
            page.ticket_type, request.form, keys=page.report_keys
        )
        if problems:
            raise ValidationFailed(gettext("Some fields could not be read."), problems)
        ticket_services.update_fields(
            db.session, current_user, ticket.id, changes=submitted, expected_version=version
        )
    except NotFound:
        raise
    except GongdanError as error:
        return _page(number, error=error, submitted=submitted)
    return _done(number, gettext("Service report saved."), "#report")


@bp.post("/<number>/signature")
def save_signature(number: str) -> Response | tuple[str, int]:
    """Store the customer's signature drawn on the pad as a PNG attachment."""
    try:
        ticket = _ticket(number)
        _check_version(ticket)
        pinned = ticket_services.pinned_definitions(db.session, ticket)
        fields = report.fields_of_type(pinned.ticket_type, "signature", {current_user.role})
        key = request.form.get("field") or (fields[0].key if fields else "")
        if key not in {f.key for f in fields}:
            raise ValidationFailed(gettext("This ticket has no signature to collect."))
        posted = request.form.get(f"f.{key}", "")
        if posted.strip().isdigit():  # the pad was not touched: it still holds the stored id
            message = gettext("Let the customer sign on the pad before saving.")
            raise ValidationFailed(message, {key: message})
        image = decode_signature(posted, field_key=key)
        # The service stores the PNG and sets the signature field to the attachment's id.
        ticket_services.add_attachment(
            db.session,
            current_user,
            ticket.id,
            filename=f"signature-{ticket.number}.png",
            content_type=image.content_type,
            data=image.data,
            field_key=key,
        )
    except NotFound:
        raise
    except GongdanError as error:
        return _page(number, error=error)
    return _done(number, gettext("Signature saved."), "#signature")


@bp.post("/<number>/transition")
def transition(number: str) -> Response | tuple[str, int]:
    """Take a workflow transition (submit for review, wait for parts ...)."""
    try:
        ticket = _ticket(number)
        key = request.form.get("transition", "")
        comment = (request.form.get("comment") or "").strip() or None
        ticket_services.run_transition(
            db.session,
            current_user,
            ticket.id,
            key,
            expected_version=report.parse_version(request.form),
            comment=comment,
        )
    except NotFound:
        raise
    except GongdanError as error:
        return _page(number, error=error)
    return _done(number, gettext("Done."))


@bp.get("/<number>/files/<int:attachment_id>")
def attachment_file(number: str, attachment_id: int) -> Response:
    """The bytes of one attachment of a ticket I may see."""
    ticket = _ticket(number)
    attachment = db.session.get(TicketAttachment, attachment_id)
    if attachment is None or attachment.ticket_id != ticket.id:
        raise NotFound(f"no attachment {attachment_id} on ticket {number}")
    return send_attachment(attachment)
