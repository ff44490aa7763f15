"""The survey link's token: the invitation id and its nonce, signed with the app's SECRET_KEY.

The signature stops forged and tampered links before the database is read; the nonce, compared
with the invitation row, stops a link made for one invitation from opening another (and lets an
invitation's link be revoked by changing it). Expiry is the invitation's ``expires_at`` in the
database, not a timestamp in the token, so an admin can extend it.
"""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

#: Separates survey tokens from anything else signed with the same key.
SALT = "gongdan.survey-link"


def new_nonce() -> str:
    """A fresh random nonce for an invitation."""
    return secrets.token_hex(8)


def _serializer(secret_key: str | bytes | None = None) -> URLSafeSerializer:
    key = secret_key if secret_key is not None else current_app.config["SECRET_KEY"]
    return URLSafeSerializer(key, salt=SALT)


def make_token(invitation_id: int, nonce: str, secret_key: str | bytes | None = None) -> str:
    """The token of the link to invitation ``invitation_id``."""
    return _serializer(secret_key).dumps([invitation_id, nonce])


def read_token(token: str, secret_key: str | bytes | None = None) -> tuple[int, str] | None:
    """``(invitation id, nonce)`` from a genuine token; ``None`` for a forged or damaged one."""
    if not token or len(token) > 200:
        return None
    try:
        payload = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or isinstance(payload[0], bool)
        or not isinstance(payload[1], str)
    ):
        return None
    return payload[0], payload[1]
