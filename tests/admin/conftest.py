"""Fixtures of the admin GUI's tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gongdan.db import db
from gongdan.definitions.packs import load_pack
from gongdan.definitions.registry import install_pack

#: The default pack, which the admin's definition pages are tested on.
DEFAULT_PACK = Path(__file__).resolve().parents[2] / "definitions" / "after_sales"


@pytest.fixture
def admin(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Any
) -> FlaskClient:
    """``client`` logged in as an admin, with the default pack installed."""
    with app.app_context():
        install_pack(db.session, load_pack(DEFAULT_PACK), author="tests")
    make_user("root", "admin")
    login("root")
    return client
