"""Generation: schedules derived from the plans, visits and tickets exactly once, catching up
after downtime, completion re-planning, overdue flags, plan changes (SQLite and PostgreSQL).

The due dates are those of the table in ``factories.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from gongdan_pm.generation import generate
from gongdan_pm.models import PmSchedule
from gongdan_pm.tasks import pm_sweep
from tests.gongdan.fieldwork.factories import step
from tests.gongdan.notifications.factories import outbox_rows
from tests.plugins.pm.factories import PmSite

from gongdan.customers.models import service_today
from gongdan.db import db
from gongdan.definitions.extensions import current_extensions
from gongdan.definitions.loader import load_text
from gongdan.definitions.registry import publish, save_draft
from gongdan.tickets.models import Ticket, TicketEvent


def _ticket_count() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Ticket).where(Ticket.type_key == "pm_visit")
        )
        or 0
    )


def test_generation_twice_or_after_downtime_gives_exactly_the_expected_tickets(
    pm_site: PmSite,
) -> None:
    with pm_site.site.app.app_context():
        first = generate(db.session, date(2026, 6, 1))
        # Three schedules (GR-B2 matches no plan); WT-B1's visit due 06-01 is within 7 days.
        assert first.schedules.created == 3
        assert len(first.tickets) == 1
        again = generate(db.session, date(2026, 6, 1))
        assert again.tickets == [] and again.schedules.created == 0

        # A week and more without a scheduler, then one run: both quarterly visits whose
        # tickets fell due meanwhile (06-30 from 06-16, 07-10 from 06-26), nothing twice.
        caught_up = generate(db.session, date(2026, 6, 27))
        assert len(caught_up.tickets) == 2
        assert generate(db.session, date(2026, 6, 27)).tickets == []

        assert pm_site.visits() == [
            ("WT-B1", "2026-06-01", "open", True),  # not done by 06-27: flagged overdue
            ("ES-A2", "2026-06-30", "open", False),
            ("ES-A1", "2026-07-10", "open", False),
        ]
        assert _ticket_count() == 3
        ticket = pm_site.ticket_of("ES-A1", "2026-07-10")
        assert ticket.number.startswith("PM-")
        assert ticket.asset_id == pm_site.assets["ES-A1"]
        assert ticket.fields["pm_plan"] == "premium_quarterly"
        assert ticket.fields["pm_due_date"] == "2026-07-10"
        # Routed and timed like any ticket: the pack's rule gives it to the nearest engineer,
        # the default SLA policy sets its deadlines.
        assert ticket.assignee_id == pm_site.site.users["engineer"]
        assert ticket.sla_policy_revision_id is not None


def test_long_downtime_records_overtaken_visits_as_missed_and_flags_overdue(
    pm_site: PmSite,
) -> None:
    with pm_site.site.app.app_context():
        generate(db.session, date(2026, 6, 1))
        result = generate(db.session, date(2026, 10, 20))
        assert result.missed == 2
        assert len(result.tickets) == 2
        assert pm_site.visits() == [
            ("WT-B1", "2026-06-01", "open", True),
            ("ES-A2", "2026-06-30", "missed", False),
            ("ES-A1", "2026-07-10", "missed", False),
            ("ES-A2", "2026-09-30", "open", True),
            ("ES-A1", "2026-10-10", "open", True),
        ]
        assert _ticket_count() == 3


def test_an_overdue_visit_is_told_once_to_its_engineer_and_lead(pm_site: PmSite) -> None:
    with pm_site.site.app.app_context():
        generate(db.session, date(2026, 6, 1))
        visit_ticket = pm_site.ticket_of("WT-B1", "2026-06-01")
        number, engineer = visit_ticket.number, visit_ticket.assignee
        assert engineer is not None
        engineer.email = "field@example.cn"  # the test world's people have no address
        db.session.commit()
        assert generate(db.session, date(2026, 6, 1)).overdue == 0  # due today: not yet
        assert generate(db.session, date(2026, 6, 2)).overdue == 1
        assert generate(db.session, date(2026, 6, 3)).overdue == 0
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        told = [e for e in ticket.events if e.kind == "pm.visit_overdue"]
        assert [(e.data, e.public) for e in told] == [
            ({"plan": "water_filter_change", "due": "2026-06-01"}, False)
        ]
        (mail,) = outbox_rows(db.session, template_key="pm_visit_overdue")
        assert (mail.ticket_id, mail.recipient_address) == (ticket.id, "field@example.cn")
        assert mail.subject.endswith(number)


def test_generating_ahead_tickets_the_coming_visits_without_judging_them(
    pm_site: PmSite,
) -> None:
    """``--until`` a day ahead: every visit up to it is ticketed now, none missed or overdue."""
    with pm_site.site.app.app_context():
        generate(db.session, date(2026, 6, 1))
        result = generate(db.session, date(2026, 10, 20), today=date(2026, 6, 1))
        assert (result.missed, len(result.tickets), result.overdue) == (0, 4, 0)
        assert pm_site.visits() == [
            ("WT-B1", "2026-06-01", "open", False),
            ("ES-A2", "2026-06-30", "open", False),
            ("ES-A1", "2026-07-10", "open", False),
            ("ES-A2", "2026-09-30", "open", False),
            ("ES-A1", "2026-10-10", "open", False),
        ]
        assert generate(db.session, date(2026, 10, 20), today=date(2026, 6, 1)).tickets == []


def test_completion_counts_the_next_visit_from_the_day_it_was_done(pm_site: PmSite) -> None:
    site = pm_site.site
    with site.app.app_context():
        generate(db.session, date(2026, 6, 1))
        ticket = pm_site.ticket_of("WT-B1", "2026-06-01")
        number = ticket.number
    step(site, number, "engineer", "check_in")
    step(site, number, "engineer", "complete", fields={"findings": "滤芯更换，水压正常"})
    with site.app.app_context():
        assert pm_site.visits()[0][:3] == ("WT-B1", "2026-06-01", "done")
        schedule = db.session.scalar(
            sa.select(PmSchedule).where(PmSchedule.asset_id == pm_site.assets["WT-B1"])
        )
        assert schedule is not None
        assert schedule.next_due == service_today() + timedelta(days=60)


def test_a_plan_change_replans_only_the_visits_not_yet_generated(pm_site: PmSite) -> None:
    with pm_site.site.app.app_context():
        generate(db.session, date(2026, 6, 27))
        before = pm_site.visits()
        _publish(PLAN.replace("every: {months: 3}", "every: {months: 1}"))

        generate(db.session, date(2026, 6, 27))
        assert pm_site.visits() == before  # generated visits stay as they were
        due = dict(
            db.session.execute(
                sa.select(PmSchedule.asset_id, PmSchedule.next_due).where(
                    PmSchedule.plan_key == "premium_quarterly"
                )
            ).all()
        )
        # Counted monthly from the last generated visit of each machine.
        assert due == {
            pm_site.assets["ES-A1"]: date(2026, 8, 10),
            pm_site.assets["ES-A2"]: date(2026, 7, 30),
        }


PLAN = """\
kind: pm.MaintenancePlan
key: premium_quarterly
title: {zh: 全保合同季度保养, en: Premium contract quarterly maintenance}
spec:
  assets:
    all:
      - {field: contract.level, op: eq, value: premium}
      - {field: contract.active, op: eq, value: true}
  every: {months: 3}
  lead_days: 14
  ticket_type: pm_visit
