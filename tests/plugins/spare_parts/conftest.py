"""Fixtures of the spare parts plugin's tests: the app with the plugin loaded, a depot."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

# With the plugin uninstalled the core's tests still run; these are skipped, not broken.
pytest.importorskip("gongdan_spare_parts", reason="the spare parts plugin is not installed")

from tests.plugins.spare_parts.factories import Depot, build_depot  # noqa: E402

from gongdan.tickets.pinning import clear_pinned_cache


@pytest.fixture
def sp_app(make_app: Callable[..., Flask]) -> Flask:
    """The application with installed plugins discovered (the spare parts plugin among them)."""
    return make_app(GONGDAN_LOAD_PLUGINS=True)


@pytest.fixture
def depot(sp_app: Flask) -> Iterator[Depot]:
    clear_pinned_cache()
    yield build_depot(sp_app)
    clear_pinned_cache()
