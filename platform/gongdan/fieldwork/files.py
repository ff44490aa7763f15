"""Sending a stored file's bytes to a browser that may see it (ticket and article files)."""

from __future__ import annotations

from typing import Protocol

from flask import current_app, send_file
from werkzeug.wrappers import Response

from gongdan.errors import NotFound
from gongdan.tickets.attachments import attachment_path

#: Types a browser may show inline; everything else is downloaded (an uploaded HTML or SVG
#: file must never run in the site's origin).
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})


class StoredFile(Protocol):
    """What a stored upload has: a ticket's attachment or a knowledge-base article's file."""

    id: int
    storage_key: str
    content_type: str
    filename: str


def send_attachment(attachment: StoredFile) -> Response:
    """The file of ``attachment``; the caller has checked the user may see it.

    :raises NotFound: the bytes are missing from the instance folder.
    """
    path = attachment_path(current_app, attachment)
    if not path.exists():
        raise NotFound(f"the file of attachment {attachment.id} is missing")
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=attachment.content_type not in INLINE_TYPES,
        download_name=attachment.filename,
        max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
