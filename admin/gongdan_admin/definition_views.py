"""Definitions: each kind's definitions and revisions; draft, validate, diff, publish, rollback."""

from __future__ import annotations

from flask_admin import Admin


def register(admin: Admin) -> None:
    """Add this part's views to ``admin``."""
