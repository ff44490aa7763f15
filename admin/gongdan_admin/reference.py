"""Reference data: users, departments, skills, availability, customers and their installed base."""

from __future__ import annotations

from flask_admin import Admin


def register(admin: Admin) -> None:
    """Add this part's views to ``admin``."""
