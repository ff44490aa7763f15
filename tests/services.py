"""Which outside services the test run can reach, and what to do when one is missing.

PostgreSQL and Redis tests use the real servers when reachable (``TEST_DATABASE_URL``,
``TEST_REDIS_URL``; defaults on 127.0.0.1). When one is missing the tests that need it skip with
a message naming it, unless ``GONGDAN_REQUIRE_SERVICES=1`` (CI), which turns the skip into a
failure.
"""

from __future__ import annotations

import functools
import os
import shutil

import pytest

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
CHROMIUM = "/usr/bin/chromium"


def services_required() -> bool:
    return os.environ.get("GONGDAN_REQUIRE_SERVICES") == "1"


def postgres_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL


def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS_URL


@functools.cache
def postgres_problem() -> str | None:
    """``None`` when PostgreSQL answers, else why not."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(postgres_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure means "not usable"; the message says which
        return f"PostgreSQL is not reachable at {postgres_url()}: {exc.__class__.__name__}: {exc}"
    return None


@functools.cache
def redis_problem() -> str | None:
    """``None`` when Redis answers, else why not."""
    import redis

    try:
        redis.Redis.from_url(redis_url(), socket_connect_timeout=3).ping()
    except Exception as exc:  # any failure means "not usable"; the message says which
        return f"Redis is not reachable at {redis_url()}: {exc.__class__.__name__}: {exc}"
    return None


@functools.cache
def chromium_problem() -> str | None:
    """``None`` when Debian's chromium and Playwright are available, else why not."""
    if not shutil.which(CHROMIUM):
        return f"chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


def missing_service(problem: str) -> None:
    """Skip the current test for ``problem`` — or fail it when services are required."""
    if services_required():
        pytest.fail(f"GONGDAN_REQUIRE_SERVICES=1 but {problem}", pytrace=False)
    pytest.skip(problem)
