"""The default pack compiled from its files (no database): the forms tests' ticket types."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from flask import Flask

from gongdan import create_app
from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.compiled import CompiledSet
from gongdan.definitions.packs import load_pack

PACK_ROOT = Path(__file__).resolve().parents[3] / "definitions" / "after_sales"


@functools.cache
def _compiled() -> CompiledSet:
    return compile_definitions(load_pack(PACK_ROOT).definitions)


@pytest.fixture
def compiled() -> CompiledSet:
    return _compiled()


@pytest.fixture
def form_app(tmp_path: Path) -> Flask:
    """The app for rendering the macros: no test database needed, nothing is stored."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "GONGDAN_LOAD_PLUGINS": False,
        }
    )
