"""Staff attributes engineers change themselves: availability and last known location."""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy.orm import Session

from gongdan.accounts.models import AVAILABILITIES, User
from gongdan.db import utcnow
from gongdan.errors import ValidationFailed


def set_availability(session: Session, user: User, availability: str) -> User:
    """Set whether ``user`` can take new work (available / busy / off) and commit.

    :raises ValidationFailed: ``availability`` is not one of :data:`AVAILABILITIES`.
    """
    if availability not in AVAILABILITIES:
        message = f"availability {availability!r} is not one of {', '.join(AVAILABILITIES)}"
        raise ValidationFailed(message, fields={"availability": message})
    user.availability = availability
    session.commit()
    return user


def record_location(
    session: Session, user: User, lat: object, lng: object, *, at: datetime | None = None
) -> User:
    """Store where ``user`` was last seen (e.g. the browser's geolocation at check-in); commit.

    ``at`` is when the position was taken (default: now); it goes to ``last_located_at``.

    :raises ValidationFailed: ``lat``/``lng`` are not finite numbers within ±90/±180.
    """
    problems: dict[str, str] = {}
    values: dict[str, float] = {}
    for key, raw, bound in (("lat", lat, 90.0), ("lng", lng, 180.0)):
        number = _number(raw)
        if number is None:
            problems[key] = f"{key} {raw!r} is not a number"
        elif not -bound <= number <= bound:
            problems[key] = f"{key} {number} is outside -{bound:g}..{bound:g}"
        else:
            values[key] = number
    if problems:
        raise ValidationFailed("; ".join(problems.values()), fields=problems)
    user.last_lat, user.last_lng = values["lat"], values["lng"]
    user.last_located_at = at or utcnow()
    session.commit()
    return user


def _number(raw: object) -> float | None:
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        number = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
