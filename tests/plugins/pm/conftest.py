"""Fixtures of the PM plugin's tests: the app with the plugin loaded, a site with assets."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

# With the plugin uninstalled the core's tests still run; these are skipped, not broken.
pytest.importorskip("gongdan_pm", reason="the PM plugin is not installed")

from tests.plugins.pm.factories import PmSite, build_pm_site  # noqa: E402

from gongdan.tickets.pinning import clear_pinned_cache


@pytest.fixture
def pm_app(make_app: Callable[..., Flask]) -> Flask:
    """The application with installed plugins discovered (the PM plugin among them), routing
    and SLA on: PM tickets are routed and timed like any ticket."""
    return make_app(GONGDAN_LOAD_PLUGINS=True, GONGDAN_AUTO_ROUTING=True, GONGDAN_SLA=True)


@pytest.fixture
def pm_site(pm_app: Flask) -> Iterator[PmSite]:
    clear_pinned_cache()
    yield build_pm_site(pm_app)
    clear_pinned_cache()
