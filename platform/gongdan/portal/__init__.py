"""The customer portal at ``/portal``: submit requests, follow them, confirm or reopen."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the ``/portal`` blueprint."""
    from gongdan.portal.views import bp

    app.register_blueprint(bp)
