"""Customers and installed base: contacts, addresses, assets, service contracts, warranty."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Attach the staff pages (search, customer, asset)."""
    # Imported here: the models are imported by everything, the views only by the web app.
    from gongdan.customers import views

    views.init_app(app)
