"""Links plugins add to the main navigation bar (the ``gongdan_nav_links`` hook).

The base template calls ``plugin_nav_links()`` after the core's own links; each plugin decides
which of its pages the current user may open (a spare parts van for engineers, PM calendars for
staff, statements for customers), so the bar never offers a page that answers 403.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_login import current_user


def plugin_nav_links() -> list[tuple[str, str]]:
    """``(label, url)`` of every plugin link for the current user, in plugin order."""
    manager = current_app.extensions.get("gongdan.plugins")
    if manager is None or not current_user.is_authenticated:
        return []
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    return [
        (str(label), str(url))
        for links in manager.hook.gongdan_nav_links(user=user)
        for label, url in links or ()
    ]


def init_app(app: Flask) -> None:
    """Make ``plugin_nav_links`` available to templates."""
    app.jinja_env.globals["plugin_nav_links"] = plugin_nav_links
