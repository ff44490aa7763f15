"""Account services: password hashing, throttling windows, user creation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.accounts.models import LoginAttempt, User
from gongdan.accounts.services import (
    InvalidCredentials,
    LoginThrottled,
    authenticate,
    create_user,
    forget_old_attempts,
)
from gongdan.db import utcnow
from gongdan.errors import ValidationFailed


def test_passwords_are_stored_hashed(session: Session) -> None:
    user = create_user(session, "ann", "agent", "s3cret!")
    session.commit()
    assert "s3cret!" not in user.password_hash
    assert user.check_password("s3cret!") and not user.check_password("S3cret!")


def test_create_user_reports_every_problem(session: Session) -> None:
    create_user(session, "ann", "agent", "pw")
    session.commit()
    with pytest.raises(ValidationFailed) as caught:
        create_user(session, "ann", "wizard", "")
    assert caught.value.fields == {
        "username": "username 'ann' is already taken",
        "role": "unknown role 'wizard'; expected one of admin, manager, dispatcher, agent, "
        "engineer, customer",
        "password": "password must not be empty",
    }


def test_throttle_lifts_when_the_oldest_failure_leaves_the_window(session: Session) -> None:
    create_user(session, "ann", "agent", "pw")
    session.commit()
    start = utcnow()
    for minute in range(5):
        with pytest.raises(InvalidCredentials):
            authenticate(session, "ann", "bad", "10.0.0.1", now=start + timedelta(minutes=minute))
    with pytest.raises(LoginThrottled) as caught:
        authenticate(session, "ann", "pw", "10.0.0.2", now=start + timedelta(minutes=5))
    assert caught.value.retry_minutes == 10
    assert caught.value.status == 429
    user = authenticate(
        session, "ann", "pw", "10.0.0.2", now=start + timedelta(minutes=15, seconds=1)
    )
    assert user.username == "ann"
    # A successful login clears the username's failures.
    assert session.scalars(select(LoginAttempt).where(LoginAttempt.username == "ann")).all() == []


def test_old_attempts_are_forgotten(session: Session) -> None:
    old = utcnow() - timedelta(hours=1)
    session.add_all([LoginAttempt(username="x", address="a", attempted_at=old) for _ in range(3)])
    session.add(LoginAttempt(username="x", address="a"))
    session.commit()
    assert forget_old_attempts(session) == 3
    session.commit()
    assert len(session.scalars(select(LoginAttempt)).all()) == 1


def test_users_get_pack_roles_too(session: Session) -> None:
    from gongdan.definitions.models import DefinitionRevision

    session.add(
        DefinitionRevision(kind="Role", key="service_manager", revision=1, content_hash="h",
                           document={}, status="active", author="t")
    )  # fmt: skip
    session.flush()
    user = create_user(session, "sm", "service_manager", "pw")
    session.commit()
    assert session.get(User, user.id).role == "service_manager"
