"""Fixtures shared by every test: the app on SQLite and PostgreSQL, its client, runner, session.

The schema is built once per test session and backend by the Alembic migrations (so every test
runs against the migrated schema, not ``create_all``); each test starts with empty tables. On
PostgreSQL each test session gets its own schema, dropped at the end.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy.orm import Session
from tests.services import missing_service, postgres_problem, postgres_url

from gongdan import create_app
from gongdan.accounts.models import User
from gongdan.db import Base, db
from gongdan.definitions.registry import clear_compiled_cache
from gongdan.jobs import job_runner
from gongdan.migrations import upgrade_database

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app this test session builds.

    Each app has its own Jinja environment and compiled every template it rendered again:
    about a third of a page test's time. Jinja keys the cache by template name and checks the
    source's checksum, so an edited template is compiled afresh.
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _MemoryBytecodeCache()

#: The password ``make_user`` gives users unless told otherwise.
TEST_PASSWORD = "correct horse"


@dataclass
class MigratedDatabase:
    """A migrated database shared by the tests of one backend in this session."""

    backend: str
    url: str
    engine_options: dict[str, Any] = field(default_factory=dict)
    engine: sa.Engine | None = None
    application_name: str = "gongdan-tests"

    def new_engine(self) -> sa.Engine:
        """A second, independent engine on the same database (for concurrency tests)."""
        return sa.create_engine(self.url, **self.engine_options)

    def empty(self) -> None:
        """Delete every row of every table but Alembic's, restarting id sequences.

        On PostgreSQL a thread that outlived its test (a server or job thread still reading)
        can deadlock with TRUNCATE, which locks table after table: the loser is rolled back by
        the server, so try again a few times.
        """
        for attempt in range(5):
            try:
                self._empty()
                return
            except sa.exc.OperationalError as error:
                if "deadlock" not in str(error) or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def _empty(self) -> None:
        assert self.engine is not None
        with self.engine.begin() as connection:
            # Alembic's version tables (the core's and each plugin chain's) keep their rows.
            present = {
                name
                for name in sa.inspect(connection).get_table_names()
                if not name.startswith("alembic_version")
            }
            if not present:
                return
            if self.backend == "postgresql":
                # A connection an earlier test left inside a transaction would hold locks that
                # TRUNCATE waits for: end those connections of this test session.
                connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE application_name = :name AND pid <> pg_backend_pid()"
                        " AND state LIKE 'idle in transaction%'"
                    ),
                    {"name": self.application_name},
                )
                names = ", ".join(f'"{name}"' for name in sorted(present))
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                return
            # An FTS5 table's shadow tables (kb_articles_fts_data ...) belong to it: deleting
            # their rows corrupts the index; deleting the virtual table's rows empties them.
            virtual = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND sql LIKE 'CREATE VIRTUAL TABLE%'"
            ).scalars()
            for table in list(virtual):
                present -= {name for name in present if name.startswith(f"{table}_")}
            known = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in present]
            # Unknown tables (a plugin's, created by its own test) first: they refer to ours.
            for name in [*sorted(present - set(known)), *known]:
                connection.execute(sa.text(f'DELETE FROM "{name}"'))


class _DatabasePool:
    """Creates each backend's database on first use and removes it at the end of the session."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.databases: dict[str, MigratedDatabase] = {}
        self.schemas: list[str] = []

    def get(self, backend: str) -> MigratedDatabase:
        if backend not in self.databases:
            self.databases[backend] = self._create(backend)
        return self.databases[backend]

    def _create(self, backend: str) -> MigratedDatabase:
        if backend == "sqlite":
            database = MigratedDatabase(backend, f"sqlite:///{self.directory / 'gongdan.sqlite3'}")
        else:
            schema = f"gongdan_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(postgres_url())
            with admin.begin() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            admin.dispose()
            self.schemas.append(schema)
            database = MigratedDatabase(
                backend,
                postgres_url(),
                {
                    "connect_args": {
                        "options": f"-csearch_path={schema}",
                        "application_name": schema,
                    }
                },
                application_name=schema,
            )
        database.engine = database.new_engine()
        if os.environ.get("GONGDAN_TEST_SCHEMA") == "metadata":
            # While models change faster than migrations are written: build from the models.
            # The default (and CI) is the migrated schema; test_migrations keeps both equal.
            import gongdan.models  # noqa: F401  (registers every table on the metadata)

            Base.metadata.create_all(database.engine)
        else:
            upgrade_database(database.engine)
        return database

    def close(self) -> None:
        for database in self.databases.values():
            if database.engine is not None:
                database.engine.dispose()
        if self.schemas:
            admin = sa.create_engine(postgres_url())
            with admin.begin() as connection:
                for schema in self.schemas:
                    connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """Hash test passwords with one PBKDF2 round: scrypt costs ~0.1 s per user."""
    from gongdan.accounts import models as accounts_models

    saved = accounts_models.PASSWORD_HASH_METHOD
    accounts_models.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
    yield
    accounts_models.PASSWORD_HASH_METHOD = saved


