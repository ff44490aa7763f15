"""Blinker signals the ticket services send; routing, SLA and notifications connect to them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent inside the transaction for every recorded event: sender is the Ticket; keyword
#: arguments ``session``, ``event`` (the TicketEvent) and ``actor`` (User or None). A receiver
#: may write in the same transaction; an exception rolls the whole change back.
ticket_event_recorded = _signals.signal("ticket-event-recorded")

#: Sent after a ticket service committed: sender is the Ticket; keyword arguments ``session``
#: and ``events`` (the TicketEvents of that change). For work that must not run on a rollback.
after_ticket_commit = _signals.signal("after-ticket-commit")
