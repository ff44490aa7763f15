"""Knowledge base: articles, Chinese/English full-text search, suggestions while a ticket is
typed, "solved by this article" and drafts written from resolved tickets (issue 7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Keep search tokens in step, and attach the ``/kb`` and ``/portal/kb`` pages."""
    from gongdan.knowledge import indexing, portal_views, views

    indexing.install()
    views.init_app(app)
    portal_views.init_app(app)
