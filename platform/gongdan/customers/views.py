"""Staff pages of the installed base: customer search, the customer page, the asset page.

Customers' own users get 403 here: they see their organisation through the portal. The ticket
lists on these pages are filtered by :func:`gongdan.tickets.visibility.visible_tickets`, so an
engineer sees only the tickets they could open anyway.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, abort, current_app, render_template, request, url_for
from flask_babel import lazy_gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.routing import BuildError

from gongdan import i18n
from gongdan.accounts.models import User
from gongdan.accounts.policy import is_staff
from gongdan.customers import services
from gongdan.customers.models import Asset, Customer, service_today
from gongdan.db import db
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.registry import active_revision
from gongdan.tickets.models import Ticket
from gongdan.tickets.plugin_panels import asset_panels
from gongdan.tickets.visibility import visible_tickets

bp = Blueprint("customers", __name__)

#: Tickets shown on the customer page.
RECENT_TICKETS = 10
#: Customers listed when no search text is given.
BROWSE_LIMIT = 50
#: Warranty ending within this many days is flagged.
WARRANTY_SOON_DAYS = 30


def _staff() -> User:
    if not is_staff(current_user):
        abort(403)
    user: User = current_user._get_current_object()
    return user


def option_titles(list_key: str) -> dict[str, str]:
    """Value → title in the current language of the active OptionList ``list_key``."""
    revision = active_revision(db.session, "OptionList", list_key)
    if revision is None:
        return {}
    titles: dict[str, str] = {}
    for option in revision.document.get("spec", {}).get("options", []):
        if isinstance(option, dict) and "value" in option:
            value = str(option["value"])
            titles[value] = i18n.local_text(option.get("title"), value)
    return titles


#: Endpoints that may be the ticket page, tried in order (the tickets blueprint owns it).
TICKET_PAGE_ENDPOINTS = ("tickets.show", "tickets.detail", "tickets.view", "tickets.ticket")


def ticket_url(ticket: Ticket) -> str | None:
    """The link to a ticket's page, whatever it is keyed by (number or id); else no link."""
    values = {"number": ticket.number, "ticket_id": ticket.id, "id": ticket.id}
    for endpoint in TICKET_PAGE_ENDPOINTS:
        for rule in (
            current_app.url_map.iter_rules(endpoint)
            if endpoint in current_app.view_functions
            else ()
        ):
            if rule.arguments and rule.arguments <= values.keys():
                try:
                    return url_for(endpoint, **{name: values[name] for name in rule.arguments})
                except BuildError:
                    continue
    return None


def state_titles(tickets: list[Ticket]) -> dict[int, str]:
    """Ticket id → the title of its state, from the Workflow revision it is pinned to."""
    revision_ids = {t.workflow_revision_id for t in tickets}
    if not revision_ids:
        return {}
    titles: dict[tuple[int, str], str] = {}
    for revision in db.session.scalars(
        select(DefinitionRevision).where(DefinitionRevision.id.in_(revision_ids))
    ):
        for state in revision.document.get("spec", {}).get("states", []):
            if isinstance(state, dict) and "key" in state:
                key = str(state["key"])
                titles[(revision.id, key)] = i18n.local_text(state.get("title"), key)
    return {t.id: titles.get((t.workflow_revision_id, t.state), t.state) for t in tickets}


def warranty_status(asset: Asset, today: date) -> str:
    """``in_warranty``, ``ending_soon``, ``expired`` or ``unknown`` (no end date)."""
    if asset.warranty_end is None:
        return "unknown"
    if not asset.in_warranty_on(today):
        return "expired"
    if (asset.warranty_end - today).days <= WARRANTY_SOON_DAYS:
        return "ending_soon"
    return "in_warranty"


CONTRACT_LEVEL_TITLES: dict[str, Any] = {
    "basic": lazy_gettext("Basic"),
    "standard": lazy_gettext("Standard"),
    "premium": lazy_gettext("Premium"),
}

WARRANTY_TITLES: dict[str, Any] = {
    "in_warranty": lazy_gettext("In warranty"),
    "ending_soon": lazy_gettext("Warranty ends soon"),
    "expired": lazy_gettext("Out of warranty"),
    "unknown": lazy_gettext("Warranty unknown"),
}


def _titles() -> dict[str, Any]:
    """Titles the templates show for stored keys, in the current language."""
    return {
        "tiers": option_titles("customer_tiers"),
        "regions": option_titles("regions"),
        "models": option_titles("product_models"),
        "levels": CONTRACT_LEVEL_TITLES,
        "warranty": WARRANTY_TITLES,
    }


@bp.get("/customers")
@login_required
def search() -> str:
    """Find customers by code, name, phone, contact, serial or contract number."""
    _staff()
    text = request.args.get("q", "").strip()[:100]
    if text:
        customers = services.find_customers(db.session, text)
        assets = services.find_assets(db.session, text, limit=10)
    else:
        customers = list(
            db.session.scalars(select(Customer).order_by(Customer.name).limit(BROWSE_LIMIT))
        )
        assets = []
    return render_template(
        "customers/search.html",
        q=text,
        customers=customers,
        assets=assets,
        titles=_titles(),
    )


@bp.get("/customers/<int:customer_id>")
@login_required
def show(customer_id: int) -> str:
    """The customer page: tier, contacts, sites, assets, contracts, recent tickets."""
    user = _staff()
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    tickets = list(
        db.session.scalars(
            visible_tickets(user)
            .where(Ticket.customer_id == customer.id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(RECENT_TICKETS)
        )
    )
    today = service_today()
    return render_template(
        "customers/customer.html",
        customer=customer,
        tickets=tickets,
        today=today,
        warranty={a.id: warranty_status(a, today) for a in customer.assets},
        titles=_titles(),
        ticket_url=ticket_url,
        state_titles=state_titles(tickets),
    )


@bp.get("/assets/<int:asset_id>")
@login_required
def asset(asset_id: int) -> str:
    """The asset page: model, serial, dates, warranty, contract and its service history."""
    user = _staff()
    found = db.session.get(Asset, asset_id)
    if found is None:
        abort(404)
    today = service_today()
    history = services.asset_service_history(db.session, found.id, viewer=user)
    return render_template(
        "customers/asset.html",
        asset=found,
        history=history,
        panels=asset_panels(found),
        today=today,
        status=warranty_status(found, today),
        titles=_titles(),
        ticket_url=ticket_url,
        state_titles=state_titles(history),
    )


def init_app(app: Flask) -> None:
    """Register the customer pages."""
    app.register_blueprint(bp)
