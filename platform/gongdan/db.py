"""The database: declarative base, the Flask-SQLAlchemy object and portable column types."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase

# Deterministic constraint names, so Alembic migrations can alter them on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON on every database, JSONB (indexable, compact) on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database.

    SQLite has no time zones; without this, values read back naive and comparisons with aware
    datetimes raise.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given; Gongdan stores aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_dumps(value: Any) -> str:
    """Serialise JSON columns keeping non-ASCII text as is.

    SQLAlchemy's default escapes Chinese as ``\\uXXXX`` on SQLite, which makes text inside
    ticket fields unsearchable with ``LIKE``.
    """
    return json.dumps(value, ensure_ascii=False)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every Gongdan model, core and plugins."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Every engine the app makes keeps non-ASCII text readable in JSON columns, and tests a pooled
# connection before lending it out: after a database restart or a dropped connection the next
# request gets a fresh one instead of failing.
db = SQLAlchemy(
    model_class=Base, engine_options={"json_serializer": json_dumps, "pool_pre_ping": True}
)

#: What a client is told to wait (seconds, ``Retry-After``) when the database was unavailable.
RETRY_AFTER_SECONDS = 5


def is_database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database was unreachable or dropped the connection.

    DB-API's ``OperationalError`` covers exactly that (a lost connection, a server shutting
    down, an unreachable host); SQLAlchemy also flags any error on a connection it had to
    invalidate as a disconnect.
    """
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Turn on foreign keys and a busy timeout for SQLite connections.

    SQLite ignores foreign keys unless asked, and without a busy timeout two processes writing
    at once fail instead of waiting.
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
