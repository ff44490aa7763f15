"""The ticket services: the only code that writes tickets (the contract other modules call).

Every function takes the session first and the acting user (``None`` for the system) second,
runs one transaction (commit on success, rollback on any error), records a
:class:`~gongdan.tickets.models.TicketEvent` for every change in that transaction and raises only
:class:`~gongdan.errors.GongdanError` subclasses. The implementation is split over
``creation``, ``changes``, ``discussion`` and ``reads``; this module re-exports it.
"""

from __future__ import annotations

from gongdan.tickets.attachments import attachment_path
from gongdan.tickets.changes import (
    accept_assignment,
    assign_ticket,
    run_transition,
    transfer_ticket,
    update_fields,
)
from gongdan.tickets.creation import create_ticket
from gongdan.tickets.discussion import add_attachment, add_comment
from gongdan.tickets.pinning import Pinned, pinned_definitions
from gongdan.tickets.reads import (
    allowed_transfers,
    available_transitions,
    get_attachment,
    get_ticket,
    get_ticket_by_number,
)

__all__ = [
    "Pinned",
    "accept_assignment",
    "add_attachment",
    "add_comment",
    "allowed_transfers",
    "assign_ticket",
    "attachment_path",
    "available_transitions",
    "create_ticket",
    "get_attachment",
    "get_ticket",
    "get_ticket_by_number",
    "pinned_definitions",
    "run_transition",
    "transfer_ticket",
    "update_fields",
]
