"""The navigation bar: each role's links, each once (the portal and the engineer's pages once
added their own copies of "My requests" and "My work" to the ones every page has)."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from tests.gongdan.fieldwork.factories import build_site, dispatched_repair


def _nav_links(html: str) -> list[str]:
    nav = html[html.index('id="main-nav"') : html.index("</nav>")]
    return re.findall(r'class="nav-link[^"]*" href="(/[^"]*)"', nav)


def test_every_page_shows_each_role_its_links_once(make_app: Callable[..., Flask]) -> None:
    site = build_site(make_app())
    number = dispatched_repair(site)
    customer = site.client("acme_user")
    engineer = site.client("engineer")

    for page in ("/portal", "/portal/new", f"/portal/tickets/{number}"):
        assert _nav_links(customer.get(page).get_data(as_text=True)) == [
            "/portal", "/portal/new", "/portal/kb",
        ], page  # fmt: skip
    for page in ("/work", f"/work/{number}", "/tickets"):
        links = _nav_links(engineer.get(page).get_data(as_text=True))
        assert links.count("/work") == 1 and "/tickets" in links, page
