"""Panels plugins add to a ticket's pages (the ``gongdan_ticket_panels`` hook).

Templates call ``plugin_panels(place, ticket)``: the agent's ticket page with ``"agent"``, the
engineer's phone page with ``"engineer"``, the customer portal's request page with ``"portal"``.
Each plugin returns the HTML of its panel (rendered from its own templates, so escaped) or
``None``. ``report_sections(ticket)`` does the same for the engineer's service report (the
``gongdan_report_sections`` hook), ``asset_panels(asset)`` for an asset's page.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_login import current_user
from markupsafe import Markup

#: Where a panel can appear.
PLACES = ("agent", "engineer", "portal")


def _plugin_html(hook: str, **arguments: Any) -> list[Markup]:
    """The HTML each plugin answers ``hook`` with for the current user, in hook order."""
    manager = current_app.extensions.get("gongdan.plugins")
    if manager is None:
        return []
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    results = getattr(manager.hook, hook)(user=user, **arguments)
    # Each plugin rendered its HTML with Jinja's autoescaping; it is trusted as markup.
    return [Markup(html) for html in results if html]


def plugin_panels(place: str, ticket: Any) -> list[Markup]:
    """The panels the app's plugins show on ``ticket`` at ``place`` for the current user."""
    if place not in PLACES:
        raise ValueError(f"unknown panel place {place!r} (one of {PLACES})")
    return _plugin_html("gongdan_ticket_panels", place=place, ticket=ticket)


def report_sections(ticket: Any) -> list[Markup]:
    """The sections the app's plugins add to ``ticket``'s service report for the current user."""
    return _plugin_html("gongdan_report_sections", ticket=ticket)


def asset_panels(asset: Any) -> list[Markup]:
    """The panels the app's plugins add to ``asset``'s page (``gongdan_asset_panels``)."""
    return _plugin_html("gongdan_asset_panels", asset=asset)


def init_app(app: Flask) -> None:
    """Make ``plugin_panels`` and ``report_sections`` available to templates."""
    app.jinja_env.globals["plugin_panels"] = plugin_panels
    app.jinja_env.globals["report_sections"] = report_sections
