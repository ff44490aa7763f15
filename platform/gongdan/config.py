"""Settings from the environment.

Every setting has a default that runs the embedded product (SQLite in the instance folder,
background work in-process). Production sets ``DATABASE_URL`` and ``REDIS_URL``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gongdan.errors import ConfigError


def _normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgres://`` / ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key(instance_path: Path) -> str:
    """A stable secret key kept in the instance folder when none is configured.

    Sessions survive restarts of the embedded product without asking a newcomer to invent a key.
    """
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


#: Numeric settings that may also come from the environment (background work and delivery).
NUMERIC_SETTINGS = (
    "JOBS_SWEEP_SECONDS",
    "NOTIFICATION_MAX_ATTEMPTS",
    "NOTIFICATION_BACKOFF_SECONDS",
    "NOTIFICATION_LEASE_SECONDS",
)


def _numeric_settings(env: Mapping[str, str]) -> dict[str, float]:
    """The :data:`NUMERIC_SETTINGS` set in ``env``; a value that is not a number is an error."""
    found: dict[str, float] = {}
    for name in NUMERIC_SETTINGS:
        if env.get(name):
            try:
                found[name] = float(env[name])
            except ValueError:
                raise ConfigError(f"{name}={env[name]!r} is not a number") from None
    return found


def settings_from_env(
    instance_path: Path, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if environ is None else environ
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'gongdan.sqlite3'}"
    return {
        "SECRET_KEY": env.get("SECRET_KEY") or _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(database_url),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "BABEL_DEFAULT_LOCALE": env.get("GONGDAN_LOCALE", "zh_CN"),
        "GONGDAN_LOAD_PLUGINS": env.get("GONGDAN_LOAD_PLUGINS", "1") != "0",
        "MAX_CONTENT_LENGTH": int(env.get("GONGDAN_MAX_UPLOAD_BYTES", str(32 * 1024 * 1024))),
        **({"RQ_QUEUE": env["RQ_QUEUE"]} if env.get("RQ_QUEUE") else {}),
        **_numeric_settings(env),
    }
