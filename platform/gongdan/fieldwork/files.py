"""Sending an attachment's bytes to a browser that may see it (work pages and portal)."""

from __future__ import annotations

from flask import current_app, send_file
from werkzeug.wrappers import Response

from gongdan.errors import NotFound
from gongdan.tickets.attachments import attachment_path
from gongdan.tickets.models import TicketAttachment

#: Types a browser may show inline; everything else is downloaded (an uploaded HTML or SVG
#: file must never run in the site's origin).
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})


def send_attachment(attachment: TicketAttachment) -> Response:
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