@pytest.fixture(autouse=True)
def _no_job_thread_outlives_its_test() -> Iterator[None]:
    """Fail the test that leaves the in-process job thread running (set up first, so checked
    after every other fixture of the test has been torn down)."""
    yield
    stray = [t.name for t in threading.enumerate() if t.name == "gongdan-jobs" and t.is_alive()]
    assert not stray, "the in-process job thread outlived its test: stop its runner"


@pytest.fixture(scope="session")
def _database_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_DatabasePool]:
    pool = _DatabasePool(tmp_path_factory.mktemp("database"))
    yield pool
    pool.close()


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"``; the latter skips (or fails in CI) without a server."""
    if request.param == "postgresql":
        problem = postgres_problem()
        if problem:
            missing_service(problem)
    return str(request.param)


@pytest.fixture
def database(db_backend: str, _database_pool: _DatabasePool) -> MigratedDatabase:
    """The migrated database of ``db_backend``, emptied for this test."""
    test_database = _database_pool.get(db_backend)
    test_database.empty()
    return test_database


@pytest.fixture
def make_app(database: MigratedDatabase, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database; keyword arguments override the config."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        config: dict[str, Any] = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database.url,
            "SQLALCHEMY_ENGINE_OPTIONS": database.engine_options,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "GONGDAN_LOAD_PLUGINS": False,
            "WTF_CSRF_ENABLED": False,
            # Each domain's tests see only their own effects; routing's and the SLA's tests
            # switch them on.
            "GONGDAN_AUTO_ROUTING": False,
            "GONGDAN_SLA": False,
        }
        config.update(overrides)
        built = create_app(config)
        built.jinja_env.bytecode_cache = _TEMPLATE_CODE
        apps.append(built)
        return built

    yield build
    clear_compiled_cache()
    for built in apps:
        # An app that served a request with TESTING off started the in-process job thread:
        # left running, it swept the shared test database in later tests with connections of
        # a disposed engine (the stray thread and the open connection found by the gc later).
        job_runner(built).stop()
        with built.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The application on the test database, CSRF off, no plugins discovered."""
    return make_app()


@pytest.fixture
def csrf_app(make_app: Callable[..., Flask]) -> Flask:
    """The application with CSRF protection on, as in production."""
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """``db.session`` inside an application context."""
    with app.app_context():
        yield db.session


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create (and commit) a user: ``make_user("ann", "agent", department_id=...)``."""

    def build(
        username: str, role: str = "agent", password: str = TEST_PASSWORD, **attrs: Any
    ) -> User:
        with app.app_context():
            user = User(
                username=username,
                role=role,
                display_name=attrs.pop("display_name", username),
                **attrs,
            )
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return build


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., Any]:
    """Log ``client`` in: ``login("ann")`` (password defaults to the test password)."""

    def log_in(username: str, password: str = TEST_PASSWORD) -> Any:
        return client.post("/login", data={"username": username, "password": password})

    return log_in
