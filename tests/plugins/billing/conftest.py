"""Fixtures of the billing plugin's tests: the app with the plugin, a repair centre with parts,
assets in and out of warranty, a contract customer and the billing pack."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

# With the plugin uninstalled the core's tests still run; these are skipped, not broken.
pytest.importorskip("gongdan_billing", reason="the billing plugin is not installed")
pytest.importorskip("gongdan_spare_parts", reason="billing prices parts from spare parts")

from tests.plugins.billing.factories import Shop, build_shop  # noqa: E402

from gongdan.tickets.pinning import clear_pinned_cache


@pytest.fixture
def bl_app(make_app: Callable[..., Flask]) -> Flask:
    """The application with the installed plugins (billing and spare parts among them)."""
    return make_app(GONGDAN_LOAD_PLUGINS=True)


@pytest.fixture
def shop(bl_app: Flask) -> Iterator[Shop]:
    clear_pinned_cache()
    yield build_shop(bl_app)
    clear_pinned_cache()
