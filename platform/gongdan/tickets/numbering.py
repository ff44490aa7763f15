"""Ticket numbers from the TicketType's ``numbering`` pattern and an atomic per-scope sequence.

A pattern like ``RP-{yyyy}{mm}{dd}-{seq:4}`` is split at ``{seq}``: everything before it,
rendered, is the *scope* (``RP-20261124-``), whose counter lives in ``ticket_sequences``. The
counter is incremented by one ``UPDATE ... RETURNING`` (or, for a new scope, an
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``) inside the caller's transaction, so two
processes never get the same number, and a rolled-back ticket gives its number back.

Dates are calendar dates in Asia/Shanghai (the service desk's day), not UTC: a ticket created at
01:00 Beijing time belongs to that Beijing day.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gongdan.errors import DefinitionError
from gongdan.tickets.models import TicketSequence

#: The time zone whose calendar day a number's date parts show.
NUMBERING_TIMEZONE = ZoneInfo("Asia/Shanghai")

#: Used when a TicketType declares no ``numbering``; ``{TYPE}`` is the upper-cased type key.
DEFAULT_PATTERN = "{TYPE}-{yyyy}{mm}{dd}-{seq:4}"

_PLACEHOLDER = re.compile(r"\{([A-Za-z]+)(?::(\d+))?\}")


def render_number(pattern: str | None, type_key: str, when: datetime, sequence: int) -> str:
    """The number ``pattern`` gives for ``sequence`` on ``when``'s Shanghai calendar day."""
    scope, suffix = split_pattern(pattern, type_key, when)
    return scope + suffix.format(sequence)


def split_pattern(pattern: str | None, type_key: str, when: datetime) -> tuple[str, str]:
    """``(scope, suffix format)``: the rendered text before ``{seq}``, and the rest.

    :raises DefinitionError: an unknown placeholder (validation should have caught it).
    """
    local = when.astimezone(NUMBERING_TIMEZONE)
    values = {
        "yyyy": f"{local.year:04d}",
        "yy": f"{local.year % 100:02d}",
        "mm": f"{local.month:02d}",
        "dd": f"{local.day:02d}",
        "TYPE": type_key.upper(),
        "type": type_key,
    }
    text = pattern or DEFAULT_PATTERN
    scope: list[str] = []
    suffix: list[str] = []
    target = scope
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        target.append(text[position : match.start()].replace("{", "{{").replace("}", "}}"))
        name, width = match.group(1), match.group(2)
        if name == "seq":
            target = suffix
            suffix.append("{0:0" + str(int(width or 1)) + "d}")
        elif name in values:
            target.append(values[name])
        else:
            raise DefinitionError(f"unknown placeholder {{{name}}} in numbering {text!r}")
        position = match.end()
    target.append(text[position:].replace("{", "{{").replace("}", "}}"))
    if not suffix:  # no {seq}: append one so numbers stay unique
        suffix.append("{0:04d}")
    # The scope part was escaped for format(); it is used as plain text, so unescape it.
    return "".join(scope).replace("{{", "{").replace("}}", "}"), "".join(suffix)


def next_sequence(session: Session, scope: str) -> int:
    """Take the next value of ``scope``'s counter (1 for a new scope) in this transaction."""
    dialect = session.get_bind(TicketSequence).dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(TicketSequence)
            .values(scope=scope, next_value=2)
            .on_conflict_do_update(
                index_elements=[TicketSequence.scope],
                set_={"next_value": TicketSequence.next_value + 1},
            )
            .returning(TicketSequence.next_value)
        )
        return int(session.execute(statement).scalar_one()) - 1
    # Other databases: the row lock of the UPDATE serialises writers.
    taken = session.execute(
        update(TicketSequence)
        .where(TicketSequence.scope == scope)
        .values(next_value=TicketSequence.next_value + 1)
        .returning(TicketSequence.next_value)
    ).scalar_one_or_none()
    if taken is not None:
        return int(taken) - 1
    session.add(TicketSequence(scope=scope, next_value=2))
    session.flush()
    return 1


def next_number(session: Session, pattern: str | None, type_key: str, when: datetime) -> str:
    """A new, unique ticket number for a ticket of ``type_key`` created at ``when``."""
    scope, suffix = split_pattern(pattern, type_key, when)
    return scope + suffix.format(next_sequence(session, scope[:64]))
