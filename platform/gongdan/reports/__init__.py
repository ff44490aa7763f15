"""Reports for managers: KPIs computed in SQL, the ``/reports`` dashboard, CSV/XLSX exports.

The JSON API lives in :mod:`gongdan.reports.api` and is registered with the other ``/api/v1``
blueprints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Attach the ``/reports`` pages."""
    from gongdan.reports import views

    views.init_app(app)
