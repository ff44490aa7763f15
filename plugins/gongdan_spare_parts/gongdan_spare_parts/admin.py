"""Admin views: parts and warehouses (edited here), stock, the move ledger, purchase
suggestions and faulty returns (read-only: stock only changes through moves)."""

from __future__ import annotations

from typing import Any

from flask_admin import Admin
from flask_babel import lazy_gettext

from gongdan.db import db
from gongdan_admin.security import SecuredModelView
from gongdan_spare_parts.models import (
    FaultyReturn,
    Part,
    PurchaseSuggestion,
    StockBalance,
    StockMove,
    Warehouse,
)

CATEGORY = lazy_gettext("Spare parts")


class ReadOnlyView(SecuredModelView):
    """A list nobody edits here: the ledger is append-only and balances follow it."""

    can_create = False
    can_edit = False
    can_delete = False


class PartView(SecuredModelView):
    column_list = ("number", "name", "unit", "whole_units", "serial_tracked", "unit_cost",
                   "unit_price", "active")  # fmt: skip
    column_searchable_list = ("number", "name")
    column_filters = ("serial_tracked", "active")
    can_delete = False  # parts referenced by moves stay; deactivate instead
    column_labels = {
        "number": lazy_gettext("Part number"), "name": lazy_gettext("Name"),
        "unit": lazy_gettext("Unit"), "whole_units": lazy_gettext("Whole units"),
        "serial_tracked": lazy_gettext("Serial tracked"), "unit_cost": lazy_gettext("Unit cost"),
        "unit_price": lazy_gettext("Unit price"), "active": lazy_gettext("Active"),
        "compatible_models": lazy_gettext("Compatible models"),
    }  # fmt: skip


class WarehouseView(SecuredModelView):
    column_list = ("code", "name", "kind", "owner", "region")
    column_searchable_list = ("code", "name")
    column_filters = ("kind",)
    can_delete = False
    form_choices = {"kind": [("central", "central"), ("regional", "regional"), ("van", "van")]}
    column_labels = {
        "code": lazy_gettext("Code"), "name": lazy_gettext("Name"), "kind": lazy_gettext("Kind"),
        "owner": lazy_gettext("Engineer"), "region": lazy_gettext("Region"),
    }  # fmt: skip


class StockView(ReadOnlyView):
    column_list = ("part", "warehouse", "on_hand", "reserved", "in_transit")
    column_sortable_list = ("on_hand", "reserved", "in_transit")
    column_filters = ("warehouse.code", "part.number")
    column_labels = {
        "part": lazy_gettext("Part"), "warehouse": lazy_gettext("Warehouse"),
        "on_hand": lazy_gettext("On hand"), "reserved": lazy_gettext("Reserved"),
        "in_transit": lazy_gettext("In transit"),
    }  # fmt: skip


class LedgerView(ReadOnlyView):
    column_list = ("id", "created_at", "kind", "part", "warehouse", "quantity", "d_on_hand",
                   "d_reserved", "d_in_transit", "ticket_id", "serial", "note")  # fmt: skip
    column_default_sort = ("id", True)
    column_filters = ("kind", "ticket_id", "warehouse.code", "part.number")
    column_labels = {
        "created_at": lazy_gettext("Time"), "kind": lazy_gettext("Move"),
        "part": lazy_gettext("Part"), "warehouse": lazy_gettext("Warehouse"),
        "quantity": lazy_gettext("Quantity"), "d_on_hand": lazy_gettext("On hand ±"),
        "d_reserved": lazy_gettext("Reserved ±"), "d_in_transit": lazy_gettext("In transit ±"),
        "ticket_id": lazy_gettext("Ticket"), "serial": lazy_gettext("Serial number"),
        "note": lazy_gettext("Note"),
    }  # fmt: skip


class SuggestionView(ReadOnlyView):
    can_edit = True  # an admin marks a suggestion ordered or closed
    form_columns = ("status",)
    form_choices = {"status": [("open", "open"), ("ordered", "ordered"), ("closed", "closed")]}
    column_list = ("created_at", "part", "warehouse", "available", "safety_stock", "quantity",
                   "policy", "status")  # fmt: skip
    column_filters = ("status",)


class FaultyReturnView(ReadOnlyView):
    column_list = ("created_at", "ticket_id", "part", "serial", "status")
    column_filters = ("status",)


def add_views(admin: Admin) -> None:
    """Register the plugin's admin views under one menu."""
    views: list[tuple[type[SecuredModelView], Any, Any, str]] = [
        (PartView, Part, lazy_gettext("Parts"), "sp_parts"),
        (WarehouseView, Warehouse, lazy_gettext("Warehouses"), "sp_warehouses"),
        (StockView, StockBalance, lazy_gettext("Stock"), "sp_stock"),
        (LedgerView, StockMove, lazy_gettext("Move ledger"), "sp_ledger"),
        (
            SuggestionView,
            PurchaseSuggestion,
            lazy_gettext("Purchase suggestions"),
            "sp_orders",
        ),
        (FaultyReturnView, FaultyReturn, lazy_gettext("Faulty returns"), "sp_faulty_returns"),
    ]
    for view, model, name, endpoint in views:
        admin.add_view(view(model, db, name=name, category=CATEGORY, endpoint=endpoint))
    from gongdan_spare_parts.admin_moves import StockMovesView

    admin.add_view(
        StockMovesView(name=lazy_gettext("Stock moves"), category=CATEGORY, endpoint="sp_moves")
    )
