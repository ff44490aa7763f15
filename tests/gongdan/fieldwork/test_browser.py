"""The work page's scripts in a real browser (Debian's chromium, 375 px wide): check-in with
the browser's geolocation, a clear message when location is denied, and a signature drawn
with the mouse stored as a PNG.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from tests.gongdan.fieldwork.factories import Site, dispatched_repair
from tests.services import CHROMIUM, chromium_problem, missing_service
from werkzeug.serving import make_server

from gongdan.db import db
from gongdan.tickets.models import TicketAttachment

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"]  # fmt: skip


@pytest.fixture
def live_url(site: Site, db_backend: str) -> Iterator[str]:
    if db_backend != "sqlite":
        pytest.skip("the browser test runs once, on SQLite")
    problem = chromium_problem()
    if problem:
        missing_service(problem)
    server = make_server("127.0.0.1", 0, site.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def _browser_page(playwright: Any, url: str, **context: Any) -> Any:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
    page = browser.new_context(viewport={"width": 375, "height": 740}, **context).new_page()
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "engineer")
    page.fill("input[name=password]", "correct horse")
    page.click("button[type=submit]")
    page.goto(f"{url}/language/en")
    return browser, page


def test_check_in_and_signature_in_the_browser(site: Site, live_url: str) -> None:
    from playwright.sync_api import sync_playwright

    number = dispatched_repair(site)
    with sync_playwright() as playwright:
        browser, page = _browser_page(
            playwright, live_url, geolocation={"latitude": 31.23, "longitude": 121.47},
            permissions=["geolocation"],
        )  # fmt: skip
        page.goto(f"{live_url}/work/{number}")
        page.click("[data-testid=check-in]")
        page.wait_for_selector("[data-testid=checked-in]")
        assert page.inner_text("[data-testid=ticket-state]") == "On site"
        canvas = page.locator("[data-signature-canvas]")
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + 20, box["y"] + 30)
        page.mouse.down()
        for step in range(15):
            page.mouse.move(box["x"] + 20 + step * 15, box["y"] + 30 + (step % 4) * 12)
        page.mouse.up()
        assert page.input_value("#field-customer_signature").startswith("data:image/png;base64,")
        page.click("[data-testid=save-signature]")
        page.wait_for_selector("text=Signature saved.")
        browser.close()
    with site.app.app_context():
        ticket = site.ticket(number)
        assert ticket.state == "on_site"
        signature = db.session.get(TicketAttachment, int(ticket.fields["customer_signature"]))
        assert signature.content_type == "image/png" and signature.size > 1000


def test_denied_location_is_explained(site: Site, live_url: str) -> None:
    from playwright.sync_api import sync_playwright

    number = dispatched_repair(site)
    with sync_playwright() as playwright:
        browser, page = _browser_page(playwright, live_url)  # no geolocation permission
        page.goto(f"{live_url}/work/{number}")
        page.click("[data-testid=check-in]")
        status = page.wait_for_selector("[data-geo-status]:not([hidden])")
        assert "Location access was denied" in status.inner_text()
        browser.close()
    with site.app.app_context():
        assert site.ticket(number).state == "dispatched"
