"""API tokens: create, authenticate, revoke, expire; the ``gongdan token`` commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.accounts.models import ApiToken, User
from gongdan.accounts.tokens import (
    authenticate_token,
    bearer_token,
    create_token,
    find_token,
    hash_token,
    list_tokens,
    revoke_token,
)
from gongdan.db import db, utcnow
from gongdan.errors import NotFound, ValidationFailed


def _user(session: Session, username: str = "api", **attrs: object) -> User:
    user = User(username=username, role="agent", display_name=username, **attrs)
    session.add(user)
    session.commit()
    return user


def test_a_token_authenticates_its_user_and_only_its_hash_is_stored(session: Session) -> None:
    user = _user(session)
    issued = create_token(session, user, name="CTI")
    session.commit()
    assert issued.secret.startswith(f"gd_{issued.token.prefix}_")
    stored = session.scalars(select(ApiToken)).one()
    assert stored.token_hash == hash_token(issued.secret)
    assert issued.secret not in (stored.token_hash, stored.prefix, stored.name)
    assert authenticate_token(session, issued.secret) == user


@pytest.mark.parametrize(
    "raw",
    ["", "nonsense", "gd_00000000_" + "x" * 43, "Bearer gd_", "gd_zzzzzzzz_" + "y" * 43],
)
def test_unknown_and_malformed_tokens_get_nobody(session: Session, raw: str) -> None:
    create_token(session, _user(session))
    session.commit()
    assert authenticate_token(session, raw) is None


def test_a_token_with_a_known_prefix_but_a_wrong_secret_fails(session: Session) -> None:
    issued = create_token(session, _user(session))
    session.commit()
    forged = f"gd_{issued.token.prefix}_" + "A" * 43
    assert authenticate_token(session, forged) is None


def test_revoked_tokens_stop_working(session: Session) -> None:
    issued = create_token(session, _user(session))
    session.commit()
    assert revoke_token(session, issued.token) is True
    session.commit()
    assert revoke_token(session, issued.token) is False
    assert authenticate_token(session, issued.secret) is None


def test_tokens_expire(session: Session) -> None:
    start = utcnow()
    issued = create_token(session, _user(session), expires_in=timedelta(days=1), now=start)
    session.commit()
    assert authenticate_token(session, issued.secret, now=start + timedelta(hours=23)) is not None
    assert authenticate_token(session, issued.secret, now=start + timedelta(days=1)) is None


def test_tokens_of_deactivated_users_stop_working(session: Session) -> None:
    user = _user(session)
    issued = create_token(session, user)
    session.commit()
    user.active = False
    session.commit()
    assert authenticate_token(session, issued.secret) is None
    with pytest.raises(ValidationFailed) as caught:
        create_token(session, user)
    assert caught.value.fields == {"user": "user 'api' is deactivated"}


def test_last_use_is_written_at_most_once_a_minute(session: Session) -> None:
    start = utcnow()
    issued = create_token(session, _user(session), now=start)
    session.commit()
    authenticate_token(session, issued.secret, now=start)
    authenticate_token(session, issued.secret, now=start + timedelta(seconds=59))
    session.expire_all()
    assert issued.token.last_used_at == start
    authenticate_token(session, issued.secret, now=start + timedelta(seconds=61))
    session.expire_all()
    assert issued.token.last_used_at == start + timedelta(seconds=61)


def test_create_token_rejects_a_non_positive_lifetime_and_a_long_name(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        create_token(session, _user(session), name="n" * 101, expires_in=timedelta(0))
    assert caught.value.fields == {
        "name": "name is longer than 100 characters",
        "expires_in": "lifetime must be positive, not 0:00:00",
    }


def test_find_token_by_prefix_or_id(session: Session) -> None:
    issued = create_token(session, _user(session))
    session.commit()
    assert find_token(session, issued.token.prefix) is issued.token
    assert find_token(session, str(issued.token.id)) is issued.token
    with pytest.raises(NotFound, match="no API token 'nope'"):
        find_token(session, "nope")


def test_list_tokens_of_one_user(session: Session) -> None:
    ann, bob = _user(session, "ann"), _user(session, "bob")
    create_token(session, ann, name="one")
    create_token(session, bob, name="two")
    session.commit()
    assert [t.name for t in list_tokens(session, ann)] == ["one"]
    assert len(list_tokens(session)) == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer gd_abc", "gd_abc"),
        ("bearer   gd_abc  ", "gd_abc"),
        ("Basic Zm9vOmJhcg==", None),
        ("Bearer ", None),
        (None, None),
    ],
)
def test_bearer_token_reads_the_authorization_header(
    header: str | None, expected: str | None
) -> None:
    assert bearer_token(header) == expected


def test_cli_prints_the_token_once_and_it_works(
    app: Flask, runner: FlaskCliRunner, make_user: Callable[..., User]
) -> None:
    make_user("cti", "agent")
    result = runner.invoke(args=["token", "create", "cti", "--name", "call centre"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("gd_") and result.output.count(secret) == 1
    assert "cannot be shown again" in result.stderr
    with app.app_context():
        user = authenticate_token(db.session, secret)
        assert user is not None and user.username == "cti"
    listed = runner.invoke(args=["token", "list"])
    assert listed.exit_code == 0
    assert "call centre" in listed.output and secret not in listed.output
    prefix = secret.split("_")[1]
    revoked = runner.invoke(args=["token", "revoke", prefix])
    assert revoked.exit_code == 0
    assert f"Revoked API token {prefix} of 'cti'." in revoked.output
    with app.app_context():
        assert authenticate_token(db.session, secret) is None
    listed = runner.invoke(args=["token", "list", "cti"])
    assert "revoked" in listed.output


def test_cli_reports_an_unknown_user_without_a_traceback(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["token", "create", "ghost", "--expires-days", "3"])
    assert result.exit_code == 1
    assert "Error: no user 'ghost'" in result.output
    assert "Traceback" not in result.output
