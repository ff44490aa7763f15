from __future__ import annotations

import pytest
from flask import Flask
from tests.gongdan.api.world import ApiWorld, build_world


@pytest.fixture
def world(app: Flask) -> ApiWorld:
    return build_world(app)
