"""The billing plugin's hook implementations (and nothing else).

Importing this module (the ``gongdan.plugins`` entry point) imports the models, which puts the
plugin's tables on the core metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gongdan.hookspecs import hookimpl
from gongdan_billing import PLUGIN_KEY, __version__
from gongdan_billing import models as _models  # noqa: F401  (registers the tables)
from gongdan_billing.definitions import PRICE_LIST, PRICE_LIST_SCHEMA, check_price_list

_HERE = Path(__file__).resolve().parent


@hookimpl
def gongdan_plugin_info() -> dict[str, str]:
    return {"key": PLUGIN_KEY, "version": __version__, "title": "Service billing (服务收费)"}


@hookimpl
def gongdan_migrations() -> dict[str, str]:
    return {PLUGIN_KEY: str(_HERE / "migrations" / "versions")}


@hookimpl
def gongdan_definition_kinds() -> dict[str, dict[str, Any]]:
    return {PRICE_LIST: PRICE_LIST_SCHEMA}


@hookimpl
def gongdan_definition_checks() -> dict[str, Any]:
    return {PRICE_LIST: check_price_list}


@hookimpl
def gongdan_definition_packs() -> list[str]:
    return [str(_HERE / "pack")]


@hookimpl
def gongdan_init_app(app: Any) -> None:
    from gongdan.tickets.signals import ticket_event_recorded
    from gongdan_billing.charges import on_ticket_event
    from gongdan_billing.views import bp

    app.register_blueprint(bp)
    # Connected once per process (blinker keeps one receiver); it acts only in apps that
    # loaded this plugin.
    ticket_event_recorded.connect(on_ticket_event, weak=False)


@hookimpl
def gongdan_ticket_panels(place: str, ticket: Any, user: Any) -> str | None:
    from gongdan_billing.views import render_panel

    return render_panel(place, ticket, user)


@hookimpl
def gongdan_report_sections(ticket: Any, user: Any) -> str | None:
    from gongdan_billing.views import render_report_section

    return render_report_section(ticket, user)


@hookimpl
def gongdan_translation_directories() -> list[str]:
    return [str(_HERE / "translations")]


@hookimpl
def gongdan_demo(session: Any) -> str | None:
    from gongdan_billing.demo import load_billing_demo

    return load_billing_demo(session)


@hookimpl
def gongdan_admin_views(admin: Any, app: Any) -> None:
    from gongdan_billing.admin import add_views

    add_views(admin)


@hookimpl
def gongdan_nav_links(user: Any) -> list[tuple[str, str]]:
    from flask import url_for
    from flask_babel import gettext

    from gongdan_billing.views import MANAGER_ROLES

    if user.role == "customer" and user.customer_id is not None:
        url = url_for("billing.customer_statement", customer_id=user.customer_id)
        return [(gettext("Statement"), url)]
    if user.role in MANAGER_ROLES:
        return [(gettext("Revenue report"), url_for("billing.reports_page"))]
    return []


@hookimpl
def gongdan_sweeps() -> dict[str, Any]:
    from gongdan_billing.tasks import quote_sweep

    return {"billing.quotes": quote_sweep}


@hookimpl
def gongdan_event_titles() -> dict[str, Any]:
    from flask_babel import lazy_gettext

    from gongdan_billing.quotes import EXPIRED_EVENT

    return {EXPIRED_EVENT: lazy_gettext("Quote expired unanswered")}
