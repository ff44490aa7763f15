"""The database schema's migrations (Alembic), driven from code — there is no ``alembic.ini``.

``gongdan init`` and ``gongdan db upgrade`` call :func:`upgrade_database`; the tests use
:func:`alembic_config` to compare the migrated schema with the models.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeEngine

from gongdan.db import UTCDateTime
from gongdan.errors import PluginError

if TYPE_CHECKING:
    import pluggy

MIGRATIONS_DIR = Path(__file__).resolve().parent

#: A plugin's chain of migrations is recorded in its own table, ``alembic_version_<name>``.
PLUGIN_VERSION_TABLE_PREFIX = "alembic_version_"
_BRANCH_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


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


#: The knowledge base's full-text objects (migration 0009; gongdan.knowledge.models): on SQLite
#: the FTS5 table ``kb_articles_fts`` and its shadow tables, on PostgreSQL a GIN expression
#: index. Not part of the models, so schema comparisons leave them out.
KNOWLEDGE_SEARCH_TABLE_PREFIX = "kb_articles_fts"
KNOWLEDGE_SEARCH_INDEX = "ix_kb_articles_search"


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave the trigram indexes (see ``TRIGRAM_INDEXES``) and the knowledge base's
    full-text objects out of autogenerate's comparison."""
    if type_ == "table" and (name or "").startswith(KNOWLEDGE_SEARCH_TABLE_PREFIX):
        return False
    if type_ == "table" and (name or "").startswith(PLUGIN_VERSION_TABLE_PREFIX):
        return False  # a plugin's Alembic version table (see plugin_migrations)
    if type_ == "index" and name == KNOWLEDGE_SEARCH_INDEX:
        return False
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


def plugin_migrations(plugins: pluggy.PluginManager | None = None) -> dict[str, Path]:
    """The plugins' migration chains (``gongdan_migrations`` hook): name → versions folder.

    ``plugins`` is the application's plugin manager; ``None`` means the installed plugins
    (entry points), which is what a bare engine without an application gets.

    :raises PluginError: a name is not ``snake_case``, is claimed twice, or its folder is missing.
    """
    if plugins is None:
        from gongdan.plugins import build_plugin_manager

        plugins = build_plugin_manager()
    found: dict[str, Path] = {}
    for result in plugins.hook.gongdan_migrations():
        for name, folder in dict(result or {}).items():
            if not isinstance(name, str) or not _BRANCH_NAME.match(name):
                raise PluginError(f"migration chain {name!r} must be a snake_case name")
            if name in found:
                raise PluginError(f"two plugins register the migration chain {name!r}")
            path = Path(folder)
            if not path.is_dir():
                raise PluginError(f"migration chain {name!r}: {str(path)!r} is not a folder")
            found[name] = path
    return found


def alembic_config(
    connection: Connection | None = None,
    url: str | None = None,
    *,
    plugin_chain: tuple[str, Path] | None = None,
) -> Config:
    """An Alembic configuration for Gongdan's migrations.

    ``connection`` (preferred) is used as is, so the caller's engine options — a PostgreSQL
    ``search_path``, SQLite pragmas — apply; otherwise ``url`` names the database.
    ``plugin_chain`` (name, versions folder) configures a plugin's chain instead of the core's:
    the same environment, the plugin's revisions and its own version table.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation treats % specially (URL-encoded passwords).
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    if plugin_chain is not None:
        name, versions = plugin_chain
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", str(versions).replace("%", "%%"))
        config.attributes["version_table"] = f"{PLUGIN_VERSION_TABLE_PREFIX}{name}"
    return config


def upgrade_database(
    engine: Engine, revision: str = "head", plugins: pluggy.PluginManager | None = None
) -> None:
    """Migrate the database behind ``engine`` to ``revision`` (the latest by default).

    Going to the core's head also brings every plugin chain (see :func:`plugin_migrations`)
    to its head, after the core: plugin tables refer to core tables.
    """
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
        if revision != "head":
            return
        for chain in plugin_migrations(plugins).items():
            command.upgrade(alembic_config(connection, plugin_chain=chain), "head")


def downgrade_database(
    engine: Engine, revision: str = "base", plugins: pluggy.PluginManager | None = None
) -> None:
    """Migrate the database behind ``engine`` down to ``revision`` (empty by default).

    Going to ``base`` first removes every plugin chain's tables and its version table.
    """
    from sqlalchemy import inspect, text

    with engine.begin() as connection:
        if revision == "base":
            for chain in plugin_migrations(plugins).items():
                command.downgrade(alembic_config(connection, plugin_chain=chain), "base")
                table = f"{PLUGIN_VERSION_TABLE_PREFIX}{chain[0]}"
                if inspect(connection).has_table(table):
                    connection.execute(text(f'DROP TABLE "{table}"'))
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def plugin_revision(engine: Engine, name: str) -> str | None:
    """The revision a plugin's chain is at, or ``None`` when it never ran."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        options = {"version_table": f"{PLUGIN_VERSION_TABLE_PREFIX}{name}"}
        return MigrationContext.configure(connection, opts=options).get_current_revision()
