"""Registers the blueprints, extensions and error pages of the web application."""

from __future__ import annotations

from flask import Flask, jsonify


def init_app(app: Flask) -> None:
    """Attach every web component to ``app``."""

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return jsonify(status="ok")
