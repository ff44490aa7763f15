"""Who is calling the API: a bearer token, or for reads, the browser's logged-in session."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import g, request
from flask_login import current_user

from gongdan.accounts.models import User
from gongdan.accounts.tokens import authenticate_token, bearer_token
from gongdan.api.errors import ApiError
from gongdan.db import db

F = TypeVar("F", bound=Callable[..., object])

#: Methods a logged-in browser session may use without a token (the UI reads the API).
SESSION_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def public(view: F) -> F:
    """Mark a view that authenticates callers itself (inbound webhooks, the OpenAPI document)."""
    view.api_public = True  # type: ignore[attr-defined]
    return view


def authenticate_request(view: Callable[..., object] | None) -> None:
    """Set ``g.api_user`` for the request, or raise a 401 :class:`ApiError`.

    A token that does not work is refused even when a session cookie would do: a client that
    sends credentials means those.
    """
    g.api_user = None
    header = request.headers.get("Authorization")
    if header is not None:
        raw = bearer_token(header)
        user = authenticate_token(db.session, raw) if raw else None
        if user is None:
            if view is not None and getattr(view, "api_public", False):
                return
            raise ApiError(401, "unauthorized", "the bearer token is invalid, expired or revoked")
        g.api_user = user
        return
    if view is not None and getattr(view, "api_public", False):
        return
    if request.method in SESSION_METHODS and current_user.is_authenticated:
        g.api_user = current_user._get_current_object()
        return
    raise ApiError(401, "unauthorized", "send 'Authorization: Bearer <token>'")


def api_user() -> User:
    """The authenticated caller of this request."""
    user: User | None = g.get("api_user")
    if user is None:
        raise ApiError(401, "unauthorized", "send 'Authorization: Bearer <token>'")
    return user
