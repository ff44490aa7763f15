"""Outgoing channels behind one interface: ``Channel.send(message) -> DeliveryResult``.

* ``email``: SMTP (``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_USER``, ``SMTP_PASSWORD``, ``SMTP_TLS`` =
  ``starttls`` | ``ssl`` | ``none``, ``SMTP_FROM``).
* ``sms`` and ``wechat``: an HTTP gateway (``SMS_GATEWAY_URL`` + ``SMS_GATEWAY_TOKEN``,
  ``WECHAT_GATEWAY_URL`` + ``WECHAT_GATEWAY_TOKEN``) that takes JSON.
* ``webhook``: POST JSON to ``NOTIFICATION_WEBHOOK_URL``, signed with HMAC-SHA256 of the body
  under ``NOTIFICATION_WEBHOOK_SECRET`` in the ``X-Gongdan-Signature`` header.
* ``folder``: development. Writes each message as a text file in ``<instance>/outbox/`` (or
  ``NOTIFICATION_FOLDER``) and logs it. Every channel whose gateway is not configured uses it,
  so a fresh installation shows its customer notifications there.

Settings are read from the app config, then the environment. Plugins and tests add or replace
channels with :func:`register_channel`.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import os
import re
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from flask import Flask

from gongdan.db import utcnow

log = logging.getLogger(__name__)

_CHANNELS = "gongdan.notification_channels"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.@+-]+")
#: HTTP statuses worth retrying; any other 4xx is the request's fault and final.
_RETRYABLE_CLIENT_ERRORS = frozenset({408, 409, 425, 429})


@dataclass(frozen=True)
class OutgoingMessage:
    """A rendered outbox row, as a channel sees it."""

    outbox_id: int
    channel: str
    address: str
    recipient_kind: str
    recipient_name: str
    language: str
    subject: str
    body: str
    ticket_id: int | None
    event: str
    template_key: str
    dedupe_key: str


@dataclass(frozen=True)
class DeliveryResult:
    """What a channel says: sent, or failed (``permanent``: retrying cannot help)."""

    ok: bool
    error: str | None = None
    permanent: bool = False
    provider_id: str | None = None


class Channel(Protocol):
    """Hands messages to a provider."""

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        """Send ``message``; return the outcome (raising counts as a retryable failure)."""
        ...


def setting(app: Flask, name: str, default: str | None = None) -> str | None:
    """A channel setting from the app config, else the environment, else ``default``."""
    value = app.config.get(name)
    if value is None or value == "":
        value = os.environ.get(name) or default
    return None if value is None else str(value)


class FolderChannel:
    """Development channel: one readable file per message, and a log line."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        recipient = _UNSAFE_NAME.sub("_", message.address)[:60]
        stem = f"{stamp}-{message.outbox_id:06d}-{message.channel}-{recipient}"
        text = "\n".join(
            [
                f"Channel:  {message.channel}",
                f"To:       {message.recipient_name} <{message.address}>",
                f"As:       {message.recipient_kind}",
                f"Template: {message.template_key}",
                f"Event:    {message.event}",
                f"Ticket:   {message.ticket_id}",
                f"Language: {message.language}",
                f"Subject:  {message.subject}",
                "",
                message.body,
                "",
            ]
        )
        path = self.directory / f"{stem}.txt"
        # Exclusive create: a second delivery of the same row shows as a second file.
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
        log.info(
            "notification %s (%s via %s) to %s written to %s",
            message.outbox_id, message.template_key, message.channel, message.address, path,
        )  # fmt: skip
        return DeliveryResult(ok=True, provider_id=path.name)


