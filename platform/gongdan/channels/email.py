"""Parse a raw RFC 822 message into the payload and attachments an inbound channel maps.

The payload is ``{"from": {"address", "name"}, "to", "subject", "text", "message_id",
"in_reply_to", "references"}``; an HTML-only body is turned into plain text (tags dropped,
scripts and styles removed, entities decoded). A message the parser had to guess at — no
header/body separator, broken multipart boundaries, no sender — is refused as malformed.
"""

from __future__ import annotations

import re
from email import errors as email_errors
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html import unescape
from html.parser import HTMLParser
from typing import Any

from gongdan.channels.webhook import InboundFile
from gongdan.errors import ValidationFailed

#: Parser defects that mean the message is not what its headers say.
FATAL_DEFECTS: tuple[type[email_errors.MessageDefect], ...] = (
    email_errors.MissingHeaderBodySeparatorDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.CloseBoundaryNotFoundDefect,
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.MultipartInvariantViolationDefect,
    email_errors.InvalidHeaderDefect,
)

#: The domain of the Message-IDs Gongdan sends: ``<RP-20261124-0001.<token>@gongdan>``.
MESSAGE_ID_DOMAIN = "gongdan"


class MalformedMessage(ValidationFailed):
    """The bytes are not a usable RFC 822 message (answered with 400)."""

    code = "malformed_message"
    status = 400


def ticket_message_id(number: str, token: str) -> str:
    """The Message-ID of a mail Gongdan sends about ticket ``number``.

    Replies quote it in In-Reply-To/References, which is how they find their ticket.
    """
    return f"<{number}.{token}@{MESSAGE_ID_DOMAIN}>"


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: no tags, no scripts or styles, entities decoded."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = unescape("".join(extractor.parts))
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _defects(message: EmailMessage) -> list[str]:
    found = []
    for part in message.walk():
        for defect in part.defects:
            if isinstance(defect, FATAL_DEFECTS):
                found.append(defect.__class__.__name__)
    return found


def parse_email(raw: bytes) -> tuple[dict[str, Any], list[InboundFile], list[str | None]]:
    """``(payload, attachments, ticket numbers in the ids of our messages it answers)``.

    :raises MalformedMessage: not a usable RFC 822 message; nothing should be created.
    """
    if not raw or not raw.strip():
        raise MalformedMessage("the message is empty", {"message": "is empty"})
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    problems = _defects(message)
    name, address = parseaddr(str(message.get("From", "")))
    if "@" not in address:
        problems.append("no sender address in From")
    if not message.keys():
        problems.append("no headers")
    if problems:
        raise MalformedMessage(
            "the message is not valid MIME: " + ", ".join(problems),
            {"message": "; ".join(problems)},
        )
    text = _body_text(message)
    files = [
        InboundFile(
            part.get_filename() or "attachment",
            part.get_content_type(),
            part.get_payload(decode=True) or b"",
        )
        for part in message.iter_attachments()
        if isinstance(part, EmailMessage)
    ]
    references = str(message.get("References", "")).split()
    in_reply_to = str(message.get("In-Reply-To", "")).strip() or None
    payload = {
        "from": {"address": address.lower(), "name": name},
        "to": [a for _, a in getaddresses([str(v) for v in message.get_all("To", [])])],
        "subject": str(message.get("Subject", "")).strip(),
        "text": text,
        "message_id": str(message.get("Message-ID", "")).strip() or None,
        "in_reply_to": in_reply_to,
        "references": references,
    }
    ours = [
        ref.strip("<>").split("@")[0].rsplit(".", 1)[0]
        for ref in [*(filter(None, [in_reply_to])), *references]
        if ref.strip("<>").endswith(f"@{MESSAGE_ID_DOMAIN}")
    ]
    return payload, files, list(ours)


def _body_text(message: EmailMessage) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        content = part.get_content() if part is not None else ""
    except (LookupError, UnicodeDecodeError) as error:
        raise MalformedMessage(
            f"the message body cannot be decoded: {error}", {"message": str(error)}
        ) from None
    if part is not None and part.get_content_type() == "text/html":
        return html_to_text(str(content))
    return str(content).strip()


def receive_email(session: Any, raw: bytes, channel_key: str = "email") -> Any:
    """Feed one raw message to the e-mail ``InboundChannel`` (the API and IMAP share this).

    :returns: the :class:`~gongdan.channels.webhook.InboundResult`.
    :raises NotFound: no active InboundChannel ``channel_key`` of format ``email``.
    :raises MalformedMessage: the bytes are not a usable message.
    """
    from gongdan.channels.webhook import receive
    from gongdan.definitions.registry import compiled_active_set
    from gongdan.errors import NotFound

    channel = compiled_active_set(session).inbound_channels.get(channel_key)
    if channel is None or channel.format != "email":
        raise NotFound(f"no e-mail inbound channel {channel_key!r}")
    payload, files, numbers = parse_email(raw)
    return receive(
        session, channel, payload, files, extra_reply_texts=numbers, thread_ids=thread_ids(payload)
    )


def thread_ids(payload: dict[str, Any]) -> list[str]:
    """The Message-IDs a parsed message answers (In-Reply-To first, then References)."""
    return [i for i in [payload.get("in_reply_to"), *payload.get("references", [])] if i]
