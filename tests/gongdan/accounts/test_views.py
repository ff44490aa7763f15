"""Logging in and out through the browser: credentials, throttling, CSRF, redirects."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from tests.conftest import TEST_PASSWORD


def test_login_with_the_right_password_goes_home_and_greets(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    make_user("ann", "dispatcher", display_name="安调度")
    response = client.post("/login", data={"username": "ann", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "您好，安调度" in page and "调度员" in page


def test_login_returns_to_the_page_asked_for_but_never_off_site(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    make_user("ann")
    data = {"username": "ann", "password": TEST_PASSWORD}
    response = client.post("/login?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/healthz", data=data)
    assert response.headers["Location"] == "/healthz"


def test_wrong_password_is_refused_with_one_message_for_both_cases(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    make_user("ann")
    wrong = client.post("/login", data={"username": "ann", "password": "nope"})
    unknown = client.post("/login", data={"username": "nobody", "password": "nope"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "用户名或密码错误。" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_an_inactive_user_cannot_log_in(client: FlaskClient, make_user: Any) -> None:
    make_user("gone", active=False)
    response = client.post("/login", data={"username": "gone", "password": TEST_PASSWORD})
    assert response.status_code == 401


def test_five_failures_lock_the_username_with_the_wait_in_minutes(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    make_user("ann")
    for _ in range(5):
        assert client.post("/login", data={"username": "ann", "password": "x"}).status_code == 401
    # Even the right password is refused now.
    response = client.post("/login", data={"username": "ann", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试。" in response.get_data(as_text=True)
    client.get("/language/en")
    response = client.post("/login", data={"username": "ann", "password": TEST_PASSWORD})
    assert "Too many failed attempts. Try again in 15 minutes." in response.get_data(as_text=True)


def test_five_failures_from_one_address_lock_other_usernames_too(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    make_user("ann")
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for name in ("a", "b", "c", "d", "e"):
        guesser.post("/login", data={"username": name, "password": "x"})
    response = guesser.post("/login", data={"username": "ann", "password": TEST_PASSWORD})
    assert response.status_code == 429
    # Ann herself, from her own address, is not locked out by someone else's guessing.
    colleague = app.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    response = colleague.post("/login", data={"username": "ann", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_logout_needs_a_post_and_ends_the_session(
    client: FlaskClient, login: Callable[..., Any], make_user: Any
) -> None:
    make_user("ann")
    login("ann")
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_language_choice_is_remembered_on_the_user(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    make_user("ann")
    first = app.test_client()
    first.post("/login", data={"username": "ann", "password": TEST_PASSWORD})
    first.get("/language/en")
    second = app.test_client()
    second.post("/login", data={"username": "ann", "password": TEST_PASSWORD})
    assert "Latest tickets" in second.get("/").get_data(as_text=True)


def _csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "the login form carries a CSRF token"
    return match.group(1)


def test_login_with_the_form_token_works_when_csrf_is_on(
    csrf_app: Flask, make_user: Callable[..., Any]
) -> None:
    make_user("ann")
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": "ann", "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_a_missing_or_forged_csrf_token_is_rejected(
    csrf_app: Flask, make_user: Callable[..., Any]
) -> None:
    make_user("ann")
    client = csrf_app.test_client()
    real = _csrf_token(client.get("/login").get_data(as_text=True))
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    for extra in ({}, {"csrf_token": forged}, {"csrf_token": "not-a-token"}):
        response = client.post(
            "/login", data={"username": "ann", "password": TEST_PASSWORD, **extra}
        )
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "表单已过期或并非由本站提交" in page
        assert "Traceback" not in page
    assert client.get("/").status_code == 302  # still not logged in


def test_a_token_from_another_session_is_rejected(
    csrf_app: Flask, make_user: Callable[..., Any]
) -> None:
    make_user("ann")
    attacker = csrf_app.test_client()
    token = _csrf_token(attacker.get("/login").get_data(as_text=True))
    victim = csrf_app.test_client()
    victim.get("/login")
    response = victim.post(
        "/login", data={"username": "ann", "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400


def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    app = make_app(GONGDAN_TRUSTED_PROXIES=1)
    make_user("ann")
    client = app.test_client()
    guesser = {"X-Forwarded-For": "203.0.113.9"}
    for name in ("a", "b", "c", "d", "e"):
        client.post("/login", data={"username": name, "password": "x"}, headers=guesser)
    data = {"username": "ann", "password": TEST_PASSWORD}
    assert client.post("/login", data=data, headers=guesser).status_code == 429
    other = {"X-Forwarded-For": "198.51.100.7"}
    assert client.post("/login", data=data, headers=other).status_code == 302
