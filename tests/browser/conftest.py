"""Browser test fixtures: the real app with the demo data served on a free port, and chromium.

The server runs in a thread (werkzeug ``make_server``) on the test database of ``db_backend``;
the default pack is installed and :func:`gongdan.demo.load_demo` loads the demo people,
customers and tickets, so the tests log in with the README's demo logins. Each person gets
their own browser context (cookies, viewport, geolocation). Screenshots go to
``test-artifacts/screenshots/<test>/<step>.png`` at the repository root (gitignored).
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from tests.services import CHROMIUM, chromium_problem, missing_service
from werkzeug.serving import make_server

from gongdan.db import db
from gongdan.definitions.extensions import current_extensions
from gongdan.definitions.packs import load_pack
from gongdan.definitions.registry import install_pack
from gongdan.demo import DEMO_PASSWORD, load_demo

REPOSITORY = Path(__file__).resolve().parents[2]
PACK_ROOT = REPOSITORY / "definitions" / "after_sales"
SCREENSHOTS = REPOSITORY / "test-artifacts" / "screenshots"

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"]  # fmt: skip

#: Desktop for the agent workspace and the portal; the engineer's page is phone first.
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}

#: The demo has no quality inspector; the repair flow's report review needs one.
INSPECTOR = "inspector"

#: Where the engineer stands when checking in (the demo customer's Shanghai shop).
SHOP_POSITION = {"latitude": 31.2304, "longitude": 121.4737, "accuracy": 15}


@dataclass
class LiveSite:
    """The served application and how to reach it."""

    app: Flask
    url: str


@contextmanager
def serving(app: Flask, plugins: Sequence[Any] = ()) -> Iterator[LiveSite]:
    """Serve ``app`` on a free local port with the default pack and the demo data.

    ``plugins`` are plugin modules (``gongdan_x.plugin``) whose packs are installed after the
    default pack and whose demos are loaded after the core's, as ``gongdan init --demo`` does.
    """
    problem = chromium_problem()
    if problem:
        missing_service(problem)
    with app.app_context():
        extensions = current_extensions()
        plugin_packs = [Path(p) for plugin in plugins for p in plugin.gongdan_definition_packs()]
        for pack in [PACK_ROOT, *plugin_packs]:
            install_pack(db.session, load_pack(pack), author="browser-tests", extensions=extensions)
        load_demo(db.session)
        for plugin in plugins:
            plugin.gongdan_demo(session=db.session)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveSite(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(5)


@pytest.fixture
def live_site(make_app: Callable[..., Flask], db_backend: str) -> Iterator[LiveSite]:
    """The app with the default pack and the demo data, served on a free local port.

    Configured as in production: CSRF protection, automatic routing and SLA clocks on.
    """
    app = make_app(WTF_CSRF_ENABLED=True, GONGDAN_AUTO_ROUTING=True, GONGDAN_SLA=True)
    with serving(app) as site:
        yield site


@dataclass
class Browser:
    """One chromium for a test; ``person`` opens a logged-in page in a context of its own."""

    playwright: Any
    browser: Any
    url: str
    shots: Path
    contexts: list[Any] = field(default_factory=list)

    def person(
        self, username: str, *, language: str | None = None, viewport: dict[str, int] = DESKTOP,
        **context: Any,
    ) -> Any:  # fmt: skip
        """A new page logged in as ``username`` (demo password), optionally in ``language``."""
        browser_context = self.browser.new_context(viewport=viewport, **context)
        browser_context.set_default_timeout(10_000)
        self.contexts.append(browser_context)
        page = browser_context.new_page()
        page.goto(f"{self.url}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert "/login" not in page.url, f"{username} could not log in"
        if language:
            page.goto(f"{self.url}/language/{language}")
        return page

    def shot(self, page: Any, step: str) -> None:
        """Save a full-page screenshot as ``<step>.png`` in this test's folder."""
        page.screenshot(path=str(self.shots / f"{step}.png"), full_page=True)


@pytest.fixture
def browser(live_site: LiveSite, request: pytest.FixtureRequest) -> Iterator[Browser]:
    """Chromium (Debian's) driven by Playwright, with a screenshot folder for this test."""
    from playwright.sync_api import sync_playwright

    shots = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    shutil.rmtree(shots, ignore_errors=True)  # no stale steps from an earlier run
    shots.mkdir(parents=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield Browser(playwright, chromium, live_site.url, shots)
        chromium.close()
