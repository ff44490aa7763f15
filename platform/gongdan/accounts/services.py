"""Accounts services: creating users, checking passwords, throttling login attempts."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gongdan.accounts.models import ROLES, LoginAttempt, User
from gongdan.db import utcnow
from gongdan.definitions.models import DefinitionRevision
from gongdan.errors import GongdanError, ValidationFailed

#: Failed attempts (per username or per client address) that lock logins ...
MAX_FAILED_ATTEMPTS = 5
#: ... within this window, and for as long as it takes the oldest of them to leave it.
THROTTLE_WINDOW = timedelta(minutes=15)


class InvalidCredentials(GongdanError):
    """Unknown user, wrong password or a deactivated account (deliberately not told apart)."""

    code = "invalid_credentials"
    status = 401


class LoginThrottled(GongdanError):
    """Too many failed logins for this username or address; ``retry_after`` in seconds."""

    code = "login_throttled"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def retry_minutes(self) -> int:
        """Whole minutes to wait, at least one."""
        return max(1, math.ceil(self.retry_after / 60))


def throttled_until(
    session: Session, username: str, address: str, now: datetime | None = None
) -> datetime | None:
    """When logins for ``username`` or from ``address`` unlock, or ``None`` if they are open."""
    now = now or utcnow()
    since = now - THROTTLE_WINDOW
    unlock: datetime | None = None
    for column, value in ((LoginAttempt.username, username), (LoginAttempt.address, address)):
        recent = session.scalars(
            select(LoginAttempt.attempted_at)
            .where(column == value, LoginAttempt.attempted_at > since)
            .order_by(LoginAttempt.attempted_at.desc())
            .limit(MAX_FAILED_ATTEMPTS)
        ).all()
        if len(recent) >= MAX_FAILED_ATTEMPTS:
            # Unlocks when the oldest of the last N failures leaves the window.
            candidate = recent[-1] + THROTTLE_WINDOW
            unlock = candidate if unlock is None else max(unlock, candidate)
    return unlock


def authenticate(
    session: Session, username: str, password: str, address: str, now: datetime | None = None
) -> User:
    """Check a login; record failures and refuse while throttled.

    :raises LoginThrottled: five failures for this username or address in fifteen minutes.
    :raises InvalidCredentials: the username, password or account state is wrong.
    """
    now = now or utcnow()
    username = username.strip()
    unlock = throttled_until(session, username, address, now)
    if unlock is not None:
        wait = max(1, math.ceil((unlock - now).total_seconds()))
        raise LoginThrottled(
            f"too many failed logins for {username!r} or from {address!r}", retry_after=wait
        )
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(password):
        session.add(LoginAttempt(username=username[:80], address=address[:64], attempted_at=now))
        session.commit()
        raise InvalidCredentials(f"invalid username or password for {username!r}")
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
    session.commit()
    return user


def forget_old_attempts(session: Session, now: datetime | None = None) -> int:
    """Delete failures older than the throttle window; returns how many went."""
    cutoff = (now or utcnow()) - THROTTLE_WINDOW
    result = session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def known_roles(session: Session) -> list[str]:
    """The built-in roles followed by the roles the active definitions add."""
    defined = session.scalars(
        select(DefinitionRevision.key)
        .where(DefinitionRevision.kind == "Role", DefinitionRevision.status == "active")
        .order_by(DefinitionRevision.key)
    )
    return [*ROLES, *(key for key in defined if key not in ROLES)]


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    display_name: str | None = None,
    **attributes: object,
) -> User:
    """Create a user with a hashed password (not committed).

    :raises ValidationFailed: the role is unknown, the username taken or the password empty.
    """
    problems: dict[str, str] = {}
    username = username.strip()
    if not username:
        problems["username"] = "username must not be empty"
    elif session.scalar(select(func.count()).where(User.username == username)):
        problems["username"] = f"username {username!r} is already taken"
    roles = known_roles(session)
    if role not in roles:
        problems["role"] = f"unknown role {role!r}; expected one of {', '.join(roles)}"
    if not password:
        problems["password"] = "password must not be empty"
    if problems:
        raise ValidationFailed("; ".join(problems.values()), fields=problems)
    user = User(username=username, role=role, display_name=display_name or username, **attributes)
    user.set_password(password)
    session.add(user)
    return user
