"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from tests.services import missing_service, postgres_problem, postgres_url

import gongdan.models  # noqa: F401  (the complete core metadata)
from gongdan.db import Base
from gongdan.migrations import (
    TRIGRAM_INDEXES,
    alembic_config,
    compare_type,
    current_revision,
    downgrade_database,
    include_object,
    upgrade_database,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine on an empty database: a new SQLite file or a new PostgreSQL schema."""
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
        return
    problem = postgres_problem()
    if problem:
        missing_service(problem)
    schema = f"gongdan_migration_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url())
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(postgres_url(), connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": compare_type,
                "include_object": include_object,
                "target_metadata": Base.metadata,
            },
        )
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_to_head_matches_the_models(empty_engine: sa.Engine) -> None:
    upgrade_database(empty_engine)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(empty_engine) == head
    assert _differences(empty_engine) == []


def test_downgrade_to_base_leaves_only_alembics_table(empty_engine: sa.Engine) -> None:
    upgrade_database(empty_engine)
    downgrade_database(empty_engine)
    assert sa.inspect(empty_engine).get_table_names() == ["alembic_version"]
    assert current_revision(empty_engine) is None
    upgrade_database(empty_engine)  # and back up again
    assert _differences(empty_engine) == []


def test_upgrade_twice_is_harmless(empty_engine: sa.Engine) -> None:
    upgrade_database(empty_engine)
    upgrade_database(empty_engine)
    assert _differences(empty_engine) == []


def test_there_is_a_single_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_text_search_gets_trigram_indexes_on_postgresql_only(empty_engine: sa.Engine) -> None:
    upgrade_database(empty_engine)
    inspector = sa.inspect(empty_engine)
    present = {
        index["name"]
        for table in {table for table, _ in TRIGRAM_INDEXES.values()}
        for index in inspector.get_indexes(table)
    }
    if empty_engine.dialect.name == "postgresql":
        assert set(TRIGRAM_INDEXES) <= present
    else:
        assert not set(TRIGRAM_INDEXES) & present
