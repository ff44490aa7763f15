"""The ``gongdan`` command: init, demo, db upgrade, user create, serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from gongdan.accounts.models import User
from gongdan.db import db
from gongdan.definitions.models import DefinitionRevision
from gongdan.migrations import alembic_config

#: The newest migration: what `init` and `db upgrade` report.
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()

REPO_ROOT = Path(__file__).resolve().parents[2]


def _revision_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DefinitionRevision)) or 0


def test_init_installs_the_default_pack_and_is_idempotent(
    app: Flask, runner: FlaskCliRunner
) -> None:
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert f"is at schema revision {HEAD}" in first.output
    installed = _revision_count(app)
    assert installed > 0
    assert f"Pack after_sales: {installed} definitions installed, 0 unchanged." in first.output
    assert "Demo logins" not in first.output

    second = runner.invoke(args=["init"])
    assert second.exit_code == 0, second.output
    assert f"0 definitions installed, {installed} unchanged" in second.output
    assert _revision_count(app) == installed


def test_init_reports_a_broken_pack_without_a_traceback(
    runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GONGDAN_DEFAULT_PACK", str(tmp_path / "missing"))
    result = runner.invoke(args=["init"])
    assert result.exit_code == 1
    assert "is not a pack folder" in result.output
    assert "Traceback" not in result.output


def test_db_upgrade_is_a_no_op_on_a_current_database(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"Database is at schema revision {HEAD}." in result.output


def test_user_create_makes_a_user_who_can_log_in(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["user", "create", "ops", "--role", "admin", "--password", "pw-123", "--name", "运维"]
    )
    assert result.exit_code == 0, result.output
    assert "Created user 'ops' with role 'admin'." in result.output
    response = app.test_client().post("/login", data={"username": "ops", "password": "pw-123"})
    assert response.status_code == 302


def test_user_create_refuses_an_unknown_role_and_a_taken_name(
    app: Flask, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["user", "create", "ops", "--role", "admin", "--password", "x"])
    result = runner.invoke(args=["user", "create", "ops", "--role", "boss", "--password", "x"])
    assert result.exit_code == 1
    assert "username 'ops' is already taken" in result.output
    assert "unknown role 'boss'" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_the_pack_commands_are_attached(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["pack", "--help"])
    assert result.exit_code == 0, result.output
    assert "install" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _gongdan_command() -> list[str]:
    script = Path(sys.executable).parent / "gongdan"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from gongdan.cli import main; main()"]


@pytest.mark.slow
def test_serve_starts_and_answers_healthz(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "GONGDAN_INSTANCE_PATH": str(tmp_path),
        "GONGDAN_LOAD_PLUGINS": "0",
        "PORT": str(port),
    }
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [*_gongdan_command(), "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        body = b""
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"gongdan serve exited with {process.returncode}:\n{output}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read()
                break
            except OSError:
                time.sleep(0.2)
        assert body == b'{"status":"ok"}\n'
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def test_demo_on_a_database_that_was_never_set_up_says_what_to_do(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'blank.sqlite3'}",
        SQLALCHEMY_ENGINE_OPTIONS={},
    )
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1
    assert "the database refused the command: no such table" in result.output
    assert "was `gongdan init` run?" in result.output
    assert "Traceback" not in result.output
