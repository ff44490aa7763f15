"""The benchmark databases: PostgreSQL databases of their own, set up like ``gongdan init --demo``.

Each benchmark data set lives in its own database (``gongdan_bench`` for the ticket history,
``gongdan_bench_sla`` for the open backlog of the SLA sweep) on the server of
``BENCH_POSTGRES_URL`` (default: the local test server). A database is created on first use and
kept between runs, so a second run reuses the generated tickets; ``--fresh`` drops it first.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

DEFAULT_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    """The PostgreSQL server the benchmarks use (any database on it; ours are created beside)."""
    return os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_SERVER_URL


@dataclass(frozen=True)
class BenchDatabase:
    """One benchmark database: its URL, and the app and engine that work on it."""

    name: str

    @property
    def url(self) -> str:
        return make_url(server_url()).set(database=self.name).render_as_string(hide_password=False)

    def engine(self, **options: object) -> sa.Engine:
        return sa.create_engine(self.url, **options)

    def exists(self) -> bool:
        return _on_server(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), name=self.name
        )

    def drop(self) -> None:
        _on_server(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    def create(self) -> None:
        _on_server(sa.text(f'CREATE DATABASE "{self.name}"'))

    def app(self, **config: object) -> Flask:
        """A Gongdan app on this database (no admin GUI, no background runner threads)."""
        from gongdan import create_app

        return create_app(
            {
                "SQLALCHEMY_DATABASE_URI": self.url,
                "INSTANCE_PATH": instance_path(),
                "SECRET_KEY": "bench",
                "REDIS_URL": None,
                "JOBS_AUTOSTART": False,
                **config,
            }
        )

    def ensure(self, *, fresh: bool = False) -> Flask:
        """Create (or, with ``fresh``, re-create) the database, migrated, packed and demo-loaded."""
        if fresh:
            self.drop()
        if not self.exists():
            self.create()
        app = self.app()
        from gongdan.cli import (
            default_pack_path,
            install_packs,
            migrate_database,
            plugin_pack_paths,
        )
        from gongdan.db import db
        from gongdan.demo import load_demo

        migrate_database(app)
        install_packs(app, [default_pack_path(), *plugin_pack_paths(app)])
        with app.app_context():
            load_demo(db.session)
        return app


def _on_server(statement: sa.TextClause, **parameters: object) -> bool:
    """Run ``statement`` outside a transaction on the server; whether it returned a row."""
    admin = sa.create_engine(server_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            result = connection.execute(statement, parameters)
            return result.returns_rows and result.first() is not None
    finally:
        admin.dispose()


def instance_path() -> str:
    """An instance folder for the benchmark apps (attachments, outbox files), outside the repo."""
    path = Path(tempfile.gettempdir()) / "gongdan-bench-instance"
    path.mkdir(exist_ok=True)
    return str(path)


#: The ticket history (lists, reports, the create path).
HISTORY = BenchDatabase("gongdan_bench")
#: An open backlog of 1 000 000 tickets with running clocks (the SLA sweep).
BACKLOG = BenchDatabase("gongdan_bench_sla")
