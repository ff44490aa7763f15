"""The database schema's migrations (Alembic), driven from code — there is no ``alembic.ini``.

``gongdan init`` and ``gongdan db upgrade`` call :func:`upgrade_database`; the tests use
:func:`alembic_config` to compare the migrated schema with the models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeEngine

from gongdan.db import UTCDateTime

MIGRATIONS_DIR = Path(__file__).resolve().parent


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render Gongdan's portable column types as plain SQLAlchemy types.

    Migrations must not import application code that may change after they were written.
    """
    if type_ != "type" or not isinstance(obj, TypeEngine):
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, JSON) and getattr(obj, "_variant_mapping", None):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return 'sa.JSON().with_variant(postgresql.JSONB(), "postgresql")'
    return False


#: Trigram (``pg_trgm``) GIN indexes for ``ILIKE '%…%'`` search, PostgreSQL only: created by
#: migration 0006 where the extension can be had, and not part of the models (SQLite has no
#: such index), so schema comparisons leave them out. Name → (table, column).
TRIGRAM_INDEXES: dict[str, tuple[str, str]] = {
    "ix_tickets_number_trgm": ("tickets", "number"),
    "ix_tickets_subject_trgm": ("tickets", "subject"),
    "ix_customers_name_trgm": ("customers", "name"),
    "ix_customers_code_trgm": ("customers", "code"),
    "ix_customers_phone_trgm": ("customers", "phone"),
    "ix_contacts_name_trgm": ("contacts", "name"),
    "ix_contacts_phone_trgm": ("contacts", "phone"),
    "ix_contacts_mobile_trgm": ("contacts", "mobile"),
    "ix_assets_serial_number_trgm": ("assets", "serial_number"),
}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave the trigram indexes out of autogenerate's comparison (see ``TRIGRAM_INDEXES``)."""
    return not (type_ == "index" and name in TRIGRAM_INDEXES)


def compare_type(
    context: Any,
    inspected_column: Any,
    metadata_column: Any,
    inspected_type: TypeEngine[Any],
    metadata_type: TypeEngine[Any],
) -> bool | None:
    """Treat UTCDateTime as the ``DateTime(timezone=True)`` it is stored as."""
    if isinstance(metadata_type, UTCDateTime):
        return not isinstance(inspected_type, DateTime)
    return None


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic configuration for Gongdan's migrations.

    ``connection`` (preferred) is used as is, so the caller's engine options — a PostgreSQL
    ``search_path``, SQLite pragmas — apply; otherwise ``url`` names the database.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation treats % specially (URL-encoded passwords).
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision`` (the latest by default)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade_database(engine: Engine, revision: str = "base") -> None:
    """Migrate the database behind ``engine`` down to ``revision`` (empty by default)."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
