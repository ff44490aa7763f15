"""Definition packs: upload a zip, read its validation report, install; download the active set."""

from __future__ import annotations

from flask_admin import Admin


def register(admin: Admin) -> None:
    """Add this part's views to ``admin``."""