class SmtpChannel:
    """E-mail through an SMTP server; the body goes as plain text with an HTML alternative."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        user: str | None,
        password: str | None,
        tls: str,
        sender: str,
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.tls, self.sender, self.timeout = tls, sender, timeout

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Message-ID"] = f"<{message.dedupe_key.replace(':', '.')}@gongdan>"
        # Email bodies are rendered with HTML autoescaping (see compile_templates).
        email.set_content(html.unescape(message.body))
        email.add_alternative(
            "<html><body>" + message.body.replace("\n", "<br>\n") + "</body></html>",
            subtype="html",
        )
        try:
            if self.tls == "ssl":
                context = ssl.create_default_context()
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.user:
                    client.login(self.user, self.password or "")
                client.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            return DeliveryResult(ok=False, error=f"recipient refused: {error}", permanent=True)
        except (smtplib.SMTPException, OSError) as error:
            return DeliveryResult(ok=False, error=f"{type(error).__name__}: {error}")
        return DeliveryResult(ok=True)


def _post_json(
    url: str, payload: dict[str, Any], headers: dict[str, str], timeout: float
) -> DeliveryResult:
    """POST ``payload`` as JSON; 2xx is sent, 4xx (but 408/409/425/429) final, else retry."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = response.read(2000).decode("utf-8", "replace")
            return DeliveryResult(ok=True, provider_id=answer[:200] or None)
    except urllib.error.HTTPError as error:
        detail = error.read(500).decode("utf-8", "replace")
        permanent = 400 <= error.code < 500 and error.code not in _RETRYABLE_CLIENT_ERRORS
        return DeliveryResult(
            ok=False, error=f"HTTP {error.code} from {url}: {detail}", permanent=permanent
        )
    except (urllib.error.URLError, OSError) as error:
        return DeliveryResult(ok=False, error=f"{url} unreachable: {error}")


def signature(secret: str, body: bytes) -> str:
    """The ``X-Gongdan-Signature`` header value of ``body``: ``sha256=<hex HMAC>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class HttpGatewayChannel:
    """An SMS or WeChat gateway that takes ``{to, subject, body, language, message_id}``."""

    def __init__(self, url: str, token: str | None, timeout: float = 15.0) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        payload = {
            "to": message.address,
            "subject": message.subject,
            "body": message.body,
            "language": message.language,
            "message_id": message.dedupe_key,
        }
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return _post_json(self.url, payload, headers, self.timeout)


class WebhookChannel:
    """POSTs the whole message as JSON, signed with HMAC-SHA256 when a secret is set."""

    def __init__(self, url: str, secret: str | None, timeout: float = 15.0) -> None:
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        payload = asdict(message)
        headers: dict[str, str] = {"X-Gongdan-Event": message.event}
        if self.secret:
            body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
            headers["X-Gongdan-Signature"] = signature(self.secret, body)
        return _post_json(self.url, payload, headers, self.timeout)


def register_channel(app: Flask, name: str, channel: Channel) -> None:
    """Use ``channel`` for messages of channel ``name`` in ``app`` (plugins, tests)."""
    app.extensions.setdefault(_CHANNELS, {})[name] = channel


def folder_path(app: Flask) -> Path:
    """Where the folder channel writes: ``NOTIFICATION_FOLDER`` or ``<instance>/outbox``."""
    configured = setting(app, "NOTIFICATION_FOLDER")
    return Path(configured) if configured else Path(app.instance_path) / "outbox"


def webhook_url(app: Flask) -> str | None:
    """The configured webhook endpoint, if any."""
    return setting(app, "NOTIFICATION_WEBHOOK_URL")


def channel_for(app: Flask, name: str) -> Channel | None:
    """The channel that sends messages of channel ``name``; ``None`` for an unknown name."""
    registered = app.extensions.get(_CHANNELS, {}).get(name)
    if registered is not None:
        return registered  # type: ignore[no-any-return]
    folder = FolderChannel(folder_path(app))
    if setting(app, f"NOTIFICATION_CHANNEL_{name.upper()}") == "folder":
        return folder
    if name == "email":
        host = setting(app, "SMTP_HOST")
        if not host:
            return folder
        tls = (setting(app, "SMTP_TLS", "starttls") or "starttls").lower()
        port = int(setting(app, "SMTP_PORT") or (465 if tls == "ssl" else 587))
        return SmtpChannel(
            host,
            port,
            user=setting(app, "SMTP_USER"),
            password=setting(app, "SMTP_PASSWORD"),
            tls=tls,
            sender=setting(app, "SMTP_FROM", "gongdan@localhost") or "gongdan@localhost",
        )
    if name in ("sms", "wechat"):
        url = setting(app, f"{name.upper()}_GATEWAY_URL")
        if not url:
            return folder
        return HttpGatewayChannel(url, setting(app, f"{name.upper()}_GATEWAY_TOKEN"))
    if name == "webhook":
        url = webhook_url(app)
        if not url:
            return folder
        return WebhookChannel(url, setting(app, "NOTIFICATION_WEBHOOK_SECRET"))
    return None
