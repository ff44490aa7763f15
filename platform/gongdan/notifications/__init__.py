"""Notifications: sandboxed templates, the outbox, channels and delivery jobs."""

from __future__ import annotations

from flask import Flask

from gongdan.notifications.outbox import enqueue_notification

__all__ = ["enqueue_notification", "init_app"]


def init_app(app: Flask) -> None:
    """Send the templates whose events fire (the subscription is process-wide)."""
    from gongdan.notifications import services

    services.connect()
