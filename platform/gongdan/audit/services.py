"""Recording audit entries, in the transaction of the change they describe.

Callers add the entry to their own session before they commit, so a change and its audit entry
are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.audit.models import AuditEntry

#: Columns never copied into an audit entry.
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "secret"})


def record_change(
    session: Session,
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: object,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    summary: str = "",
    address: str | None = None,
) -> AuditEntry:
    """Add an audit entry to ``session`` (not committed: it joins the caller's transaction).

    ``before``/``after`` are reduced to the keys whose values differ, so an update shows
    exactly what changed; ``actor=None`` is the system.
    """
    before_values, after_values = _changed_only(before, after)
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        summary=summary,
        before=before_values,
        after=after_values,
        address=address,
    )
    session.add(entry)
    return entry


def snapshot(instance: object) -> dict[str, Any]:
    """The column values of a model instance as JSON-safe data, secrets left out."""
    mapper = inspect(type(instance))
    return {
        column.key: json_safe(getattr(instance, column.key))
        for column in mapper.column_attrs
        if column.key not in SECRET_COLUMNS
    }


def json_safe(value: Any) -> Any:
    """``value`` as something a JSON column stores: times as ISO text, decimals as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _changed_only(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    if before is None or after is None:
        return (
            json_safe(dict(before)) if before is not None else None,
            json_safe(dict(after)) if after is not None else None,
        )
    keys = [key for key in {**before, **after} if before.get(key) != after.get(key)]
    return (
        {key: json_safe(before.get(key)) for key in keys},
        {key: json_safe(after.get(key)) for key in keys},
    )
