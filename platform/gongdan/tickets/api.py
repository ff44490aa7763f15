"""REST endpoints of tickets: create, read, list, update fields, transitions, transfer, assign,
comments, attachments and the timeline (mounted under ``/api/v1`` by :mod:`gongdan.api`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request, send_file
from sqlalchemy import select
from werkzeug.wrappers import Response

from gongdan.accounts.policy import is_customer
from gongdan.api.auth import api_user
from gongdan.api.errors import ApiError
from gongdan.api.openapi import Operation, Param, json_body, json_response, operation
from gongdan.api.pagination import PageRequest, paginate
from gongdan.api.schemas import ref
from gongdan.api.serialize import attachment_json, comment_json, event_json, ticket_json
from gongdan.api.ticket_filters import LIST_PARAMS, filtered_tickets
from gongdan.db import db
from gongdan.errors import NotFound
from gongdan.tickets import services
from gongdan.tickets.models import Ticket, TicketAttachment, TicketComment, TicketEvent
from gongdan.tickets.visibility import visible_tickets

bp = Blueprint("tickets_api", __name__)

TAG = "tickets"
_TICKET = json_response("the ticket", ref("Ticket"))
_IF_MATCH = Param(
    "If-Match", {"type": "string"}, "the ticket version read, instead of 'version'", "header"
)


def _ticket_response(ticket: Ticket, status: int = 200) -> Response:
    response = jsonify(ticket_json(db.session, ticket, api_user()))
    response.status_code = status
    response.headers["ETag"] = f'"{ticket.version}"'
    return response


def expected_version(body: dict[str, Any]) -> int:
    """The version the client read: ``version`` in the body or the ``If-Match`` header."""
    if "version" in body:
        return int(body["version"])
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if header.isdigit():
        return int(header)
    raise ApiError(
        422,
        "validation_failed",
        "send the ticket version you read ('version' or If-Match)",
        {"version": "is required"},
    )


@bp.post("/tickets")
@operation(Operation("Create a ticket", TAG, {201: _TICKET}, body=ref("TicketCreate")))
def create_ticket() -> Response:
    body = json_body("TicketCreate")
    ticket = services.create_ticket(
        db.session,
        api_user(),
        type_key=body["type"],
        channel=body.get("channel", "api"),
        fields=body.get("fields") or {},
        priority=body.get("priority"),
        subject=body.get("subject"),
        customer_id=body.get("customer_id"),
        contact_id=body.get("contact_id"),
        address_id=body.get("address_id"),
        asset_id=body.get("asset_id"),
        department=body.get("department"),
    )
    return _ticket_response(ticket, 201)


@bp.get("/tickets/<id:ticket_id>")
@operation(Operation("Get a ticket", TAG, {200: _TICKET}))
def get_ticket(ticket_id: int) -> Response:
    return _ticket_response(services.get_ticket(db.session, api_user(), ticket_id))


@bp.get("/tickets/by-number/<number>")
@operation(Operation("Get a ticket by its number", TAG, {200: _TICKET}))
def get_ticket_by_number(number: str) -> Response:
    return _ticket_response(services.get_ticket_by_number(db.session, api_user(), number))


@bp.get("/tickets")
@operation(
    Operation(
        "List the tickets you may see, filtered, sorted and paginated",
        TAG,
        {200: json_response("one page of tickets", ref("TicketPage"))},
        params=LIST_PARAMS,
        errors=(400, 401),
    )
)
def list_tickets() -> Response:
    user = api_user()
    page = PageRequest.from_args(request.args)
    query = filtered_tickets(visible_tickets(user))
    return jsonify(paginate(db.session, query, page, lambda t: ticket_json(db.session, t, user)))


_VERSIONED = (401, 403, 404, 409)


@bp.patch("/tickets/<id:ticket_id>")
@operation(
    Operation(
        "Change form fields (send the version read)",
        TAG,
        {200: _TICKET},
        body=ref("TicketPatch"),
        params=(_IF_MATCH,),
        errors=_VERSIONED,
    )
)
def update_ticket(ticket_id: int) -> Response:
    body = json_body("TicketPatch")
    ticket = services.update_fields(
        db.session,
        api_user(),
        ticket_id,
        changes=body["fields"],
        expected_version=expected_version(body),
    )
    return _ticket_response(ticket)


@bp.get("/tickets/<id:ticket_id>/transitions")
@operation(
    Operation(
        "Transitions you may run now",
        TAG,
        {
            200: json_response(
                "available transitions", {"type": "array", "items": ref("Transition")}
            )
        },
    )
)
def available_transitions(ticket_id: int) -> Response:
    user = api_user()
    ticket = services.get_ticket(db.session, user, ticket_id)
    return jsonify(
        [
            {
                "key": t.key,
                "title": dict(t.title),
                "to": t.target,
                "require_fields": list(t.require_fields),
                "comment": t.comment,
            }
            for t in services.available_transitions(db.session, user, ticket)
        ]
    )


@bp.post("/tickets/<id:ticket_id>/transitions/<transition_key>")
@operation(
    Operation(
        "Run a workflow transition",
        TAG,
        {200: _TICKET},
        body=ref("TransitionRun"),
        params=(_IF_MATCH,),
        errors=_VERSIONED,
    )
)
def run_transition(ticket_id: int, transition_key: str) -> Response:
    body = json_body("TransitionRun")
    ticket = services.run_transition(
        db.session,
        api_user(),
        ticket_id,
        transition_key,
        expected_version=expected_version(body),
        fields=body.get("fields"),
        comment=body.get("comment"),
    )
    return _ticket_response(ticket)


@bp.post("/tickets/<id:ticket_id>/transfer")
@operation(
    Operation(
        "Transfer to another department along the workflow's transfer paths",
        TAG,
        {200: _TICKET},
        body=ref("Transfer"),
        params=(_IF_MATCH,),
        errors=_VERSIONED,
    )
)
def transfer_ticket(ticket_id: int) -> Response:
    body = json_body("Transfer")
    ticket = services.transfer_ticket(
        db.session,
        api_user(),
        ticket_id,
        department=body["department"],
        reason=body["reason"],
        expected_version=expected_version(body),
    )
    return _ticket_response(ticket)


@bp.post("/tickets/<id:ticket_id>/assign")
@operation(
    Operation(
        "Assign or reassign (manual dispatch) with a reason",
        TAG,
        {200: _TICKET},
        body=ref("Assign"),
        params=(_IF_MATCH,),
        errors=_VERSIONED,
    )
)
def assign_ticket(ticket_id: int) -> Response:
    body = json_body("Assign")
    ticket = services.assign_ticket(
        db.session,
        api_user(),
        ticket_id,
        assignee_id=body["assignee_id"],
        reason=body["reason"],
        expected_version=expected_version(body),
        department=body.get("department"),
    )
    return _ticket_response(ticket)


@bp.get("/tickets/<id:ticket_id>/comments")
@operation(
    Operation(
        "Comments (customers see only public ones)",
        TAG,
        {200: json_response("comments, oldest first", {"type": "array", "items": ref("Comment")})},
    )
)
def list_comments(ticket_id: int) -> Response:
    user = api_user()
    ticket = services.get_ticket(db.session, user, ticket_id)
    query = select(TicketComment).where(TicketComment.ticket_id == ticket.id)
    if is_customer(user):
        query = query.where(TicketComment.internal.is_(False))
    comments = db.session.scalars(query.order_by(TicketComment.id)).all()
    return jsonify([comment_json(c) for c in comments])


@bp.post("/tickets/<id:ticket_id>/comments")
@operation(
    Operation(
        "Add a comment (internal ones are staff only)",
        TAG,
        {201: json_response("the comment", ref("Comment"))},
        body=ref("CommentCreate"),
    )
)
def add_comment(ticket_id: int) -> tuple[Response, int]:
    body = json_body("CommentCreate")
    comment = services.add_comment(
        db.session, api_user(), ticket_id, body=body["body"], internal=body.get("internal", False)
    )
    return jsonify(comment_json(comment)), 201


@bp.get("/tickets/<id:ticket_id>/attachments")
@operation(
    Operation(
        "Attachments (customers see only public ones)",
        TAG,
        {200: json_response("attachments", {"type": "array", "items": ref("Attachment")})},
    )
)
def list_attachments(ticket_id: int) -> Response:
    user = api_user()
    ticket = services.get_ticket(db.session, user, ticket_id)
    query = select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)
    if is_customer(user):
        query = query.where(TicketAttachment.internal.is_(False))
    attachments = db.session.scalars(query.order_by(TicketAttachment.id)).all()
    return jsonify([attachment_json(a) for a in attachments])


@bp.post("/tickets/<id:ticket_id>/attachments")
@operation(
    Operation(
        "Upload an attachment (multipart/form-data, part 'file')",
        TAG,
        {201: json_response("the attachment", ref("Attachment"))},
        body=ref("AttachmentUpload"),
        body_type="multipart/form-data",
        errors=(401, 403, 404, 413),
    )
)
def upload_attachment(ticket_id: int) -> tuple[Response, int]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(
            400,
            "bad_request",
            "send the file as multipart/form-data part 'file'",
            {"file": "is required"},
        )
    attachment = services.add_attachment(
        db.session,
        api_user(),
        ticket_id,
        filename=upload.filename,
        content_type=upload.mimetype or "application/octet-stream",
        data=upload.read(),
        field_key=request.form.get("field_key") or None,
        internal=request.form.get("internal", "").lower() in ("1", "true", "yes"),
    )
    return jsonify(attachment_json(attachment)), 201


@bp.get("/attachments/<id:attachment_id>")
@operation(
    Operation(
        "Download an attachment (only if you may see its ticket)",
        TAG,
        {200: ("the file", {"type": "string", "format": "binary"}, "application/octet-stream")},
    )
)
def download_attachment(attachment_id: int) -> Response:
    user = api_user()
    attachment = db.session.get(TicketAttachment, attachment_id)
    if attachment is None or (attachment.internal and is_customer(user)):
        raise NotFound(f"no attachment {attachment_id}")
    try:
        services.get_ticket(db.session, user, attachment.ticket_id)
    except NotFound:
        raise NotFound(f"no attachment {attachment_id}") from None
    path = services.attachment_path(current_app, attachment)
    return send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
    )


@bp.get("/tickets/<id:ticket_id>/events")
@operation(
    Operation(
        "The timeline (customers see only public events)",
        TAG,
        {200: json_response("events, oldest first", {"type": "array", "items": ref("Event")})},
    )
)
def list_events(ticket_id: int) -> Response:
    user = api_user()
    ticket = services.get_ticket(db.session, user, ticket_id)
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
    if is_customer(user):
        query = query.where(TicketEvent.public.is_(True))
    events = db.session.scalars(query.order_by(TicketEvent.id)).all()
    return jsonify([event_json(e) for e in events])
