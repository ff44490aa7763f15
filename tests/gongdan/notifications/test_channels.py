"""The channels: folder by default, HTTP gateways, signed webhooks, SMTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from gongdan import create_app
from gongdan.notifications import channels
from gongdan.notifications.channels import (
    FolderChannel,
    HttpGatewayChannel,
    OutgoingMessage,
    SmtpChannel,
    WebhookChannel,
    channel_for,
)

MESSAGE = OutgoingMessage(
    outbox_id=42, channel="sms", address="13900000001", recipient_kind="customer",
    recipient_name="王经理", language="zh", subject="", body="工单 RP-1 已受理",
    ticket_id=1, event="created", template_key="ticket_received", dedupe_key="9:ticket_received",
)  # fmt: skip


class Gateway:
    """A local HTTP server answering with ``status`` and keeping what it received."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[tuple[dict[str, str], bytes]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append((dict(self.headers), body))
                self.send_response(gateway.status)
                self.end_headers()
                self.wfile.write(b'{"id": "msg-1"}')

            def log_message(self, *args: Any) -> None:
                return None

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway()
    yield server
    server.close()


def _app(tmp_path: Path, **config: Any) -> Flask:
    settings = {"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                "SQLALCHEMY_DATABASE_URI": "sqlite://", "GONGDAN_LOAD_PLUGINS": False}  # fmt: skip
    return create_app({**settings, **config})


def test_every_channel_writes_to_the_folder_until_a_gateway_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SMTP_HOST", "SMS_GATEWAY_URL", "WECHAT_GATEWAY_URL", "NOTIFICATION_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    app = _app(tmp_path)
    for name in ("email", "sms", "wechat", "webhook"):
        channel = channel_for(app, name)
        assert isinstance(channel, FolderChannel)
        assert channel.directory == tmp_path / "outbox"
    assert channel_for(app, "pigeon") is None
    configured = _app(tmp_path, SMS_GATEWAY_URL="http://gw/sms", SMTP_HOST="mail")
    assert isinstance(channel_for(configured, "sms"), HttpGatewayChannel)
    assert isinstance(channel_for(configured, "email"), SmtpChannel)


def test_the_folder_channel_never_overwrites(tmp_path: Path) -> None:
    channel = FolderChannel(tmp_path)
    assert channel.send(MESSAGE).ok and channel.send(MESSAGE).ok
    assert len(list(tmp_path.glob("*-000042-sms-13900000001.txt"))) == 2


def test_the_sms_gateway_gets_json_with_the_token(gateway: Gateway) -> None:
    result = HttpGatewayChannel(gateway.url, "s3cret").send(MESSAGE)
    assert result.ok
    headers, body = gateway.requests[0]
    assert headers["Authorization"] == "Bearer s3cret"
    assert json.loads(body) == {
        "to": "13900000001", "subject": "", "body": "工单 RP-1 已受理", "language": "zh",
        "message_id": "9:ticket_received",
    }  # fmt: skip


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (429, False), (400, True)])
def test_gateway_errors_say_whether_a_retry_can_help(
    gateway: Gateway, status: int, permanent: bool
) -> None:
    gateway.status = status
    result = HttpGatewayChannel(gateway.url, None).send(MESSAGE)
    assert not result.ok
    assert result.permanent is permanent
    assert result.error is not None and result.error.startswith(f"HTTP {status} from ")


def test_an_unreachable_gateway_is_retried() -> None:
    result = HttpGatewayChannel("http://127.0.0.1:9/none", None, timeout=2).send(MESSAGE)
    assert (result.ok, result.permanent) == (False, False)
    assert "unreachable" in (result.error or "")


def test_webhooks_are_signed_with_hmac(gateway: Gateway) -> None:
    assert WebhookChannel(gateway.url, "hook-secret").send(MESSAGE).ok
    headers, body = gateway.requests[0]
    expected = hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()
    assert headers["X-Gongdan-Signature"] == f"sha256={expected}"
    assert json.loads(body)["template_key"] == "ticket_received"


def test_email_goes_through_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[Any] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            sent.append(("connect", host, port))

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *args: object) -> None:
            return None

        def starttls(self, context: object) -> None:
            sent.append("starttls")

        def login(self, user: str, password: str) -> None:
            sent.append(("login", user, password))

        def send_message(self, message: Any) -> None:
            sent.append(message)

    monkeypatch.setattr(channels.smtplib, "SMTP", FakeSMTP)
    email = OutgoingMessage(**{**MESSAGE.__dict__, "channel": "email", "address": "a@b.cn",
                               "subject": "已受理", "body": "A &amp; B"})  # fmt: skip
    smtp = SmtpChannel("mail", 587, user="u", password="p", tls="starttls", sender="s@x.cn")
    assert smtp.send(email).ok
    assert sent[:3] == [("connect", "mail", 587), "starttls", ("login", "u", "p")]
    message = sent[3]
    assert (message["To"], message["Subject"]) == ("a@b.cn", "已受理")
    assert message.get_body(("plain",)).get_content().strip() == "A & B"
