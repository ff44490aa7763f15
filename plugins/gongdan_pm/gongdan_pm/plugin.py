"""The pm plugin's hook implementations (and nothing else).

Importing this module (the ``gongdan.plugins`` entry point) imports the models, which puts the
plugin's tables on the core metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gongdan.hookspecs import hookimpl
from gongdan_pm import PLUGIN_KEY, __version__
from gongdan_pm import models as _models  # noqa: F401  (registers the tables)
from gongdan_pm.definitions import (
    MAINTENANCE_PLAN,
    MAINTENANCE_PLAN_SCHEMA,
    check_maintenance_plan,
)

_HERE = Path(__file__).resolve().parent


@hookimpl
def gongdan_plugin_info() -> dict[str, str]:
    return {"key": PLUGIN_KEY, "version": __version__, "title": "Preventive maintenance (PM)"}


@hookimpl
def gongdan_migrations() -> dict[str, str]:
    return {PLUGIN_KEY: str(_HERE / "migrations" / "versions")}


@hookimpl
def gongdan_definition_kinds() -> dict[str, dict[str, Any]]:
    return {MAINTENANCE_PLAN: MAINTENANCE_PLAN_SCHEMA}


@hookimpl
def gongdan_definition_checks() -> dict[str, Any]:
    return {MAINTENANCE_PLAN: check_maintenance_plan}


@hookimpl
def gongdan_definition_packs() -> list[str]:
    return [str(_HERE / "pack")]


@hookimpl
def gongdan_sweeps() -> dict[str, Any]:
    from gongdan_pm.tasks import pm_sweep

    return {"pm.generate": pm_sweep}


@hookimpl
def gongdan_init_app(app: Any) -> None:
    from gongdan_pm.cli import pm_command
    from gongdan_pm.subscriptions import connect
    from gongdan_pm.views import bp

    app.extensions[PLUGIN_KEY] = True
    app.register_blueprint(bp)
    app.cli.add_command(pm_command)
    connect()


@hookimpl
def gongdan_asset_panels(asset: Any, user: Any) -> str | None:
    from gongdan_pm.views import render_asset_panel

    return render_asset_panel(asset, user)


@hookimpl
def gongdan_translation_directories() -> list[str]:
    return [str(_HERE / "translations")]


@hookimpl
def gongdan_admin_views(admin: Any, app: Any) -> None:
    from gongdan_pm.admin import add_views

    add_views(admin)


@hookimpl
def gongdan_demo(session: Any) -> str | None:
    from gongdan_pm.demo import load_pm_demo

    return load_pm_demo(session)


@hookimpl
def gongdan_nav_links(user: Any) -> list[tuple[str, str]]:
    from flask import url_for
    from flask_babel import gettext

    from gongdan.accounts.policy import is_staff

    # The calendar links to the compliance report; staff plan and see visits there.
    return [(gettext("PM calendar"), url_for("pm.calendar_page"))] if is_staff(user) else []


@hookimpl
def gongdan_event_titles() -> dict[str, Any]:
    from flask_babel import lazy_gettext

    from gongdan_pm.generation import OVERDUE_EVENT

    return {OVERDUE_EVENT: lazy_gettext("PM visit overdue")}
