from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from tests.gongdan.reports.factory import ReportWorld, build_report_world

from gongdan.accounts.models import User
from gongdan.db import db


@pytest.fixture
def world(app: Flask) -> ReportWorld:
    """The fixed data set of :mod:`tests.gongdan.reports.factory`."""
    with app.app_context():
        return build_report_world(db.session)


@pytest.fixture
def staff(make_user: Callable[..., User]) -> dict[str, User]:
    """One user of each role the report pages care about."""
    return {
        role: make_user(role, role)
        for role in ("manager", "service_manager", "admin", "agent", "engineer", "customer")
    }
