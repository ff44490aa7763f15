"""Form pieces the reference-data views share: readable labels, user-friendly lookups, tag lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_admin.contrib.sqla import filters
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from wtforms import StringField, ValidationError
from wtforms.validators import Regexp

from gongdan.accounts.models import Department, User
from gongdan.customers.models import (
    SERVICE_TIME_ZONE,
    Address,
    Asset,
    Contact,
    Customer,
    ServiceContract,
)
from gongdan.db import db

_LABELS: dict[type[Any], Callable[[Any], str]] = {
    User: lambda user: f"{user.display_name} ({user.username})",
    Department: lambda department: f"{department.title_zh} ({department.key})",
    Customer: lambda customer: f"{customer.code} · {customer.name}",
    Contact: lambda contact: contact.name,
    Address: lambda address: address.label or address.one_line or f"#{address.id}",
    ServiceContract: lambda contract: f"{contract.number} ({contract.level})",
    Asset: lambda asset: f"{asset.serial_number} · {asset.product_model}",
}


def label_of(instance: object | None) -> str:
    """How a person reads ``instance`` in a list, a picker or an audit entry (not its repr)."""
    if instance is None:
        return ""
    label = _LABELS.get(type(instance))
    return label(instance) if label is not None else str(instance)


class LabelledAjaxLoader(QueryAjaxModelLoader):
    """An ajax picker that shows :func:`label_of` and may be narrowed by SQL conditions.

    ``where`` takes SQLAlchemy expressions (``User.role != "customer"``) instead of the raw SQL
    strings Flask-Admin's ``filters`` option pastes into the query.
    """

    def __init__(
        self,
        name: str,
        model: type[Any],
        fields: Sequence[str],
        *,
        where: Sequence[sa.ColumnElement[bool]] = (),
        **options: Any,
    ) -> None:
        super().__init__(name, db, model, fields=list(fields), **options)
        self.where = tuple(where)

    def format(self, model: Any) -> tuple[Any, str] | None:
        if model is None:
            return None
        return getattr(model, self.pk), label_of(model)

    def get_query(self) -> Any:
        return super().get_query().filter(*self.where)


def staff_picker(name: str) -> LabelledAjaxLoader:
    """A picker of active staff users (no customers' own users), searched by name."""
    return LabelledAjaxLoader(
        name,
        User,
        ("username", "display_name"),
        where=(User.role != "customer", User.active.is_(True)),
        order_by=User.username,
    )


def customer_picker(name: str) -> LabelledAjaxLoader:
    """A picker of customers, searched by code or name."""
    return LabelledAjaxLoader(name, Customer, ("code", "name"), order_by=Customer.code)


class TagListField(StringField):
    """A list of short words typed as one comma-separated line (``hvac, 制冷, install``)."""

    data: list[str]

    def _value(self) -> str:
        return ", ".join(str(item) for item in self.data or [])

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            self.data = []
            return
        raw = str(valuelist[0]).replace("，", ",")
        items: list[str] = []
        for part in raw.split(","):
            item = part.strip()
            if item and item not in items:
                items.append(item)
        self.data = items


def _aware(moment: datetime) -> datetime:
    """A time typed in the date picker, read in the service time zone (stored times are UTC)."""
    return moment.replace(tzinfo=SERVICE_TIME_ZONE) if moment.tzinfo is None else moment


class _AfterFilter(filters.DateTimeGreaterFilter):
    def clean(self, value: str) -> datetime:
        return _aware(super().clean(value))


class _BeforeFilter(filters.DateTimeSmallerFilter):
    def clean(self, value: str) -> datetime:
        return _aware(super().clean(value))


class _BetweenFilter(filters.DateTimeBetweenFilter):
    def clean(self, value: str) -> list[datetime]:
        return [_aware(moment) for moment in super().clean(value)]


def time_filters(column: Any, name: Any) -> list[filters.BaseSQLAFilter]:
    """After / before / between filters on a UTC timestamp column (Flask-Admin's own pass
    naive times, which :class:`gongdan.db.UTCDateTime` refuses)."""
    return [_AfterFilter(column, name), _BeforeFilter(column, name), _BetweenFilter(column, name)]


class Pattern(Regexp):
    """:class:`~wtforms.validators.Regexp` whose (lazily translated) message is shown under the
    field: Flask-Admin's templates show only errors that are real strings."""

    def __call__(self, form: Any, field: Any, message: Any = None) -> Any:
        try:
            return super().__call__(form, field, message)
        except ValidationError as error:
            raise ValidationError(str(error)) from None
