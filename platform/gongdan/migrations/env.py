"""Alembic environment: migrate the connection the caller hands over (or a URL)."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine, pool

import gongdan.models  # noqa: F401  (fills Base.metadata with every core model)
from gongdan.db import Base
from gongdan.migrations import compare_type, include_object, render_item

target_metadata = Base.metadata


def _configure(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=compare_type,
        render_item=render_item,
        include_object=include_object,
        # A plugin's chain keeps its own version table (gongdan.migrations.alembic_config).
        version_table=context.config.attributes.get("version_table", "alembic_version"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    """Run against ``config.attributes["connection"]`` or the configured URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as fresh_connection:
        _configure(fresh_connection)
    engine.dispose()


run_migrations()
