"""Which fields of a ticket the engineer fills on site, and the posted values they send.

Pure functions over the compiled definitions (no database, no request).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext

from gongdan.definitions.compiled import (
    CompiledField,
    CompiledTicketType,
    CompiledTransition,
    CompiledWorkflow,
)
from gongdan.errors import ValidationFailed

#: Field types with their own control on the work page (check-in, photos, signature pad) or
#: that the engineer does not change (who the customer is).
OWN_CONTROL_TYPES = frozenset(
    {
        "geo",
        "signature",
        "attachments",
        "customer",
        "contact",
        "address",
        "asset",
        "user",
        "department",
    }
)


def may_edit(ticket_type: CompiledTicketType, field: CompiledField, roles: Iterable[str]) -> bool:
    """Whether ``roles`` may edit ``field`` (no ``edit_fields`` entry: anyone who may edit)."""
    allowed = ticket_type.permissions.edit_fields.get(field.key)
    return allowed is None or bool(allowed & set(roles))


def report_field_keys(
    ticket_type: CompiledTicketType,
    workflow: CompiledWorkflow,
    state: str,
    transitions: Iterable[CompiledTransition],
    roles: Iterable[str],
) -> list[str]:
    """The service-report fields, in definition order.

    A field belongs to the report when the engineer's role is named in its ``edit_fields``, or
    when a transition open to the engineer requires it, or it is required in the state such a
    transition leads to (or the current one).
    """
    role_set = set(roles)
    transitions = list(transitions)
    needed = {key for t in transitions for key in t.require_fields}
    targets = {t.target for t in transitions} | {state}
    keys = []
    for field in ticket_type.fields:
        if field.type in OWN_CONTROL_TYPES or not may_edit(ticket_type, field, role_set):
            continue
        named = bool(role_set & set(ticket_type.permissions.edit_fields.get(field.key, ())))
        if named or field.key in needed or field.required_in_states & targets:
            keys.append(field.key)
    return keys


def fields_of_type(
    ticket_type: CompiledTicketType, type_name: str, roles: Iterable[str]
) -> list[CompiledField]:
    """The fields of ``type_name`` the engineer may fill (photos, signature, check-in)."""
    role_set = set(roles)
    return [
        f for f in ticket_type.fields if f.type == type_name and may_edit(ticket_type, f, role_set)
    ]


def image_fields(ticket_type: CompiledTicketType, roles: Iterable[str]) -> list[CompiledField]:
    """Attachment fields that take images: where photos from the camera go."""
    result = []
    for field in fields_of_type(ticket_type, "attachments", roles):
        accept = field.spec.get("accept") or ("image/*",)
        if any(str(a).startswith("image/") for a in accept):
            result.append(field)
    return result


def check_in_transition(
    transitions: Iterable[CompiledTransition], geo_keys: Iterable[str]
) -> CompiledTransition | None:
    """The transition a check-in takes: the first open one that requires a geo field."""
    keys = set(geo_keys)
    return next((t for t in transitions if keys & set(t.require_fields)), None)


@dataclass(frozen=True)
class Position:
    """A browser geolocation reading."""

    lat: float
    lng: float
    accuracy: float | None


def parse_position(form: Mapping[str, str]) -> Position:
    """Read ``lat``, ``lng`` and ``accuracy`` posted by ``geo.js``.

    :raises ValidationFailed: missing or out-of-range coordinates, with a message that tells
        the engineer to allow location access.
    """
    problems: dict[str, str] = {}
    values: dict[str, float | None] = {}
    for name, low, high in (("lat", -90.0, 90.0), ("lng", -180.0, 180.0)):
        text = (form.get(name) or "").strip()
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or not low <= number <= high:
            problems[name] = gettext(
                "Your location was not received. Allow this site to use your location and try "
                "again."
            )
        values[name] = number
    accuracy_text = (form.get("accuracy") or "").strip()
    accuracy: float | None = None
    if accuracy_text:
        try:
            accuracy = float(accuracy_text)
        except ValueError:
            accuracy = math.nan
        if not math.isfinite(accuracy) or accuracy < 0:
            problems["accuracy"] = gettext("The accuracy of the location is not a number.")
    if problems:
        raise ValidationFailed(next(iter(problems.values())), problems)
    assert values["lat"] is not None and values["lng"] is not None
    return Position(lat=values["lat"], lng=values["lng"], accuracy=accuracy)


def parse_version(form: Mapping[str, str]) -> int:
    """The ticket version the page was rendered with (every POST carries it)."""
    text = (form.get("version") or "").strip()
    if not text.isdigit():
        raise ValidationFailed(
            gettext("The form does not say which version of the ticket it was made for. Reload.")
        )
    return int(text)
