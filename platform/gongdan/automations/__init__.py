"""Automations: Automation definitions run on ticket events and on schedules."""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Run event automations (the subscription is process-wide)."""
    from gongdan.automations import services

    services.connect()
