"""Fixtures of the notification tests: the default pack, people, and the folder channel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from tests.gongdan.notifications.factories import People, install_world

from gongdan.db import db
from gongdan.tickets.pinning import clear_pinned_cache


@pytest.fixture
def people(app: Flask) -> Iterator[People]:
    clear_pinned_cache()
    with app.app_context():
        yield install_world(db.session)
    clear_pinned_cache()
