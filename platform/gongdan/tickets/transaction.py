"""One transaction per ticket service call, and the optimistic version check.

Every service runs inside :func:`ticket_transaction`: commit on success, roll back on any error,
and turn SQLAlchemy's ``StaleDataError`` (the version column did not match at UPDATE time) into
:class:`~gongdan.errors.StaleTicket`. After the commit, :data:`after_ticket_commit` is sent with
the events of the change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from gongdan.accounts.models import User
from gongdan.accounts.policy import may_view_ticket
from gongdan.errors import NotFound, PermissionDenied, StaleTicket, ValidationFailed
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.signals import after_ticket_commit

_PENDING = "gongdan.pending_events"


class _Stale(Exception):
    """Raised inside a transaction when the version did not match; carries the ticket id."""

    def __init__(self, ticket_id: int, number: str, expected: int) -> None:
        super().__init__(ticket_id)
        self.ticket_id = ticket_id
        self.number = number
        self.expected = expected


def stale_message(number: str, expected: int, now: int | None) -> str:
    """The message a user sees when someone else changed the ticket first."""
    current = "deleted" if now is None else f"now {now}"
    return (
        f"ticket {number} changed since you opened it (version {expected}, {current}); "
        "reload and try again"
    )


@contextmanager
def ticket_transaction(
    session: Session, ticket_hint: dict[str, object] | None = None
) -> Iterator[None]:
    """Run the body as one transaction; see the module docstring.

    ``ticket_hint`` (filled by :func:`load_for_write`) names the ticket and the version the
    caller expected, for the stale message. Nested calls (a service called by a receiver of
    :data:`ticket_event_recorded`) join the outer transaction.
    """
    if _PENDING in session.info:
        # Called from inside another service's transaction (a signal receiver): that one
        # commits or rolls back everything together.
        yield
        return
    hint = ticket_hint if ticket_hint is not None else {}
    session.info[_PENDING] = []
    try:
        yield
        session.commit()
    except _Stale as stale:
        session.rollback()
        now = session.scalar(select(Ticket.version).where(Ticket.id == stale.ticket_id))
        session.rollback()
        raise StaleTicket(stale_message(stale.number, stale.expected, now)) from None
    except StaleDataError:
        session.rollback()
        ticket_id = hint.get("id")
        now = session.scalar(select(Ticket.version).where(Ticket.id == ticket_id))
        session.rollback()
        expected = hint.get("version")
        raise StaleTicket(
            stale_message(str(hint.get("number", "?")), int(expected or 0), now)
        ) from None
    except IntegrityError:
        session.rollback()
        raise ValidationFailed(
            "the change conflicts with existing data (a row it refers to was removed or a "
            "unique value is taken); nothing was saved"
        ) from None
    except OperationalError as error:
        session.rollback()
        if "locked" not in str(error.orig).lower():
            raise
        # SQLite: another writer held the database longer than the busy timeout.
        raise StaleTicket(
            "the database was busy with another change; nothing was saved, try again"
        ) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        events: list[TicketEvent] = session.info.pop(_PENDING, [])
    if events:
        ticket = events[0].ticket
        after_ticket_commit.send(ticket, session=session, events=events)


def attach_actor(session: Session, actor: User | None) -> User | None:
    """``actor`` as a row of this session (callers may pass a detached or foreign copy).

    :raises PermissionDenied: the user no longer exists or is inactive.
    """
    if actor is None:
        return None
    user = session.get(User, actor.id)
    if user is None or not user.active:
        raise PermissionDenied("your account is not active")
    return user


def load_visible(session: Session, actor: User | None, ticket_id: int) -> Ticket:
    """The ticket, freshly read, if ``actor`` may see it.

    :raises NotFound: no such ticket, or one ``actor`` may not see (indistinguishable).
    """
    ticket = session.get(Ticket, ticket_id, populate_existing=True)
    if ticket is None or not may_view_ticket(actor, ticket):
        raise NotFound(f"no ticket with id {ticket_id!r}")
    return ticket


def load_for_write(
    session: Session,
    actor: User | None,
    ticket_id: int,
    expected_version: int,
    hint: dict[str, object],
) -> Ticket:
    """:func:`load_visible`, then check ``expected_version``.

    :raises StaleTicket: (after the rollback) the ticket's version is not ``expected_version``.
    """
    ticket = load_visible(session, actor, ticket_id)
    hint.update(id=ticket.id, number=ticket.number, version=expected_version)
    if ticket.version != expected_version:
        raise _Stale(ticket.id, ticket.number, expected_version)
    return ticket
