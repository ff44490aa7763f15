"""The application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from gongdan.config import settings_from_env
from gongdan.db import db
from gongdan.plugins import build_plugin_manager

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_instance_path() -> Path:
    """Where the SQLite file, secret key and uploads live.

    ``GONGDAN_INSTANCE_PATH`` wins; in a source checkout it is ``instance/`` at the repository
    root (so ``make run``, the CLI and the tests agree whatever the working directory); an
    installed package uses ``instance/`` in the current directory.
    """
    configured = os.environ.get("GONGDAN_INSTANCE_PATH")
    if configured:
        return Path(configured).resolve()
    repo_root = _PACKAGE_DIR.parent.parent
    if (repo_root / "pyproject.toml").exists():
        return repo_root / "instance"
    return Path.cwd() / "instance"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a Gongdan application.

    Settings come from the environment (:mod:`gongdan.config`); ``config`` overrides them,
    which is how tests point the app at their own database.
    """
    overrides = dict(config or {})
    instance_path = Path(overrides.pop("INSTANCE_PATH", None) or default_instance_path())
    instance_path.mkdir(parents=True, exist_ok=True)
    app = Flask("gongdan", instance_path=str(instance_path))
    app.config.update(settings_from_env(instance_path))
    app.config.update(overrides)

    db.init_app(app)
    plugin_manager = build_plugin_manager(
        discover=app.config.get("GONGDAN_LOAD_PLUGINS", True),
        extra=app.config.get("GONGDAN_EXTRA_PLUGINS", ()),
    )
    app.extensions["gongdan.plugins"] = plugin_manager

    from gongdan import cli, jobs, routing, sla, web

    web.init_app(app)
    cli.init_app(app)
    routing.init_app(app)
    sla.init_app(app)
    jobs.init_app(app)
    plugin_manager.hook.gongdan_init_app(app=app)
    if app.config.get("GONGDAN_ADMIN", True):
        import gongdan_admin  # the admin GUI ships beside the engine (admin/ source root)

        gongdan_admin.init_app(app)
    _trust_proxies(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take the client address from ``X-Forwarded-For``.

    ``GONGDAN_TRUSTED_PROXIES`` (config or environment, default 0) says how many; without it,
    login throttling by address would see only the load balancer's address.
    """
    count = int(
        app.config.get("GONGDAN_TRUSTED_PROXIES") or os.environ.get("GONGDAN_TRUSTED_PROXIES") or 0
    )
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )
