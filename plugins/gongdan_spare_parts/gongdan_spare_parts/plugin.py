"""The spare parts plugin's hook implementations (and nothing else).

Importing this module (the ``gongdan.plugins`` entry point) imports the models, which puts the
plugin's tables on the core metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gongdan.hookspecs import hookimpl
from gongdan_spare_parts import PLUGIN_KEY, __version__
from gongdan_spare_parts import models as _models  # noqa: F401  (registers the tables)
from gongdan_spare_parts.definitions import (
    IN_STOCK,
    PART_LINES,
    STOCK_POLICY,
    STOCK_POLICY_SCHEMA,
    check_stock_policy,
)

_HERE = Path(__file__).resolve().parent


@hookimpl
def gongdan_plugin_info() -> dict[str, str]:
    return {"key": PLUGIN_KEY, "version": __version__, "title": "Spare parts (备件管理)"}


@hookimpl
def gongdan_migrations() -> dict[str, str]:
    return {PLUGIN_KEY: str(_HERE / "migrations" / "versions")}


@hookimpl
def gongdan_definition_kinds() -> dict[str, dict[str, Any]]:
    return {STOCK_POLICY: STOCK_POLICY_SCHEMA}


@hookimpl
def gongdan_definition_checks() -> dict[str, Any]:
    return {STOCK_POLICY: check_stock_policy}


@hookimpl
def gongdan_condition_functions() -> dict[str, Any]:
    return {IN_STOCK.name: IN_STOCK}


@hookimpl
def gongdan_field_types() -> dict[str, Any]:
    return {PART_LINES.name: PART_LINES}


@hookimpl
def gongdan_definition_packs() -> list[str]:
    return [str(_HERE / "pack")]


@hookimpl
def gongdan_sweeps() -> dict[str, Any]:
    from gongdan_spare_parts.tasks import stock_sweep

    return {"spare_parts.stock": stock_sweep}


@hookimpl
def gongdan_init_app(app: Any) -> None:
    from gongdan_spare_parts.views import bp

    app.register_blueprint(bp)


@hookimpl
def gongdan_ticket_panels(place: str, ticket: Any, user: Any) -> str | None:
    from gongdan_spare_parts.views import render_panel

    return render_panel(place, ticket, user)


@hookimpl
def gongdan_translation_directories() -> list[str]:
    return [str(_HERE / "translations")]


@hookimpl
def gongdan_admin_views(admin: Any, app: Any) -> None:
    from gongdan_spare_parts.admin import add_views

    add_views(admin)


@hookimpl
def gongdan_demo(session: Any) -> str | None:
    from gongdan_spare_parts.demo import load_spare_parts_demo

    return load_spare_parts_demo(session)


@hookimpl
def gongdan_nav_links(user: Any) -> list[tuple[str, str]]:
    from flask import url_for
    from flask_babel import gettext

    from gongdan_spare_parts.views import REPORT_ROLES

    links = []
    if user.role == "engineer":
        links.append((gettext("My van stock"), url_for("spare_parts.my_van")))
    if user.role in REPORT_ROLES:
        links.append((gettext("Parts reports"), url_for("spare_parts.reports_page")))
    return links


@hookimpl
def gongdan_event_titles() -> dict[str, Any]:
    from flask_babel import lazy_gettext

    return {
        "spare_parts.requested": lazy_gettext("Part requested"),
        "spare_parts.approved": lazy_gettext("Part request approved"),
        "spare_parts.rejected": lazy_gettext("Part request rejected"),
        "spare_parts.released": lazy_gettext("Part reservation released"),
        "spare_parts.issued": lazy_gettext("Part issued"),
        "spare_parts.consumed": lazy_gettext("Part used"),
        "spare_parts.returned": lazy_gettext("Part returned unused"),
        "spare_parts.faulty_returned": lazy_gettext("Faulty part sent back"),
        "spare_parts.arrived": lazy_gettext("Parts arrived"),
    }
