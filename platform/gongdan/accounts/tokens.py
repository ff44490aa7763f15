"""API tokens: create, authenticate, list and revoke the bearer tokens of the REST API.

A token reads ``gd_<prefix>_<secret>``. The prefix (8 hex digits) is public: it names the token
in lists and in ``gongdan token revoke``. The database keeps only the SHA-256 of the whole
token, so a leaked database does not leak working tokens, and the secret is shown once.

Typical use in an API view::

    raw = bearer_token(request.headers.get("Authorization"))
    user = authenticate_token(db.session, raw) if raw else None
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.accounts.models import ApiToken, User
from gongdan.db import utcnow
from gongdan.errors import NotFound, ValidationFailed

#: What every token starts with, so scanners and people recognise one.
TOKEN_SCHEME = "gd"
#: ``last_used_at`` is written at most this often per token (not on every request).
LAST_USED_RESOLUTION = timedelta(minutes=1)
#: Longest accepted token name.
MAX_NAME_LENGTH = 100

_TOKEN = re.compile(rf"^{TOKEN_SCHEME}_([0-9a-f]{{8}})_([A-Za-z0-9_-]{{20,100}})$")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A newly created token: the stored row and the secret, which is never shown again."""

    token: ApiToken
    secret: str


def hash_token(raw: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    """The token in an ``Authorization: Bearer <token>`` header value, else ``None``."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def create_token(
    session: Session,
    user: User,
    *,
    name: str = "",
    expires_in: timedelta | None = None,
    now: datetime | None = None,
) -> IssuedToken:
    """Create a token for ``user`` (added to the session, not committed).

    :param expires_in: lifetime from now; ``None`` for a token that never expires.
    :raises ValidationFailed: the user is inactive, the name too long or the lifetime not
        positive.
    """
    now = now or utcnow()
    problems: dict[str, str] = {}
    name = name.strip()
    if not user.active:
        problems["user"] = f"user {user.username!r} is deactivated"
    if len(name) > MAX_NAME_LENGTH:
        problems["name"] = f"name is longer than {MAX_NAME_LENGTH} characters"
    if expires_in is not None and expires_in <= timedelta(0):
        problems["expires_in"] = f"lifetime must be positive, not {expires_in}"
    if problems:
        raise ValidationFailed("; ".join(problems.values()), fields=problems)
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(secret),
        prefix=prefix,
        created_at=now,
        expires_at=now + expires_in if expires_in is not None else None,
    )
    session.add(token)
    session.flush()
    return IssuedToken(token=token, secret=secret)


def authenticate_token(
    session: Session, raw: str, *, now: datetime | None = None, commit: bool = True
) -> User | None:
    """The active user a token belongs to, or ``None`` for any token that does not work.

    Unknown, malformed, revoked and expired tokens and deactivated users all give ``None``
    (deliberately not told apart). The hash is compared in constant time. ``last_used_at`` is
    updated at most once a minute; with ``commit`` (the default) that update is committed at
    once, so call this before the request changes anything else.
    """
    match = _TOKEN.match(raw.strip()) if raw else None
    if match is None:
        return None
    now = now or utcnow()
    digest = hash_token(raw.strip())
    candidates = session.scalars(select(ApiToken).where(ApiToken.prefix == match.group(1)))
    token = next(
        (t for t in candidates if hmac.compare_digest(t.token_hash, digest)),
        None,
    )
    if token is None or not token.usable_at(now):
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        if commit:
            session.commit()
        else:
            session.flush()
    return user


def find_token(session: Session, reference: str) -> ApiToken:
    """A token by its prefix (as ``gongdan token list`` shows it) or its numeric id.

    :raises NotFound: no token, or a prefix shared by several tokens (give the id then).
    """
    reference = reference.strip()
    if reference.isdigit():
        token = session.get(ApiToken, int(reference))
        if token is not None:
            return token
    matches = list(session.scalars(select(ApiToken).where(ApiToken.prefix == reference)))
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise NotFound(f"several tokens have the prefix {reference!r}; give the token id")
    raise NotFound(f"no API token {reference!r}")


def revoke_token(session: Session, token: ApiToken, *, now: datetime | None = None) -> bool:
    """Revoke ``token`` (not committed); ``False`` if it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    session.flush()
    return True


def list_tokens(session: Session, user: User | None = None) -> list[ApiToken]:
    """Every token (of ``user`` if given), newest first, revoked ones included."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))
