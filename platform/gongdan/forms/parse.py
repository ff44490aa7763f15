"""Turn a submitted generated form back into typed field values.

Input names follow the macros in ``templates/forms/_fields.html``: ``f.<key>`` for simple
fields, ``f.<key>.<part>`` for address (``id region city line``) and geo (``lat lng accuracy
at``) parts, ``f.<key>.<row>.<column>`` for table cells (with a ``f.<key>.__rows__`` marker),
``f.<key>.keep`` for attachment ids already on the ticket. A field none of whose inputs were
submitted is left out of the result: it was not on the form or the browser hid (disabled) it.
Whether values fit the definition is the ticket services' job; parsing only reports what cannot
even be read (``"abc"`` for a number).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from gongdan.definitions.compiled import CompiledField, CompiledTicketType

#: Prefix of every generated input name.
FIELD_PREFIX = "f."

_ADDRESS_PARTS = ("region", "city", "line")
_GEO_PARTS = ("lat", "lng", "accuracy")
_NUMBER_TYPES = frozenset(("int", "decimal", "money"))
_REFERENCE_TYPES = frozenset(("user", "department", "customer", "contact", "asset"))


class FormData(Protocol):
    """What :func:`parse_submission` reads: werkzeug's ``MultiDict`` fits."""

    def getlist(self, key: str) -> list[Any]: ...

    def __contains__(self, key: object) -> bool: ...

    def keys(self) -> Iterable[str]: ...


class _Unreadable(ValueError):
    pass


def _number(type_name: str, text: str) -> int | float:
    try:
        number = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise _Unreadable("Enter a number.") from None
    if not number.is_finite():
        raise _Unreadable("Enter a number.")
    if number == number.to_integral_value():
        return int(number)
    if type_name == "int":
        raise _Unreadable("Enter a whole number.")
    return float(number)


def _reference(text: str) -> int | str:
    text = text.strip()
    return int(text) if text.isdigit() else text


def _scalar(compiled: CompiledField, texts: list[str]) -> Any:
    """The value of a single-input field from all values submitted under its name."""
    type_name = compiled.type
    if type_name == "bool":
        if "true" in texts:
            return True
        return False if "false" in texts else None
    if type_name == "multiselect":
        return [t for t in texts if t] or None
    text = next((t for t in reversed(texts) if t != ""), "")
    if text.strip() == "":
        return None
    if type_name in _NUMBER_TYPES:
        return _number(type_name, text)
    if type_name in _REFERENCE_TYPES:
        return _reference(text)
    if type_name in ("text", "email", "phone"):
        return text.strip()
    return text


def _first(form: FormData, name: str) -> str:
    values = form.getlist(name)
    return str(values[-1]).strip() if values else ""


def _address(form: FormData, name: str) -> Any:
    saved = _first(form, f"{name}.id")
    if saved:
        return _reference(saved)
    parts = {part: _first(form, f"{name}.{part}") for part in _ADDRESS_PARTS}
    parts = {k: v for k, v in parts.items() if v}
    return parts or None


def _geo(form: FormData, name: str) -> Any:
    parts: dict[str, Any] = {}
    for part in _GEO_PARTS:
        text = _first(form, f"{name}.{part}")
        if text:
            try:
                parts[part] = float(text)
            except ValueError:
                raise _Unreadable("The location could not be read.") from None
    at = _first(form, f"{name}.at")
    if at:
        parts["at"] = at
    return parts or None


def _table(compiled: CompiledField, form: FormData, name: str) -> tuple[Any, dict[str, str]]:
    prefix = f"{name}."
    cells: dict[int, dict[str, list[str]]] = {}
    for key in form.keys():
        if not key.startswith(prefix):
            continue
        row, _, column = key[len(prefix) :].partition(".")
        if row.isdigit() and column:
            cells.setdefault(int(row), {})[column] = [str(v) for v in form.getlist(key)]
    rows: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for index in sorted(cells):
        row_values: dict[str, Any] = {}
        for column in compiled.columns:
            texts = cells[index].get(column.key, [])
            try:
                value = _scalar(column, texts)
            except _Unreadable as exc:
                errors[compiled.key] = f"{len(rows) + 1}: {column.key}: {exc}"
                continue
            if value is not None:
                row_values[column.key] = value
        if row_values:
            rows.append(row_values)
    return (rows or None), errors


def _present(form: FormData, name: str) -> bool:
    if name in form:
        return True
    prefix = f"{name}."
    return any(key.startswith(prefix) for key in form.keys())


def parse_submission(
    ticket_type: CompiledTicketType,
    form: FormData,
    *,
    keys: Iterable[str] | None = None,
    prefix: str = FIELD_PREFIX,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Read the fields of ``ticket_type`` from ``form``.

    :param keys: only these fields (default: every field of the type).
    :returns: ``(values, errors)``: field key → typed value (``None`` for a field submitted
        empty) for every field present in the form, and field key → message for inputs that
        could not be read. Attachment fields give the ids kept (``f.<key>.keep``); the caller
        adds the ids of newly uploaded files.
    """
    wanted = set(keys) if keys is not None else None
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for compiled in ticket_type.fields:
        if wanted is not None and compiled.key not in wanted:
            continue
        name = f"{prefix}{compiled.key}"
        if not _present(form, name):
            continue
        try:
            if compiled.type == "address":
                values[compiled.key] = _address(form, name)
            elif compiled.type == "geo":
                values[compiled.key] = _geo(form, name)
            elif compiled.type == "table":
                values[compiled.key], table_errors = _table(compiled, form, name)
                errors.update(table_errors)
            elif compiled.type == "attachments":
                kept = [_reference(str(v)) for v in form.getlist(f"{name}.keep") if str(v).strip()]
                values[compiled.key] = kept or None
            else:
                values[compiled.key] = _scalar(compiled, [str(v) for v in form.getlist(name)])
        except _Unreadable as exc:
            errors[compiled.key] = str(exc)
    return values, errors


def filled(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without the empty ones (what a create call should send)."""
    return {k: v for k, v in values.items() if v is not None}
