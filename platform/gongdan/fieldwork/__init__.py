"""The engineer's phone pages at ``/work``: assigned jobs, check-in, report, signature."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the ``/work`` blueprint."""
    from gongdan.fieldwork.views import bp

    app.register_blueprint(bp)
