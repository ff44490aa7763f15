"""Operations: the notification outbox, the job queues and the audit trail of admin changes."""

from __future__ import annotations

from flask_admin import Admin


def register(admin: Admin) -> None:
    """Add this part's views to ``admin``."""
