"""Reference data about customers: organisations, contacts, sites, installed assets, contracts.

A customer that tickets or users still belong to cannot be deleted (tickets keep their
customer; its users would go with it). Tiers come from the active ``customer_tiers`` option
list, so the choices are the ones routing and SLA rules test.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_babel import gettext, lazy_gettext
from wtforms import SelectField, ValidationError
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from gongdan.accounts.models import User
from gongdan.customers.models import (
    CONTRACT_LEVELS,
    Address,
    Asset,
    Contact,
    Customer,
    ServiceContract,
)
from gongdan.db import db
from gongdan.definitions.registry import compiled_active_set
from gongdan.i18n import local_text
from gongdan.tickets.models import Ticket
from gongdan_admin.audited import AuditedModelView
from gongdan_admin.fields import (
    LabelledAjaxLoader,
    Pattern,
    customer_picker,
    label_of,
    time_filters,
)

#: The option list whose values a customer's tier takes.
TIER_OPTION_LIST = "customer_tiers"

LABELS: dict[str, Any] = {
    "code": lazy_gettext("Code"),
    "name": lazy_gettext("Name"),
    "tier": lazy_gettext("Tier"),
    "region": lazy_gettext("Region"),
    "phone": lazy_gettext("Phone"),
    "mobile": lazy_gettext("Mobile"),
    "email": lazy_gettext("E-mail"),
    "wechat": lazy_gettext("WeChat"),
    "position": lazy_gettext("Position"),
    "is_primary": lazy_gettext("Primary contact"),
    "notes": lazy_gettext("Notes"),
    "active": lazy_gettext("Active"),
    "created_at": lazy_gettext("Created"),
    "customer": lazy_gettext("Customer"),
    "customer.code": lazy_gettext("Customer code"),
    "label": lazy_gettext("Label"),
    "province": lazy_gettext("Province"),
    "city": lazy_gettext("City"),
    "district": lazy_gettext("District"),
    "line": lazy_gettext("Street address"),
    "postcode": lazy_gettext("Postcode"),
    "lat": lazy_gettext("Latitude"),
    "lng": lazy_gettext("Longitude"),
    "is_default": lazy_gettext("Default site"),
    "address": lazy_gettext("Site"),
    "contract": lazy_gettext("Service contract"),
    "product_model": lazy_gettext("Product model"),
    "serial_number": lazy_gettext("Serial number"),
    "install_date": lazy_gettext("Installed on"),
    "purchase_date": lazy_gettext("Purchased on"),
    "warranty_end": lazy_gettext("Warranty ends"),
    "in_warranty": lazy_gettext("In warranty"),
    "number": lazy_gettext("Contract number"),
    "level": lazy_gettext("Level"),
    "starts_on": lazy_gettext("Starts on"),
    "ends_on": lazy_gettext("Ends on"),
}

EMAIL = Pattern(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=lazy_gettext("Not an e-mail address."))
CODE = Pattern(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", message=lazy_gettext("Letters, digits, -, _ and . only.")
)


def _related(view: Any, context: Any, model: Any, name: str) -> str:
    return label_of(getattr(model, name))


def _yes_no(view: Any, context: Any, model: Any, name: str) -> str:
    return gettext("Yes") if getattr(model, name) else gettext("No")


def _tickets_where(condition: sa.ColumnElement[bool]) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).where(condition)) or 0)


class TodayFilter(BaseSQLAFilter):
    """Yes/no on a hybrid that depends on today's date (in warranty, contract active)."""

    def __init__(self, hybrid: Any, column: Any, name: Any) -> None:
        super().__init__(
            column, name, options=(("1", lazy_gettext("Yes")), ("0", lazy_gettext("No")))
        )
        self.hybrid = hybrid

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        return query.filter(self.hybrid if value == "1" else sa.not_(self.hybrid))

    def operation(self) -> Any:
        return lazy_gettext("is")


