"""Settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongdan.config import settings_from_env
from gongdan.errors import ConfigError


def test_background_work_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = settings_from_env(
        tmp_path, {"JOBS_SWEEP_SECONDS": "5", "NOTIFICATION_MAX_ATTEMPTS": "3", "RQ_QUEUE": "q1"}
    )

    assert settings["JOBS_SWEEP_SECONDS"] == 5
    assert settings["NOTIFICATION_MAX_ATTEMPTS"] == 3
    assert settings["RQ_QUEUE"] == "q1"


def test_a_setting_that_is_not_a_number_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="JOBS_SWEEP_SECONDS='soon' is not a number"):
        settings_from_env(tmp_path, {"JOBS_SWEEP_SECONDS": "soon"})


def test_postgres_urls_use_psycopg_3(tmp_path: Path) -> None:
    settings = settings_from_env(tmp_path, {"DATABASE_URL": "postgres://u@h/db"})

    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
