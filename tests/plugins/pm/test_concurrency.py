"""Two schedulers generating at once create each visit and its ticket once (SQLite and
PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa
from gongdan_pm.generation import GenerationResult, generate
from gongdan_pm.models import PmSchedule, PmVisit
from tests.plugins.pm.factories import PmSite

from gongdan.db import db
from gongdan.tickets.models import Ticket
from gongdan_pm import generation


def test_two_schedulers_at_once_create_no_duplicates(pm_site: PmSite) -> None:
    app = pm_site.site.app
    start = threading.Barrier(3)
    results: list[GenerationResult] = []
    failures: list[BaseException] = []

    def scheduler() -> None:
        with app.app_context():
            try:
                start.wait(5)
                results.append(generate(db.session, date(2026, 6, 27)))
            except BaseException as error:  # reported below, with the thread's traceback lost
                failures.append(error)

    threads = [threading.Thread(target=scheduler) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    # ES-A1 (07-10) and ES-A2 (06-30) are due within 14 days of 06-27; WT-B1's next (07-31) is not.
    assert sorted(len(r.tickets) for r in results)[-1] <= 2
    assert sum(len(r.tickets) for r in results) == 2
    with app.app_context():
        assert pm_site.visits() == [
            ("ES-A2", "2026-06-30", "open", False),
            ("ES-A1", "2026-07-10", "open", False),
        ]
        count = sa.select(sa.func.count())
        assert db.session.scalar(count.select_from(PmSchedule)) == 3
        assert (
            db.session.scalar(count.select_from(Ticket).where(Ticket.type_key == "pm_visit")) == 2
        )
        assert db.session.scalar(count.select_from(PmVisit).where(PmVisit.ticket_id.is_(None))) == 0


def test_a_scheduler_finding_a_visit_being_generated_leaves_it_alone(
    pm_site: PmSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first scheduler keeps each visit's transaction open a moment (its ticket takes
    long to create); the second one runs into it and must not record the visits again."""
    app = pm_site.site.app
    with app.app_context():
        generation.sync_schedules(db.session, date(2026, 6, 27))
    real_create = generation.create_ticket
    first_inside = threading.Event()

    def slow_create(*args: object, **kwargs: object) -> object:
        ticket = real_create(*args, **kwargs)
        first_inside.set()
        time.sleep(0.5)
        return ticket

    results: dict[str, GenerationResult] = {}

    def first() -> None:
        with app.app_context():
            results["first"] = generate(db.session, date(2026, 6, 27))

    def second() -> None:
        first_inside.wait(10)
        with app.app_context():
            results["second"] = generate(db.session, date(2026, 6, 27))

    monkeypatch.setattr(generation, "create_ticket", slow_create)
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    tickets = results["first"].tickets + results["second"].tickets
    assert len(tickets) == 2 == len(set(tickets))
    with app.app_context():
        assert [visit[:3] for visit in pm_site.visits()] == [
            ("ES-A2", "2026-06-30", "open"),
            ("ES-A1", "2026-07-10", "open"),
        ]
        count = sa.select(sa.func.count()).select_from(Ticket).where(Ticket.type_key == "pm_visit")
        assert db.session.scalar(count) == 2
