"""Checks on customer, contact, address, asset and contract input, collecting every problem.

Each ``check_*`` function takes the values to store (already merged with the row's current
ones) and returns ``{field: message}``; the services raise them together as one
:class:`gongdan.errors.ValidationFailed`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from gongdan.customers.models import CONTRACT_LEVELS
from gongdan.definitions.registry import active_revision

_PHONE_SEPARATORS = re.compile(r"[\s\-().·]")
_PHONE = re.compile(r"^\+?\d{3,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Problems = dict[str, str]


def normalize_phone(value: str) -> str:
    """A phone number without spaces, dashes, dots or brackets: ``021-5555 0101`` →
    ``02155550101``, so a caller ID finds the customer however the number was typed."""
    return _PHONE_SEPARATORS.sub("", value.strip())


def option_values(session: Session, list_key: str) -> tuple[str, ...] | None:
    """The values of the active OptionList ``list_key``, or ``None`` if no pack defines it."""
    revision = active_revision(session, "OptionList", list_key)
    if revision is None:
        return None
    options = revision.document.get("spec", {}).get("options", [])
    return tuple(str(o["value"]) for o in options if isinstance(o, Mapping) and "value" in o)


def clean_text(value: Any) -> str | None:
    """A stripped string, or ``None`` for empty input and ``None``."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def as_date(value: Any) -> date | None | str:
    """A date from a date or ``YYYY-MM-DD`` text; the text itself when it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return str(value)


def as_float(value: Any) -> float | None | str:
    """A float from a number or numeric text; the text itself when it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def check_length(problems: Problems, values: Mapping[str, Any], limits: Mapping[str, int]) -> None:
    """Report text values longer than their column."""
    for key, limit in limits.items():
        value = values.get(key)
        if isinstance(value, str) and len(value) > limit:
            problems.setdefault(key, f"{key} is longer than {limit} characters")


def check_required(problems: Problems, values: Mapping[str, Any], *keys: str) -> None:
    """Report missing values."""
    for key in keys:
        if values.get(key) in (None, ""):
            problems.setdefault(key, f"{key} is required")


def check_option(problems: Problems, session: Session, key: str, value: Any, list_key: str) -> None:
    """Report a value outside the active pack's option list (any value if there is none)."""
    if value in (None, ""):
        return
    allowed = option_values(session, list_key)
    if allowed is not None and value not in allowed:
        problems.setdefault(
            key, f"{key} {value!r} is not in the option list {list_key!r}: {', '.join(allowed)}"
        )


def check_phones(problems: Problems, values: Mapping[str, Any], *keys: str) -> None:
    """Report phone numbers that are not 3–20 digits (an optional leading ``+``)."""
    for key in keys:
        value = values.get(key)
        if value and not _PHONE.match(value):
            problems.setdefault(key, f"{key} {value!r} is not a phone number")


def check_email(problems: Problems, values: Mapping[str, Any], key: str = "email") -> None:
    """Report an e-mail address without a user, ``@`` and domain."""
    value = values.get(key)
    if value and not _EMAIL.match(value):
        problems.setdefault(key, f"{key} {value!r} is not an e-mail address")


def check_dates(problems: Problems, values: Mapping[str, Any], *keys: str) -> None:
    """Report values that are not dates (``as_date`` left them as text)."""
    for key in keys:
        value = values.get(key)
        if isinstance(value, str):
            problems.setdefault(key, f"{key} {value!r} is not a date (YYYY-MM-DD)")


def check_not_before(
    problems: Problems, values: Mapping[str, Any], later: str, earlier: str
) -> None:
    """Report ``later`` falling before ``earlier`` when both are dates."""
    first, second = values.get(earlier), values.get(later)
    if isinstance(first, date) and isinstance(second, date) and second < first:
        problems.setdefault(later, f"{later} {second.isoformat()} is before {earlier}")


def check_geo(problems: Problems, values: Mapping[str, Any]) -> None:
    """Report a latitude or longitude that is not a number in range, or only one of them."""
    lat, lng = values.get("lat"), values.get("lng")
    for key, value, bound in (("lat", lat, 90.0), ("lng", lng, 180.0)):
        if isinstance(value, str):
            problems.setdefault(key, f"{key} {value!r} is not a number")
        elif isinstance(value, float) and not -bound <= value <= bound:
            problems.setdefault(key, f"{key} {value} is outside -{bound:g}..{bound:g}")
    if (lat is None) != (lng is None):
        missing = "lng" if lng is None else "lat"
        problems.setdefault(missing, "give both latitude and longitude, or neither")


def check_level(problems: Problems, values: Mapping[str, Any]) -> None:
    """Report a contract level outside :data:`CONTRACT_LEVELS`."""
    level = values.get("level")
    if level not in CONTRACT_LEVELS:
        problems.setdefault("level", f"level {level!r} is not one of {', '.join(CONTRACT_LEVELS)}")
