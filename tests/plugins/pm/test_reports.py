"""PM compliance in SQL against a hand-computed set of visits (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from gongdan_pm.models import PmSchedule, PmVisit
from gongdan_pm.reports import ComplianceRow, compliance
from gongdan_pm.schedules import sync_schedules
from tests.plugins.pm.factories import PmSite

from gongdan.db import db

D = date.fromisoformat

#: (serial, due, status, completed on)
VISITS = [
    ("ES-A1", "2026-04-10", "done", "2026-04-09"),  # on time
    ("ES-A1", "2026-07-10", "done", "2026-07-15"),  # late
    ("ES-A1", "2026-10-10", "open", None),  # open, overdue on 11-01
    ("ES-A2", "2026-06-30", "open", None),  # missed: 09-30 fell due with nobody there
    ("ES-A2", "2026-09-30", "open", None),  # open, overdue
    ("WT-B1", "2026-06-01", "missed", None),  # missed while catching up
    ("WT-B1", "2026-08-01", "cancelled", None),  # counted nowhere
    ("WT-B1", "2026-10-30", "done", "2026-10-30"),  # on time
]


def _visits(pm_site: PmSite) -> None:
    sync_schedules(db.session, D("2026-04-01"))
    schedules = {
        asset_id: (schedule_id, plan_key)
        for schedule_id, asset_id, plan_key in db.session.execute(
            sa.select(PmSchedule.id, PmSchedule.asset_id, PmSchedule.plan_key)
        )
    }
    for n, (serial, due, status, done) in enumerate(VISITS, start=1):
        asset_id = pm_site.assets[serial]
        schedule_id, plan_key = schedules[asset_id]
        customer = "beta" if serial.startswith("WT") else "acme"
        db.session.add(
            PmVisit(
                schedule_id=schedule_id, plan_key=plan_key, plan_revision_id=1,
                asset_id=asset_id, customer_id=pm_site.site.customers[customer], sequence=n,
                due_date=D(due), status=status, completed_on=D(done) if done else None,
            )
        )  # fmt: skip
    db.session.commit()


def test_compliance_counts_on_time_late_missed_and_open(pm_site: PmSite) -> None:
    with pm_site.site.app.app_context():
        _visits(pm_site)
        rows = compliance(db.session, D("2026-04-01"), D("2026-10-31"), D("2026-11-01"))
        assert rows == [
            ComplianceRow("premium_quarterly", on_time=1, late=1, missed=1, open=2, overdue=2),
            ComplianceRow("water_filter_change", on_time=1, late=0, missed=1, open=0, overdue=0),
            ComplianceRow("*", on_time=2, late=1, missed=2, open=2, overdue=2),
        ]
        assert rows[-1].due == 7 and rows[-1].on_time_rate == pytest.approx(2 / 5)

        later = compliance(db.session, D("2026-07-01"), D("2026-10-31"), D("2026-11-01"))
        assert later == [
            ComplianceRow("premium_quarterly", on_time=0, late=1, missed=0, open=2, overdue=2),
            ComplianceRow("water_filter_change", on_time=1, late=0, missed=0, open=0, overdue=0),
            ComplianceRow("*", on_time=1, late=1, missed=0, open=2, overdue=2),
        ]
        beta = compliance(
            db.session, D("2026-04-01"), D("2026-10-31"), D("2026-11-01"),
            customer_id=pm_site.site.customers["beta"],
        )  # fmt: skip
        assert beta[-1] == ComplianceRow("*", on_time=1, late=0, missed=1, open=0, overdue=0)


def test_a_period_ending_before_it_starts_is_refused(pm_site: PmSite) -> None:
    with pm_site.site.app.app_context(), pytest.raises(ValueError, match="ends"):
        compliance(db.session, D("2026-10-31"), D("2026-04-01"), D("2026-11-01"))
