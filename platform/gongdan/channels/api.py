"""``POST /inbound/{channel}``: messages from e-mail and WeChat/SMS gateways.

The channel's ``InboundChannel`` definition says how to check the sender (a shared secret or
an HMAC signature; without one an API token is required) and how the message maps to a ticket.
"""

from __future__ import annotations

import os

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.wrappers import Response

from gongdan.accounts.policy import is_customer
from gongdan.api.auth import public
from gongdan.api.errors import ApiError
from gongdan.api.openapi import Operation, Param, json_response, operation
from gongdan.api.schemas import ref
from gongdan.api.serialize import ticket_json
from gongdan.channels.email import parse_email, thread_ids
from gongdan.channels.webhook import InboundResult, SignatureInvalid, receive, verify_signature
from gongdan.db import db
from gongdan.definitions.compiled import CompiledInboundChannel
from gongdan.definitions.registry import compiled_active_set
from gongdan.errors import NotFound

bp = Blueprint("channels_api", __name__)

_DESCRIPTION = (
    "For a channel of format 'email' send the raw RFC 822 message as the body "
    "(Content-Type message/rfc822) or as multipart part 'message'; for the others a JSON "
    "object, mapped to ticket fields as the InboundChannel definition declares. A message "
    "that names an existing ticket of the same customer becomes a comment on it."
)


def _authorise(channel: CompiledInboundChannel, body: bytes) -> None:
    if channel.verify is not None:
        name = channel.verify["secret_setting"]
        secret = current_app.config.get(name) or os.environ.get(name)
        try:
            verify_signature(channel, request.headers, body, secret)
        except SignatureInvalid as error:
            current_app.logger.warning("inbound %s refused: %s", channel.key, error)
            raise ApiError(401, "unauthorized", "the message signature is invalid") from None
        return
    user = g.get("api_user")
    if user is None:
        raise ApiError(401, "unauthorized", "send 'Authorization: Bearer <token>'")
    if is_customer(user):
        raise ApiError(403, "forbidden", "customers may not feed inbound channels")


def _result_json(result: InboundResult) -> dict[str, object]:
    return {
        "action": result.action,
        "ticket": ticket_json(db.session, result.ticket, None),
        "comment_id": result.comment_id,
        "attachment_ids": result.attachment_ids,
    }


@bp.post("/inbound/<channel_key>")
@public
@operation(
    Operation(
        "Receive a message of an inbound channel (e-mail, WeChat, SMS gateway)",
        "inbound",
        {
            201: json_response("a ticket was created", ref("InboundResult")),
            200: json_response(
                "the message was added to the ticket it answers", ref("InboundResult")
            ),
        },
        params=(
            Param(
                "X-Gateway-Signature",
                {"type": "string"},
                "HMAC-SHA256 of the body, when the channel declares it",
                "header",
            ),
        ),
        body={"type": "object", "description": "the gateway's JSON message"},
        errors=(400, 401, 403, 404, 413, 422),
        description=_DESCRIPTION,
        extra={
            # A channel with a signature check needs no token; the others need one.
            "security": [{"bearerAuth": []}, {}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {"message": {"type": "string", "format": "binary"}},
                            "required": ["message"],
                        }
                    },
                },
            },
        },
    )
)
def receive_message(channel_key: str) -> tuple[Response, int]:
    channel = compiled_active_set(db.session).inbound_channels.get(channel_key)
    if channel is None:
        raise NotFound(f"no inbound channel {channel_key!r}")
    if channel.format == "email" and request.mimetype == "multipart/form-data":
        upload = request.files.get("message")
        if upload is None:
            raise ApiError(
                400, "bad_request", "send the message as part 'message'", {"message": "is required"}
            )
        body = upload.read()
    else:
        body = request.get_data(cache=True)
    _authorise(channel, body)
    if channel.format == "email":
        payload, files, numbers = parse_email(body)
        result = receive(
            db.session,
            channel,
            payload,
            files,
            extra_reply_texts=numbers,
            thread_ids=thread_ids(payload),
        )
    else:
        data = request.get_json(silent=True) if request.is_json else None
        if not isinstance(data, dict):
            raise ApiError(400, "bad_request", "send a JSON object (Content-Type application/json)")
        result = receive(db.session, channel, data)
    return jsonify(_result_json(result)), 201 if result.action == "created" else 200
