"""Comments and attachments: visibility, limits, content sniffing, storage."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from flask import Flask
from tests.gongdan.tickets.conftest import World, counts
from tests.gongdan.tickets.test_transitions import PNG

from gongdan.errors import NotFound, PermissionDenied, ValidationFailed
from gongdan.tickets.attachments import sanitize_filename, sniff_content_type
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import add_attachment, add_comment, attachment_path, get_attachment

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def test_comments_internal_and_public(world: World, new_repair: Callable[..., Ticket]) -> None:
    session = world.session
    ticket = new_repair()
    note = add_comment(session, world.user("agent"), ticket.id, body="<b>内部</b>", internal=True)
    assert note.internal and note.body == "<b>内部</b>"
    reply = add_comment(session, world.user("acme_user"), ticket.id, body="什么时候来？")
    assert not reply.internal
    fresh = session.get(Ticket, ticket.id)
    events = [(e.kind, e.public, e.data["internal"]) for e in fresh.events if e.kind == "commented"]
    assert events == [("commented", False, True), ("commented", True, False)]
    assert fresh.first_response_at is None  # an internal note is not a response
    add_comment(session, world.user("agent"), ticket.id, body="明天上午")
    assert session.get(Ticket, ticket.id).first_response_at is not None


def test_comment_refusals(world: World, new_repair: Callable[..., Ticket]) -> None:
    session = world.session
    ticket = new_repair()
    before = counts(session)
    with pytest.raises(PermissionDenied, match="customers cannot post internal comments"):
        add_comment(session, world.user("acme_user"), ticket.id, body="x", internal=True)
    with pytest.raises(ValidationFailed, match="the comment is empty"):
        add_comment(session, world.user("agent"), ticket.id, body="   ")
    with pytest.raises(ValidationFailed, match="more than 20000"):
        add_comment(session, world.user("agent"), ticket.id, body="x" * 20001)
    with pytest.raises(NotFound):
        add_comment(session, world.user("vip_user"), ticket.id, body="hello")
    assert counts(session) == before


def test_attachment_is_stored_by_hash_under_the_instance_folder(
    app: Flask, world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = new_repair()
    photo = add_attachment(
        world.session,
        world.user("acme_user"),
        ticket.id,
        filename="../../etc/照片 1.png",
        content_type="image/png",
        data=PNG,
        field_key="photos",
    )
    digest = hashlib.sha256(PNG).hexdigest()
    assert (photo.sha256, photo.size, photo.filename) == (digest, len(PNG), "照片 1.png")
    path = attachment_path(app, photo)
    assert path == app.instance_path / __import__("pathlib").Path(
        f"attachments/{digest[:2]}/{digest}"
    )
    assert path.read_bytes() == PNG
    fresh = world.session.get(Ticket, ticket.id)
    assert fresh.fields["photos"] == [photo.id]
    event = fresh.events[-1]
    assert (event.kind, event.data["filename"], event.public) == (
        "attachment_added",
        "照片 1.png",
        True,
    )
    document = add_attachment(
        world.session,
        world.user("agent"),
        ticket.id,
        filename="报价.pdf",
        content_type="application/pdf",
        data=PDF,
        internal=True,
    )
    assert document.internal and document.field_key is None


def test_bad_attachments_are_refused_and_nothing_is_written(
    app: Flask, world: World, new_repair: Callable[..., Ticket]
) -> None:
    session = world.session
    ticket = new_repair()
    before = counts(session)
    agent = world.user("agent")

    def attach(**kwargs: object) -> None:
        arguments: dict[str, object] = {
            "filename": "a.png",
            "content_type": "image/png",
            "data": PNG,
        }
        arguments.update(kwargs)
        add_attachment(session, agent, ticket.id, **arguments)  # type: ignore[arg-type]

    with pytest.raises(
        ValidationFailed, match="declared as image/png but its content is something else"
    ):
        attach(data=b"<script>alert(1)</script>")
    with pytest.raises(
        ValidationFailed, match="declared as image/png but its content is application/pdf"
    ):
        attach(data=PDF)
    with pytest.raises(ValidationFailed, match="type application/x-msdownload is not allowed"):
        attach(filename="a.exe", content_type="application/x-msdownload", data=b"MZ\x90\x00")
    with pytest.raises(ValidationFailed, match="type application/pdf is not allowed here"):
        attach(filename="a.pdf", content_type="application/pdf", data=PDF, field_key="site_photos")
    with pytest.raises(ValidationFailed, match="more than the limit of 10 MB"):
        attach(data=PNG + b"\0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationFailed, match="is empty"):
        attach(data=b"")
    with pytest.raises(ValidationFailed, match="'symptom' is not a file field"):
        attach(field_key="symptom")
    with pytest.raises(PermissionDenied, match="customers cannot add internal attachments"):
        add_attachment(
            session,
            world.user("acme_user"),
            ticket.id,
            filename="a.png",
            content_type="image/png",
            data=PNG,
            internal=True,
        )
    with pytest.raises(PermissionDenied, match="customers may not add files to 'site_photos'"):
        add_attachment(
            session,
            world.user("acme_user"),
            ticket.id,
            filename="a.png",
            content_type="image/png",
            data=PNG,
            field_key="site_photos",
        )
    with pytest.raises(ValidationFailed) as raised:  # a signature must be a PNG
        add_attachment(
            session,
            world.user("admin"),
            ticket.id,
            filename="a.jpg",
            content_type="image/jpeg",
            data=b"\xff\xd8\xff\xe0rest",
            field_key="customer_signature",
        )
    assert raised.value.fields == {
        "customer_signature": "'a.jpg': type image/jpeg is not allowed here (allowed: image/png)"
    }
    assert counts(session) == before


def test_field_size_limit_and_max_files(world: World, new_repair: Callable[..., Ticket]) -> None:
    ticket = new_repair()
    big = PNG + b"\0" * (12 * 1024 * 1024)  # over the default, under photos' 20 MB
    photo = add_attachment(
        world.session,
        world.user("agent"),
        ticket.id,
        filename="big.png",
        content_type="image/png",
        data=big,
        field_key="photos",
    )
    assert photo.size == len(big)
    for number in range(8):
        add_attachment(
            world.session,
            world.user("agent"),
            ticket.id,
            filename=f"{number}.png",
            content_type="image/png",
            data=PNG,
            field_key="photos",
        )
    with pytest.raises(ValidationFailed, match=r"already holds 9 files \(max_files 9\)"):
        add_attachment(
            world.session,
            world.user("agent"),
            ticket.id,
            filename="10.png",
            content_type="image/png",
            data=PNG,
            field_key="photos",
        )


def test_helpers() -> None:
    assert sniff_content_type(PNG) == "image/png"
    assert sniff_content_type(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert sniff_content_type(b"hello") is None
    assert sanitize_filename("..\\..\\boot.ini") == "boot.ini"
    assert sanitize_filename("a\x00b<>.txt") == "ab_.txt"
    assert sanitize_filename("") == "file"


def test_attachments_are_served_only_to_those_who_may_see_them(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = new_repair()
    public = add_attachment(
        world.session,
        world.user("agent"),
        ticket.id,
        filename="a.png",
        content_type="image/png",
        data=PNG,
    )
    internal = add_attachment(
        world.session,
        world.user("agent"),
        ticket.id,
        filename="b.pdf",
        content_type="application/pdf",
        data=PDF,
        internal=True,
    )
    assert get_attachment(world.session, world.user("acme_user"), public.id).id == public.id
    assert get_attachment(world.session, world.user("agent"), internal.id).id == internal.id
    for actor, attachment in (("acme_user", internal), ("vip_user", public), ("stranger", public)):
        with pytest.raises(NotFound, match=f"no attachment with id {attachment.id}"):
            get_attachment(world.session, world.user(actor), attachment.id)
