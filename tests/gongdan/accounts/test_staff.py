"""Staff attributes: availability and last known location, validated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.accounts.staff import record_location, set_availability
from gongdan.errors import ValidationFailed


def _engineer(session: Session) -> User:
    user = User(username="eng", role="engineer", display_name="eng")
    session.add(user)
    session.commit()
    return user


def test_set_availability(session: Session) -> None:
    user = _engineer(session)
    set_availability(session, user, "busy")
    session.expire_all()
    assert user.availability == "busy"


def test_unknown_availability_is_refused(session: Session) -> None:
    user = _engineer(session)
    with pytest.raises(ValidationFailed) as caught:
        set_availability(session, user, "asleep")
    assert caught.value.fields == {
        "availability": "availability 'asleep' is not one of available, busy, off"
    }
    session.expire_all()
    assert user.availability == "available"


def test_record_location_stores_the_point_and_time(session: Session) -> None:
    user = _engineer(session)
    at = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    record_location(session, user, "31.2304", 121.4737, at=at)
    session.expire_all()
    assert (user.last_lat, user.last_lng, user.last_located_at) == (31.2304, 121.4737, at)


@pytest.mark.parametrize(
    ("lat", "lng", "fields"),
    [
        (91, 0, {"lat": "lat 91.0 is outside -90..90"}),
        (0, -181, {"lng": "lng -181.0 is outside -180..180"}),
        ("north", None, {"lat": "lat 'north' is not a number", "lng": "lng None is not a number"}),
        (float("nan"), True, {"lat": "lat nan is not a number", "lng": "lng True is not a number"}),
    ],
)
def test_bad_coordinates_are_refused(
    session: Session, lat: object, lng: object, fields: dict[str, str]
) -> None:
    user = _engineer(session)
    with pytest.raises(ValidationFailed) as caught:
        record_location(session, user, lat, lng)
    assert caught.value.fields == fields
    session.expire_all()
    assert user.last_lat is None