class CustomerView(AuditedModelView):
    """Customer organisations, their tier and region."""

    column_list = ("code", "name", "tier", "region", "phone", "email", "active", "created_at")
    column_details_list = (*column_list, "notes")
    column_export_list = column_list
    column_searchable_list = ("code", "name", "phone", "email")
    column_filters = (
        "tier",
        "region",
        "active",
        *time_filters(Customer.created_at, LABELS["created_at"]),
    )
    column_default_sort = "code"
    column_labels = LABELS
    form_columns = ("code", "name", "tier", "region", "phone", "email", "notes", "active")
    form_overrides = {"tier": SelectField}
    form_args = {
        "code": {"validators": [InputRequired(), Length(max=40), CODE]},
        "name": {"validators": [InputRequired(), Length(max=200)]},
        "tier": {"choices": [], "validators": [InputRequired()]},
        "email": {"validators": [Optional(), Length(max=254), EMAIL]},
    }

    def _with_tiers(self, form: Any, stored: str | None = None) -> Any:
        option_list = compiled_active_set(db.session).option_lists.get(TIER_OPTION_LIST)
        choices = [
            (str(option["value"]), local_text(option.get("title"), str(option["value"])))
            for option in (option_list.options if option_list else ({"value": "normal"},))
        ]
        if stored and stored not in {value for value, _ in choices}:
            choices.append((stored, stored))
        form.tier.choices = choices
        return form

    def create_form(self, obj: Any = None) -> Any:
        return self._with_tiers(super().create_form(obj))

    def edit_form(self, obj: Any = None) -> Any:
        return self._with_tiers(super().edit_form(obj), obj.tier if obj is not None else None)

    def check_delete(self, model: Customer) -> None:
        tickets = _tickets_where(Ticket.customer_id == model.id)
        users = int(
            db.session.scalar(sa.select(sa.func.count()).where(User.customer_id == model.id)) or 0
        )
        if tickets or users:
            raise ValidationError(
                gettext(
                    "%(code)s has %(tickets)s tickets and %(users)s users and cannot be "
                    "deleted; mark it inactive instead.",
                    code=model.code,
                    tickets=tickets,
                    users=users,
                )
            )


class _OfCustomerView(AuditedModelView):
    """A customer's contacts, sites, assets or contracts: picked customer, filter by its code."""

    column_formatters = {"customer": _related}
    column_formatters_export = column_formatters
    column_labels = LABELS
    form_ajax_refs = {"customer": customer_picker("customer")}
    audit_relations = {"customer_id": "customer"}


class ContactView(_OfCustomerView):
    """People at customers who call in or are called back."""

    column_list = ("customer", "name", "position", "phone", "mobile", "email", "wechat",
                   "is_primary")  # fmt: skip
    column_export_list = column_list
    column_searchable_list = ("name", "phone", "mobile", "email", "customer.name", "customer.code")
    column_filters = ("customer.code", "is_primary")
    form_columns = ("customer", "name", "position", "phone", "mobile", "email", "wechat",
                    "is_primary")  # fmt: skip
    form_args = {
        "customer": {"validators": [InputRequired()]},
        "name": {"validators": [InputRequired(), Length(max=120)]},
        "email": {"validators": [Optional(), Length(max=254), EMAIL]},
    }


class AddressView(_OfCustomerView):
    """Customers' sites: where engineers go and which region serves them."""

    column_list = ("customer", "label", "region", "province", "city", "district", "line",
                   "is_default")  # fmt: skip
    column_export_list = (*column_list, "postcode", "lat", "lng")
    column_searchable_list = ("label", "line", "city", "customer.name", "customer.code")
    column_filters = ("customer.code", "region", "province", "city", "is_default")
    form_columns = ("customer", "label", "region", "province", "city", "district", "line",
                    "postcode", "lat", "lng", "is_default")  # fmt: skip
    form_args = {
        "customer": {"validators": [InputRequired()]},
        "lat": {"validators": [Optional(), NumberRange(min=-90, max=90)]},
        "lng": {"validators": [Optional(), NumberRange(min=-180, max=180)]},
    }


