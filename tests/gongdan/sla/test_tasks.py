"""SLA jobs: the periodic sweep and the one-ticket job are idempotent and take plain arguments."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from tests.gongdan.sla.conftest import T0, World

from gongdan.jobs.scheduler import run_sweeps
from gongdan.sla.services import sla_status_many
from gongdan.sla.tasks import JOBS, escalate_ticket, run_sweep


def test_the_sweep_job_fires_once_and_reports(world: World) -> None:
    ticket = world.repair("acme")
    later = T0 + timedelta(days=30)

    assert run_sweep(later) == {"examined": 3, "fired": 5, "skipped": 0, "failed": 0}
    assert run_sweep(later)["fired"] == 0
    assert len(world.events(ticket.id, "escalated")) == 5
    assert set(JOBS) == {"sla.sweep", "sla.escalate_ticket"}


def test_the_one_ticket_job_does_nothing_when_nothing_is_due(world: World) -> None:
    ticket = world.repair("vip")
    assert escalate_ticket(ticket.id, T0.isoformat())["fired"] == 0
    done = escalate_ticket(ticket.id, (T0 + timedelta(hours=1)).isoformat())
    assert done["fired"] == 1
    assert escalate_ticket(ticket.id, (T0 + timedelta(hours=1)).isoformat())["fired"] == 0


def test_the_scheduler_runs_the_sla_sweep(world: World, sla_app: Flask) -> None:
    first, second = world.repair("acme"), world.repair("vip")
    results = run_sweeps(sla_app, T0 + timedelta(hours=2))
    assert results["sla"] == {"examined": 1, "fired": 1, "skipped": 0, "failed": 0}
    views = sla_status_many(world.session, [first.id, second.id], T0 + timedelta(hours=2))
    assert [v.metric for v in views[first.id]] == ["first_response", "on_site", "resolution"]
    assert {v.metric: v.state for v in views[second.id]}["first_response"] == "breached"


def test_attach_backfills_open_tickets_without_clocks(world: World, sla_app: Flask) -> None:
    from sqlalchemy import delete

    from gongdan.sla.models import SlaClock

    ticket = world.repair("acme")
    world.session.execute(delete(SlaClock))
    world.session.commit()

    result = sla_app.test_cli_runner().invoke(args=["sla", "attach"])

    assert "SLA clocks attached to 1 ticket(s)." in result.output
    assert set(world.clocks(ticket.id)) == {"first_response", "on_site", "resolution"}
    again = sla_app.test_cli_runner().invoke(args=["sla", "attach"])
    assert "attached to 0 ticket(s)" in again.output
