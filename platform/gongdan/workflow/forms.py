"""Server-side form cleaning: the submitted values of a TicketType's form, checked and merged.

:func:`clean_fields` is what every write of ticket fields goes through, whether the values came
from an HTML form (strings), the REST API (JSON) or an inbound channel. It collects every
problem into one :class:`~gongdan.errors.ValidationFailed` and never stores the value of a field
that ``visible_if`` hides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from gongdan.conditions import EvaluationContext
from gongdan.definitions.compiled import CompiledField, CompiledTicketType
from gongdan.errors import ValidationFailed
from gongdan.messages import N_, Message
from gongdan.workflow.engine import is_empty
from gongdan.workflow.fields import FieldTypeRegistry, core_field_types

ContextBuilder = Callable[[Mapping[str, Any]], EvaluationContext]

_TRUE = frozenset({"true", "1", "on", "yes", "y"})
_FALSE = frozenset({"false", "0", "off", "no", "n"})
_NUMBER_TYPES = frozenset({"int", "decimal", "money"})
_REFERENCE_TYPES = frozenset({"user", "department", "customer", "contact", "asset"})
_PRIVILEGED = frozenset({"system", "admin"})

_core_types = core_field_types()


def coerce_value(field: CompiledField, value: Any) -> Any:
    """Turn form-style input (strings) into the field's value type; leave the rest to checks.

    Blank text becomes ``None`` (no value). Values that cannot be converted are returned
    unchanged so the type check reports them.
    """
    if isinstance(value, str) and not value.strip() and field.type not in ("text", "textarea"):
        return None
    if isinstance(value, str) and field.type in ("text", "textarea") and value == "":
        return None
    kind = field.type
    if kind in _NUMBER_TYPES and isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return value
        if not number.is_finite():
            return value
        if kind == "int" and number == number.to_integral_value():
            return int(number)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind in _NUMBER_TYPES and isinstance(value, Decimal):
        return float(value)
    if kind == "bool" and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    if kind in _REFERENCE_TYPES and isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if kind == "date" and isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if kind == "datetime" and isinstance(value, datetime):
        return value.isoformat()
    if kind == "geo" and isinstance(value, Mapping):
        return {
            k: _maybe_float(v) if k in ("lat", "lng", "accuracy") else v for k, v in value.items()
        }
    return value


def _maybe_float(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def field_spec(field: CompiledField) -> dict[str, Any]:
    """The field's definition with ``options`` resolved to the allowed values (when known)."""
    spec = dict(field.spec)
    if field.options is not None:
        spec["options"] = list(field.options)
    elif field.option_list is not None:
        spec.pop("options", None)  # unresolved list: skip the option check rather than fail
    if field.columns:
        spec["columns"] = [{"key": c.key} for c in field.columns]
    return spec


def check_field_value(
    field: CompiledField, value: Any, registry: FieldTypeRegistry | None = None
) -> str | None:
    """An error message when ``value`` does not fit ``field``, else ``None``."""
    field_type = (registry or _core_types).get(field.type)
    if field_type is None:
        return f"field type {field.type!r} is not available"
    error = field_type.check_value(value, field_spec(field))
    if error is None and field.type == "table" and isinstance(value, list | tuple):
        error = _check_rows(field, value, registry)
    return error


def _check_rows(
    field: CompiledField, rows: list[Any] | tuple[Any, ...], registry: FieldTypeRegistry | None
) -> str | None:
    for number, row in enumerate(rows, start=1):
        for column in field.columns:
            cell = row.get(column.key) if isinstance(row, Mapping) else None
            if column.required and is_empty(cell):
                return Message(
                    N_("row %(number)s: %(column)r is required"), number=number, column=column.key
                )
            error = check_field_value(column, cell, registry)
            if error:
                return f"row {number}: {column.key!r}: {error}"
    return None