def _belongs_to_customer(form: Any, name: str) -> str | None:
    related = getattr(form, name).data
    customer = form.customer.data
    if related is not None and customer is not None and related.customer_id != customer.id:
        return gettext("This belongs to another customer.")
    return None


class AssetView(_OfCustomerView):
    """The installed base: each product by serial number, its site, warranty and contract."""

    column_list = ("serial_number", "product_model", "customer", "address", "install_date",
                   "warranty_end", "in_warranty", "contract")  # fmt: skip
    column_export_list = column_list
    column_searchable_list = ("serial_number", "product_model", "customer.name", "customer.code")
    column_filters = (
        "product_model",
        "customer.code",
        "warranty_end",
        TodayFilter(Asset.in_warranty, Asset.warranty_end, lazy_gettext("In warranty")),
    )
    column_formatters = {
        "customer": _related, "address": _related, "contract": _related, "in_warranty": _yes_no,
    }  # fmt: skip
    column_formatters_export = column_formatters
    form_columns = ("customer", "serial_number", "product_model", "address", "contract",
                    "install_date", "purchase_date", "warranty_end", "notes")  # fmt: skip
    form_args = {
        "customer": {"validators": [InputRequired()]},
        "serial_number": {"validators": [InputRequired(), Length(max=80)]},
        "product_model": {"validators": [InputRequired(), Length(max=64)]},
    }
    form_ajax_refs = {
        "customer": customer_picker("customer"),
        "address": LabelledAjaxLoader("address", Address, ("label", "line", "city")),
        "contract": LabelledAjaxLoader("contract", ServiceContract, ("number",)),
    }
    audit_relations = {"customer_id": "customer", "address_id": "address",
                       "contract_id": "contract"}  # fmt: skip

    def form_problems(self, form: Any) -> dict[str, str]:
        problems = {}
        for name in ("address", "contract"):
            problem = _belongs_to_customer(form, name)
            if problem:
                problems[name] = problem
        return problems


def _ends_after_start(form: Any, field: Any) -> None:
    if field.data and form.starts_on.data and field.data < form.starts_on.data:
        raise ValidationError(gettext("The contract cannot end before it starts."))


class ServiceContractView(_OfCustomerView):
    """Service contracts: a cover level for a period (both days included)."""

    column_list = ("number", "customer", "level", "starts_on", "ends_on", "active")
    column_export_list = column_list
    column_searchable_list = ("number", "customer.name", "customer.code")
    column_filters = (
        "level",
        "customer.code",
        "starts_on",
        "ends_on",
        TodayFilter(ServiceContract.active, ServiceContract.ends_on, lazy_gettext("Active")),
    )
    column_formatters = {"customer": _related, "active": _yes_no}
    column_formatters_export = column_formatters
    form_columns = ("customer", "number", "level", "starts_on", "ends_on", "notes")
    form_overrides = {"level": SelectField}
    form_args = {
        "customer": {"validators": [InputRequired()]},
        "number": {"validators": [InputRequired(), Length(max=64)]},
        "level": {"choices": [(level, level) for level in CONTRACT_LEVELS]},
        "starts_on": {"validators": [InputRequired()]},
        "ends_on": {"validators": [InputRequired(), _ends_after_start]},
    }


#: The views this module adds, in menu order, with their menu titles and endpoints.
VIEWS: tuple[tuple[type[AuditedModelView], type[Any], Any, str], ...] = (
    (CustomerView, Customer, lazy_gettext("Customers"), "customers"),
    (ContactView, Contact, lazy_gettext("Contacts"), "contacts"),
    (AddressView, Address, lazy_gettext("Sites"), "addresses"),
    (AssetView, Asset, lazy_gettext("Assets"), "assets"),
    (ServiceContractView, ServiceContract, lazy_gettext("Service contracts"), "contracts"),
)
