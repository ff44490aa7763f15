"""Steps the browser tests share: submit a portal request, run a transition on the agent page."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

#: A 1×1 PNG, the "photo" of the broken machine.
PHOTO_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


def submit_repair_request(page: Any, url: str, symptom: str) -> str:
    """Fill and submit the portal's repair form as the logged-in customer; the new number."""
    page.goto(f"{url}/portal/new?type=repair")
    page.select_option("#field-contact", index=1)
    page.select_option("#field-visit_address", index=1)  # the shop on file
    page.select_option("#field-asset", index=1)
    page.select_option("#field-product_model", "es_pro_2")
    page.fill("#field-symptom", symptom)
    page.select_option("#field-impact", "degraded")
    page.set_input_files(
        "#field-photos", files=[{"name": "leak.png", "mimeType": "image/png", "buffer": PHOTO_PNG}]
    )
    with page.expect_navigation():
        page.click("[data-testid=submit-request]")
    refused = page.locator("[data-testid=request-error], .gd-error:not([hidden])")
    assert not refused.count(), refused.all_inner_texts()
    page.wait_for_selector("[data-testid=request-status]")
    return page.inner_text("h1").strip()


def open_ticket(page: Any, url: str, number: str) -> None:
    """Find ``number`` with the workspace search and open it."""
    page.goto(f"{url}/tickets?queue=all")
    page.fill("#filter-q", number)
    with page.expect_navigation():
        page.click("#filter-apply")
    with page.expect_navigation():
        page.click(f"tr[data-ticket='{number}'] a.ticket-link")
    page.wait_for_selector("#ticket-number")


def run_transition(
    page: Any, key: str, fill: Callable[[Any], None] | None = None, comment: str = ""
) -> None:
    """Run transition ``key`` on the agent's ticket page, filling its form when it has one."""
    page.click(f"[data-testid=transition-{key}]")
    form = page.locator(f"#transition-form-{key}")
    if form.count():
        if fill is not None:
            fill(form)
        if comment:
            form.locator(f"#transition-comment-{key}").fill(comment)
    with page.expect_navigation():
        page.click(f"#transition-submit-{key}")
    alert = page.locator("#ticket-alert")
    assert not alert.count(), alert.inner_text()


def draw_signature(page: Any) -> None:
    """Sign the work page's signature pad with a mouse scribble."""
    canvas = page.locator("[data-signature-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    for step in range(15):
        page.mouse.move(box["x"] + 20 + step * 15, box["y"] + 30 + (step % 4) * 12)
    page.mouse.up()