"""


def test_the_sweep_generates_on_its_service_day_and_is_idempotent(pm_site: PmSite) -> None:
    with pm_site.site.app.app_context():
        # 06-26 20:00 UTC is 06-27 04:00 in Shanghai: the service day is 06-27.
        moment = datetime(2026, 6, 26, 20, 0, tzinfo=UTC)
        assert pm_sweep(moment)["tickets"] == 2
        assert pm_sweep(moment) == {
            "tickets": 0, "missed": 0, "schedules": 0, "overdue": 0, "errors": 0,
        }  # fmt: skip


def _publish(text: str) -> None:
    (definition,), problems = load_text(text, "plan.yaml")
    assert problems == []
    draft = save_draft(db.session, definition, author="test")
    publish(db.session, draft.id, author="test", extensions=current_extensions())


def test_a_plan_routing_to_a_department_leaves_its_visits_in_that_queue(pm_site: PmSite) -> None:
    with pm_site.site.app.app_context():
        _publish(PLAN + "  route: {department: repair_center}\n")
        generate(db.session, date(2026, 6, 27))
        ticket = pm_site.ticket_of("ES-A2", "2026-06-30")
        assert (ticket.department_key, ticket.assignee_id) == ("repair_center", None)
        assigned = sa.select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "assigned"
        )
        assert db.session.scalars(assigned).all() == []


def test_a_plan_naming_a_rule_is_routed_by_that_rule_once(pm_site: PmSite) -> None:
    with pm_site.site.app.app_context():
        _publish(PLAN + "  route: {rule: pm_visits_nearest}\n")
        generate(db.session, date(2026, 6, 27))
        ticket = pm_site.ticket_of("ES-A2", "2026-06-30")
        events = db.session.scalars(
            sa.select(TicketEvent).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "assigned"
            )
        ).all()
        assert [e.data["rule"] for e in events] == ["pm_visits_nearest"]
        assert ticket.assignee_id == pm_site.site.users["engineer"]