def _coerce_rows(field: CompiledField, rows: Any) -> Any:
    if not isinstance(rows, list | tuple):
        return rows
    coerced: list[Any] = []
    for row in rows:
        if isinstance(row, Mapping):
            row = dict(row)
            for column in field.columns:
                if column.key in row:
                    row[column.key] = coerce_value(column, row[column.key])
        coerced.append(row)
    return coerced


def visible_values(
    ticket_type: CompiledTicketType, values: Mapping[str, Any], build: ContextBuilder
) -> tuple[dict[str, Any], EvaluationContext]:
    """``values`` without the fields ``visible_if`` hides, and the context they give.

    Repeated until stable, since hiding one field can hide another that depends on it.
    """
    current = dict(values)
    for _ in range(len(ticket_type.fields) + 1):
        context = build(current)
        hidden = [
            f.key for f in ticket_type.fields if f.key in current and not f.is_visible(context)
        ]
        if not hidden:
            return current, context
        for key in hidden:
            del current[key]
    return current, build(current)


def clean_fields(
    ticket_type: CompiledTicketType,
    submitted: Mapping[str, Any],
    *,
    state: str | None,
    existing: Mapping[str, Any],
    context_builder: ContextBuilder,
    roles: Set[str],
    for_customer: bool,
    creating: bool = False,
    check_all_required: bool = True,
    registry: FieldTypeRegistry | None = None,
) -> dict[str, Any]:
    """Check ``submitted`` against ``ticket_type`` and return the ticket's new field values.

    :param existing: the ticket's current values (empty when creating).
    :param context_builder: field values → the evaluation context of the ticket with them.
    :param roles: the actor's roles, for ``permissions.edit_fields``.
    :param for_customer: a customer may only set ``customer_editable`` fields (when
        ``creating``: any ``customer_visible`` field).
    :param check_all_required: report every required field without a value; otherwise only
        those the submission empties or newly makes required.
    :raises ValidationFailed: unknown keys, wrong types, values outside an option list,
        forbidden changes and missing required values, all at once.
    """
    errors: dict[str, str] = {}
    merged = dict(existing)
    for key, raw in submitted.items():
        field = ticket_type.field(key)
        if field is None:
            errors[str(key)] = f"unknown field {key!r} for ticket type {ticket_type.key!r}"
            continue
        value = coerce_value(field, raw)
        if field.type == "table":
            value = _coerce_rows(field, value)
        error = check_field_value(field, value, registry)
        if error:
            errors[key] = error
            continue
        if value == existing.get(key):
            merged[key] = value
            continue
        denied = _edit_denied(ticket_type, field, roles, for_customer, creating)
        if denied:
            errors[key] = denied
            continue
        merged[key] = value
    cleaned, context = visible_values(ticket_type, merged, context_builder)
    _, before = visible_values(ticket_type, existing, context_builder)
    for field in ticket_type.fields:
        if field.key in errors or not field.is_visible(context):
            continue
        if not field.is_required(state, context) or not is_empty(cleaned.get(field.key)):
            continue
        newly = field.key in submitted or not field.is_required(state, before)
        if check_all_required or newly:
            errors[field.key] = Message(N_("this field is required"))
    if errors:
        names = ", ".join(sorted(errors))
        raise ValidationFailed(f"{len(errors)} field(s) are invalid: {names}", errors)
    return {key: value for key, value in cleaned.items() if value is not None}


def _edit_denied(
    ticket_type: CompiledTicketType,
    field: CompiledField,
    roles: Set[str],
    for_customer: bool,
    creating: bool,
) -> str | None:
    if for_customer:
        allowed = ticket_type.permissions.edit_fields.get(field.key)
        if not field.customer_visible or (allowed is not None and not roles & allowed):
            return Message(N_("customers may not set this field"))
        if creating or field.customer_editable or allowed is not None:
            return None
        return Message(N_("customers may not change this field"))
    if roles & _PRIVILEGED:
        return None
    allowed = ticket_type.permissions.edit_fields.get(field.key)
    if allowed is not None and not roles & allowed:
        role = ", ".join(sorted(roles)) or "(none)"
        return Message(N_("role %(role)r may not change this field"), role=role)
    return None
