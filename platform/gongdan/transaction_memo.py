"""A memo that lives exactly as long as a session's current database transaction.

Creating one ticket runs the routing, SLA, notification and automation services one after the
other, and each of them reads the same few things: the generation of the active definition set,
the pinned revisions' content hashes, the customer, contact and asset of the ticket. Within one
transaction those answers cannot change (except by this transaction's own writes, which
invalidate their entry), so the first read is kept here and the others cost nothing.

The memo is tied to the :class:`~sqlalchemy.orm.SessionTransaction` by a weak reference: a new
transaction (after a commit or rollback) starts with an empty memo, and nothing outlives it.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy.orm import Session, scoped_session

_KEY = "gongdan.transaction_memo"


def transaction_memo(session: Session) -> dict[Any, Any]:
    """The memo of ``session``'s current transaction, which begins here if it has not yet.

    (Each caller reads the database right after; beginning first is what autobegin does.)
    """
    if isinstance(session, scoped_session):  # Flask-SQLAlchemy's db.session: the real one
        session = session()
    transaction = session.get_transaction() or session.begin()
    held = session.info.get(_KEY)
    if held is not None and held[0]() is transaction:
        return held[1]  # type: ignore[no-any-return]
    memo: dict[Any, Any] = {}
    session.info[_KEY] = (weakref.ref(transaction), memo)
    return memo


def keep_alive(session: Session, row: object) -> None:
    """Hold ``row`` until the transaction ends.

    The session's identity map holds rows weakly: a customer read by one service and dropped
    would be read again by the next one. Held here, ``session.get`` finds it in the map.
    """
    transaction_memo(session).setdefault("rows", []).append(row)
