"""Straight-line distances and reading points out of address and geo values."""

from __future__ import annotations

import pytest

from gongdan.routing.geo import haversine_km, point_of

BEIJING = (39.9042, 116.4074)
SHANGHAI = (31.2304, 121.4737)


def test_haversine_gives_the_known_city_distance_both_ways() -> None:
    assert haversine_km(BEIJING, SHANGHAI) == pytest.approx(1067.3, abs=0.1)
    assert haversine_km(SHANGHAI, BEIJING) == haversine_km(BEIJING, SHANGHAI)
    assert haversine_km(SHANGHAI, SHANGHAI) == 0.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"region": "east", "lat": 31.2304, "lng": 121.4737}, SHANGHAI),
        ({"lat": "31.2304", "lng": "121.4737", "accuracy": 12}, SHANGHAI),
        ({"region": "east", "city": "上海"}, None),
        ({"lat": 91, "lng": 0}, None),
        ({"lat": None, "lng": 121.4}, None),
        ({"lat": "nan", "lng": 121.4}, None),
        (42, None),
        (None, None),
    ],
)
def test_point_of_reads_only_valid_coordinates(value: object, expected: object) -> None:
    assert point_of(value) == expected
