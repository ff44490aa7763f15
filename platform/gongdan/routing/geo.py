"""Straight-line distances between points on the earth (haversine), for ``nearest`` routing."""

from __future__ import annotations

import math
from collections.abc import Mapping

#: Mean earth radius in kilometres (IUGG), enough for "which engineer is closer".
EARTH_RADIUS_KM = 6371.0088

Point = tuple[float, float]


def haversine_km(origin: Point, destination: Point) -> float:
    """The great-circle distance in kilometres between two ``(lat, lng)`` points in degrees."""
    lat1, lng1 = map(math.radians, origin)
    lat2, lng2 = map(math.radians, destination)
    half_chord = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(half_chord)))


def point_of(value: object) -> Point | None:
    """``(lat, lng)`` of a mapping with numeric ``lat`` and ``lng`` in range, else ``None``.

    Reads an ``address`` value (``{region, city, line, lat, lng}``) or a ``geo`` value
    (``{lat, lng, accuracy, at}``); strings of numbers are accepted, anything else is not a point.
    """
    if not isinstance(value, Mapping):
        return None
    try:
        lat, lng = float(value["lat"]), float(value["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0) or math.isnan(lat + lng):
        return None
    return lat, lng
