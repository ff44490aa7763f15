"""Admin views: quotes, charge lines and sign-offs, read-only (they change only through the
quote and report services; price lists are definitions, edited like any other)."""

from __future__ import annotations

from flask_admin import Admin
from flask_babel import lazy_gettext

from gongdan.db import db
from gongdan_admin.security import SecuredModelView
from gongdan_billing.models import ChargeLine, Quote, ReportSignoff

CATEGORY = lazy_gettext("Billing")


class ReadOnlyView(SecuredModelView):
    """A list nobody edits here: money changes only through the services."""

    can_create = False
    can_edit = False
    can_delete = False
    can_export = True


class QuoteView(ReadOnlyView):
    column_list = ("id", "ticket_id", "revision", "status", "price_list", "subtotal", "tax",
                   "total", "currency", "sent_at", "valid_until", "decided_at")  # fmt: skip
    column_default_sort = ("id", True)
    column_filters = ("status", "ticket_id", "price_list")
    column_labels = {
        "ticket_id": lazy_gettext("Ticket"), "status": lazy_gettext("Status"),
        "subtotal": lazy_gettext("Subtotal"), "tax": lazy_gettext("Tax"),
        "total": lazy_gettext("Total"), "price_list": lazy_gettext("Price list"),
    }  # fmt: skip


class ChargeLineView(ReadOnlyView):
    column_list = ("id", "charged_on", "ticket_id", "kind", "description", "quantity",
                   "unit_price", "list_amount", "decision", "rule", "amount", "cost",
                   "price_list")  # fmt: skip
    column_default_sort = ("id", True)
    column_filters = ("kind", "decision", "rule", "ticket_id", "customer_id", "price_list")
    column_labels = {
        "charged_on": lazy_gettext("Date"), "ticket_id": lazy_gettext("Ticket"),
        "kind": lazy_gettext("Item"), "quantity": lazy_gettext("Qty"),
        "unit_price": lazy_gettext("Unit price"), "list_amount": lazy_gettext("List"),
        "decision": lazy_gettext("Cover"), "amount": lazy_gettext("Amount"),
        "cost": lazy_gettext("Cost"), "price_list": lazy_gettext("Price list"),
    }  # fmt: skip


class SignoffView(ReadOnlyView):
    column_list = ("signed_at", "ticket_id", "signer_name", "subtotal", "tax", "total",
                   "currency")  # fmt: skip
    column_default_sort = ("signed_at", True)


def add_views(admin: Admin) -> None:
    """Register the plugin's admin views under one menu."""
    for view, model, name, endpoint in (
        (QuoteView, Quote, lazy_gettext("Quotes"), "bl_quotes"),
        (ChargeLineView, ChargeLine, lazy_gettext("Charge lines"), "bl_charge_lines"),
        (SignoffView, ReportSignoff, lazy_gettext("Report sign-offs"), "bl_signoffs"),
    ):
        admin.add_view(view(model, db, name=name, category=CATEGORY, endpoint=endpoint))
