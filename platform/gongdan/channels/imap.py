"""Fetch unseen messages from an IMAP mailbox and feed them to the e-mail channel.

Settings: ``IMAP_HOST``, ``IMAP_PORT`` (993), ``IMAP_USER``, ``IMAP_PASSWORD``, ``IMAP_FOLDER``
(INBOX), ``IMAP_SSL`` (true). A message is marked seen only once it was processed, or was
refused as malformed or invalid (so it is not retried forever); a database error leaves it
unseen for the next run.
"""

from __future__ import annotations

import imaplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from gongdan.channels.email import receive_email
from gongdan.errors import ConfigError, GongdanError

ImapFactory = Callable[[str, int, bool], Any]


def default_imap(host: str, port: int, ssl: bool) -> Any:
    """An ``imaplib`` connection."""
    return imaplib.IMAP4_SSL(host, port) if ssl else imaplib.IMAP4(host, port)


@dataclass
class FetchReport:
    """What a fetch did, per message: ``(uid, outcome)``."""

    outcomes: list[tuple[str, str]] = field(default_factory=list)


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


def fetch_mail(
    session: Session, settings: Mapping[str, Any], connect: ImapFactory = default_imap
) -> FetchReport:
    """Read every unseen message of the folder and feed it to :func:`receive_email`."""
    host = settings.get("IMAP_HOST")
    if not host:
        raise ConfigError("IMAP_HOST is not set: there is no mailbox to fetch from")
    ssl = _truthy(settings.get("IMAP_SSL", True))
    port = int(settings.get("IMAP_PORT") or (993 if ssl else 143))
    client = connect(str(host), port, ssl)
    report = FetchReport()
    try:
        client.login(str(settings.get("IMAP_USER", "")), str(settings.get("IMAP_PASSWORD", "")))
        client.select(str(settings.get("IMAP_FOLDER") or "INBOX"))
        status, data = client.uid("SEARCH", None, "UNSEEN")
        uids = data[0].split() if status == "OK" and data and data[0] else []
        for uid in uids:
            uid_text = uid.decode() if isinstance(uid, bytes) else str(uid)
            status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts or () if isinstance(p, tuple)), None)
            if status != "OK" or raw is None:
                report.outcomes.append((uid_text, "unreadable"))
                continue
            try:
                result = receive_email(session, raw)
                outcome = f"{result.action} {result.ticket.number}"
            except GongdanError as error:
                outcome = f"refused: {error.message}"
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            report.outcomes.append((uid_text, outcome))
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    return report
