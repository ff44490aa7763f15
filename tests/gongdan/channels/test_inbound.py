"""Inbound e-mail and gateway webhooks: new tickets, replies, attachments, bad input."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from email.message import EmailMessage

from flask import Flask
from sqlalchemy import func, select
from tests.gongdan.api.world import ApiWorld

from gongdan.channels.imap import fetch_mail
from gongdan.db import db
from gongdan.tickets.models import Ticket, TicketAttachment, TicketComment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SECRET = "wechat-secret"


def mail(subject: str, body: str, sender: str = "Ann <ann@acme.example>", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "service@gongdan.example"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return bytes(message)


def post_mail(world: ApiWorld, raw: bytes, who: str | None = "agent"):
    return world.call("POST", "/api/v1/inbound/email", who, data=raw, content_type="message/rfc822")


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_email_opens_a_ticket_with_attachments(app: Flask, world: ApiWorld) -> None:
    message = EmailMessage()
    message["From"] = "Ann <ANN@acme.example>"
    message["Subject"] = "Grinder cleaning"
    message.set_content("How often?")
    message.add_alternative("<p>How <b>often</b>?</p><script>alert(1)</script>", subtype="html")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="grinder.png")
    response = post_mail(world, bytes(message))
    assert response.status_code == 201, response.json
    ticket = response.json["ticket"]
    assert response.json["action"] == "created"
    assert ticket["channel"] == "email" and ticket["type"] == "consultation"
    assert ticket["subject"] == "Grinder cleaning"
    assert ticket["fields"]["question"] == "How often?"
    assert ticket["customer_id"] == world.customers["acme"]
    assert len(response.json["attachment_ids"]) == 1


def test_html_only_mail_becomes_safe_text(world: ApiWorld) -> None:
    message = EmailMessage()
    message["From"] = "ann@acme.example"
    message["Subject"] = "HTML"
    message.set_content(
        "<div>Broken &amp; leaking</div><style>p{}</style><script>x()</script>", subtype="html"
    )
    response = post_mail(world, bytes(message))
    assert response.json["ticket"]["fields"]["question"] == "Broken & leaking"


def test_reply_by_subject_number_and_in_reply_to(app: Flask, world: ApiWorld) -> None:
    number = post_mail(world, mail("Help", "First")).json["ticket"]["number"]
    reply = post_mail(world, mail(f"Re: [{number}] Help", "More details"))
    assert reply.status_code == 200 and reply.json["action"] == "commented"
    assert reply.json["ticket"]["number"] == number
    threaded = post_mail(
        world, mail("Re: Help", "Even more", In_Reply_To=f"<{number}.abc@gongdan>")
    )
    assert threaded.json["action"] == "commented"
    assert count(app, Ticket) == 1 and count(app, TicketComment) == 2
    # Another customer naming the number opens their own ticket instead.
    stranger = post_mail(world, mail(f"[{number}]", "Hi", sender="otto@other.example"))
    assert stranger.json["action"] == "created"


def test_malformed_and_unknown_mail_create_nothing(app: Flask, world: ApiWorld) -> None:
    broken = (
        b"From: ann@acme.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n"
        b"\r\n--yy\r\nnot a part\r\n"
    )
    response = post_mail(world, broken)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed_message"
    assert post_mail(world, b"").status_code == 400
    no_sender = post_mail(world, b"Subject: hi\r\n\r\nbody\r\n")
    assert no_sender.status_code == 400
    unknown = post_mail(world, mail("Hi", "body", sender="nobody@nowhere.example"))
    assert unknown.status_code == 422
    assert "contact.email" in unknown.json["error"]["fields"]
    assert post_mail(world, mail("Hi", "body"), who=None).status_code == 401
    assert count(app, Ticket) == 0 and count(app, TicketAttachment) == 0


def wechat(world: ApiWorld, payload: dict, secret: str = SECRET, channel: str = "wechat"):
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return world.call(
        "POST",
        f"/api/v1/inbound/{channel}",
        data=body,
        content_type="application/json",
        headers={"X-Gateway-Signature": signature},
    )


MESSAGE = {
    "from": "138-0000-0001",
    "nickname": "Ann",
    "message": {"title": "Machine leaks", "text": "Water under the machine"},
    "device": {"model": "es_pro_2", "serial": "SN-LOOSE-9"},
}


def test_webhook_maps_signs_and_replies(app: Flask, world: ApiWorld) -> None:
    app.config["WECHAT_GATEWAY_SECRET"] = SECRET
    created = wechat(world, MESSAGE)
    assert created.status_code == 201, created.json
    ticket = created.json["ticket"]
    assert ticket["channel"] == "wechat" and ticket["type"] == "repair"
    assert ticket["fields"]["symptom"] == "Water under the machine"
    assert ticket["fields"]["service_mode"] == "remote"
    assert ticket["contact_id"] == world.contacts["acme"]
    reply = wechat(world, {**MESSAGE, "reply_to": ticket["number"],
                           "message": {"text": "Still leaking"}})  # fmt: skip
    assert reply.status_code == 200 and reply.json["action"] == "commented"
    forged = wechat(world, MESSAGE, secret="guess")
    assert forged.status_code == 401 and forged.json["error"]["code"] == "unauthorized"
    missing = wechat(world, {**MESSAGE, "device": {}})
    assert missing.status_code == 422
    assert missing.json["error"]["fields"] == {
        "fields.product_model": "is required: the message has nothing at $.device.model"
    }
    assert wechat(world, MESSAGE, channel="telegram").status_code == 404
    assert count(app, Ticket) == 1


def test_sms_shared_secret(app: Flask, world: ApiWorld) -> None:
    app.config["SMS_GATEWAY_SECRET"] = "s3"
    body = {"from": "13900000002", "text": "When is the engineer coming?"}
    ok = world.call("POST", "/api/v1/inbound/sms", json=body, headers={"X-Gateway-Token": "s3"})
    assert ok.status_code == 201 and ok.json["ticket"]["channel"] == "sms"
    bad = world.call("POST", "/api/v1/inbound/sms", json=body, headers={"X-Gateway-Token": "no"})
    assert bad.status_code == 401


class FakeImap:
    """The part of ``imaplib.IMAP4`` that ``fetch_mail`` uses, over an in-memory mailbox."""

    def __init__(self, messages: dict[bytes, bytes]) -> None:
        self.messages = messages
        self.seen: set[bytes] = set()
        self.calls: list[str] = []

    def login(self, user: str, password: str) -> tuple[str, list[bytes]]:
        self.calls.append(f"login {user}")
        return "OK", [b""]

    def select(self, folder: str) -> tuple[str, list[bytes]]:
        self.calls.append(f"select {folder}")
        return "OK", [b"1"]

    def uid(self, command: str, *args: object) -> tuple[str, list[object]]:
        if command == "SEARCH":
            unseen = [uid for uid in self.messages if uid not in self.seen]
            return "OK", [b" ".join(unseen)]
        uid = args[0]
        assert isinstance(uid, bytes)
        if command == "FETCH":
            return "OK", [(b"1 (BODY[] {10}", self.messages[uid]), b")"]
        self.seen.add(uid)
        return "OK", [b""]

    def logout(self) -> None:
        self.calls.append("logout")


def test_mail_fetch_feeds_unseen_messages(app: Flask, world: ApiWorld) -> None:
    fake = FakeImap({b"1": mail("One", "first"), b"2": b"garbage"})
    settings = {"IMAP_HOST": "imap.example", "IMAP_USER": "svc", "IMAP_FOLDER": "Support"}
    with app.app_context():
        report = fetch_mail(db.session, settings, connect=lambda host, port, ssl: fake)
    assert report.outcomes[0][1].startswith("created ZX-")
    assert report.outcomes[1][1].startswith("refused:")
    assert fake.seen == {b"1", b"2"}
    assert fake.calls == ["login svc", "select Support", "logout"]
    with app.app_context():
        again = fetch_mail(db.session, settings, connect=lambda host, port, ssl: fake)
    assert again.outcomes == []


def test_mail_fetch_without_host_fails_clearly(app: Flask, world: ApiWorld) -> None:
    result = app.test_cli_runner().invoke(args=["mail", "fetch"])
    assert result.exit_code == 1
    assert "IMAP_HOST is not set" in result.output


def test_a_repeated_message_id_changes_nothing(app: Flask, world: ApiWorld) -> None:
    raw = mail("Help", "First", Message_ID="<m1@acme.example>")
    assert post_mail(world, raw).json["action"] == "created"
    again = post_mail(world, raw)
    assert again.status_code == 200 and again.json["action"] == "duplicate"
    assert count(app, Ticket) == 1


def test_a_reply_quoting_an_earlier_message_finds_its_ticket(app: Flask, world: ApiWorld) -> None:
    first = post_mail(world, mail("Help", "First", Message_ID="<m1@acme.example>")).json
    follow_up = mail(
        "Forgot to say", "It also beeps", Message_ID="<m2@acme.example>",
        References="<m1@acme.example>",
    )  # fmt: skip
    reply = post_mail(world, follow_up)
    assert reply.json["action"] == "commented"
    assert reply.json["ticket"]["id"] == first["ticket"]["id"]
    with app.app_context():
        bodies = db.session.scalars(select(TicketComment.body)).all()
    assert bodies == ["It also beeps"]


def test_webhook_message_id_makes_retries_harmless(app: Flask, world: ApiWorld) -> None:
    app.config["WECHAT_GATEWAY_SECRET"] = SECRET
    assert wechat(world, {**MESSAGE, "msg_id": "wx-1"}).status_code == 201
    retry = wechat(world, {**MESSAGE, "msg_id": "wx-1"})
    assert retry.status_code == 200 and retry.json["action"] == "duplicate"
    assert count(app, Ticket) == 1


def test_email_as_a_multipart_part(world: ApiWorld) -> None:
    response = world.call(
        "POST",
        "/api/v1/inbound/email",
        "agent",
        data={"message": (io.BytesIO(mail("Hi", "As a file")), "mail.eml", "message/rfc822")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    assert response.json["ticket"]["fields"]["question"] == "As a file"
    missing = world.call(
        "POST", "/api/v1/inbound/email", "agent", data={}, content_type="multipart/form-data"
    )
    assert missing.status_code == 400 and missing.json["error"]["fields"] == {
        "message": "is required"
    }


def test_one_message_delivered_several_times_at_once_makes_one_ticket(
    app: Flask, world: ApiWorld
) -> None:
    """Mail servers and gateways retry: simultaneous copies must not open duplicate tickets."""
    import threading

    raw = mail("Machine leaks", "Water under the boiler", Message_ID="<race@acme.example>")
    copies = 6
    start = threading.Barrier(copies)
    actions: list[str] = []

    def deliver() -> None:
        client = app.test_client()
        start.wait()
        response = client.post(
            "/api/v1/inbound/email",
            data=raw,
            content_type="message/rfc822",
            headers={"Authorization": f"Bearer {world.tokens['agent']}"},
        )
        actions.append(response.json["action"] if response.is_json else str(response.status))

    threads = [threading.Thread(target=deliver) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(actions) == ["created"] + ["duplicate"] * (copies - 1)
    assert count(app, Ticket) == 1
