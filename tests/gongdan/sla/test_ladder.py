"""The escalation ladder: due rows only, each rung once and in order, catch-up, concurrency."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import MigratedDatabase
from tests.gongdan.sla.conftest import T0, FrozenClock, World

from gongdan.notifications.models import NotificationOutbox
from gongdan.sla.actions import run_action
from gongdan.sla.ladder import due_clocks, run_escalation_sweep
from gongdan.sla.models import SlaEscalation
from gongdan.sla.services import advance_clocks

#: The standard policy's ladder, by level: (metric, threshold %).
STANDARD = {
    1: ("resolution", 80.0),
    2: ("first_response", 100.0),
    3: ("on_site", 100.0),
    4: ("resolution", 100.0),
    5: ("resolution", 150.0),
}
SLA = {"metric": "resolution", "threshold": "100%", "policy": "standard", "level": 4}


def _fired(session: Session) -> Counter[tuple[int, int]]:
    rows = session.execute(select(SlaEscalation.clock_id, SlaEscalation.level)).all()
    return Counter((row.clock_id, row.level) for row in rows)


def test_the_sweep_reads_only_due_clocks(world: World) -> None:
    tickets = [world.repair("acme") for _ in range(6)]
    for ticket in tickets[:2]:
        advance_clocks(world.session, ticket.id, timedelta(hours=4))  # first response at 100%
    world.session.commit()

    report = run_escalation_sweep(world.session, T0)

    assert report.examined == 2
    assert [(f["metric"], f["level"]) for f in report.fired] == [("first_response", 2)] * 2
    assert run_escalation_sweep(world.session, T0).examined == 0


def test_the_due_query_uses_the_partial_index_on_postgresql(world: World) -> None:
    session = world.session
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: covered by the row count above
    world.repair("acme")
    session.execute(func.now().select())  # a transaction on this connection
    connection = session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    compiled = due_clocks(T0).compile(dialect=connection.dialect)
    plan = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars().all()
    assert any("ix_sla_clocks_due" in line for line in plan), plan
    session.rollback()


def test_after_downtime_every_rung_fires_once_in_order(world: World) -> None:
    ticket = world.repair("acme")
    later = T0 + timedelta(days=30)

    report = run_escalation_sweep(world.session, later)

    fired = [(f["metric"], f["level"]) for f in report.fired]
    by_metric = {
        metric: [level for m, level in fired if m == metric]
        for metric in ("first_response", "on_site", "resolution")
    }
    assert by_metric == {"first_response": [2], "on_site": [3], "resolution": [1, 4, 5]}
    events = world.events(ticket.id, "escalated")
    resolution = [e.data for e in events if e.data["metric"] == "resolution"]
    assert [e["threshold"] for e in resolution] == ["80%", "100%", "150%"]
    assert resolution[0]["sla_event"] == "sla_warning"
    assert resolution[1]["sla_event"] == "sla_breached"
    assert resolution[0]["why"].startswith("resolution reached 80% of its target")
    actions = resolution[1]["actions"]
    assert actions[0]["do"] == "notify" and actions[0]["template"] == "sla_breached"
    assert actions[1] == {"do": "set", "field": "ticket.priority", "from": "normal", "to": "urgent"}
    assert resolution[1]["late_by_seconds"] > 0

    # The raised priority does not re-target: the remaining rungs were not rushed.
    assert world.ticket(ticket.id).priority == "urgent"
    assert world.clocks(ticket.id)["resolution"].target_seconds == 40 * 3600
    assert world.clocks(ticket.id)["resolution"].next_level is None
    # The lead was told, through the outbox.
    breached = world.session.scalars(
        select(NotificationOutbox).where(NotificationOutbox.template_key == "sla_breached")
    ).all()
    assert breached and {row.recipient_address for row in breached} >= {"lead@example.cn"}

    again = run_escalation_sweep(world.session, later + timedelta(days=1))
    assert (again.examined, again.fired) == (0, [])
    assert set(_fired(world.session).values()) == {1}
    assert len(world.events(ticket.id, "escalated")) == 5


def test_rungs_fire_at_their_thresholds_not_before(world: World, clock: FrozenClock) -> None:
    ticket = world.repair("vip")  # 24x7: resolution P2D, rungs at 60%, 100%, 125%
    resolution = world.clocks(ticket.id)["resolution"]
    assert resolution.next_fire_at == T0 + timedelta(hours=48 * 0.6)

    early = run_escalation_sweep(world.session, T0 + timedelta(hours=28))
    assert [f["metric"] for f in early.fired] == ["first_response", "on_site"]
    on_time = run_escalation_sweep(world.session, T0 + timedelta(hours=28, minutes=48))
    assert [(f["metric"], f["at_percent"]) for f in on_time.fired] == [("resolution", 60.0)]
    assert world.clocks(ticket.id)["resolution"].next_fire_at == T0 + timedelta(hours=48)


def test_a_paused_or_resolved_ticket_does_not_escalate(world: World, clock: FrozenClock) -> None:
    from gongdan.tickets import services as ticket_services

    ticket = world.repair("acme")
    ticket_services.run_transition(
        world.session, world.user("agent"), ticket.id, "ask_customer",
        expected_version=ticket.version, comment="请提供照片",
    )  # fmt: skip
    report = run_escalation_sweep(world.session, T0 + timedelta(days=60))
    assert report.fired == []


def test_two_concurrent_sweeps_fire_each_rung_exactly_once(
    world: World, sla_app: Flask, database: MigratedDatabase
) -> None:
    tickets = [world.repair("acme").id for _ in range(3)]
    later = T0 + timedelta(days=30)
    engines = [database.new_engine() for _ in range(2)]
    barrier = threading.Barrier(2)
    reports = []
    errors: list[BaseException] = []

    def sweep(index: int) -> None:
        try:
            with sla_app.app_context(), Session(engines[index]) as session:
                barrier.wait()
                reports.append(run_escalation_sweep(session, later, batch_size=2))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for engine in engines:
        engine.dispose()
    assert errors == []
    together = Counter((f["clock_id"], f["level"]) for report in reports for f in report.fired)
    assert set(together.values()) <= {1}, together  # nothing fired twice
    if world.session.get_bind().dialect.name == "postgresql":
        assert len(together) == 15  # 5 rungs x 3 tickets, shared between the sweeps
    run_escalation_sweep(world.session, later)  # SQLite: whatever a busy sweep left
    world.session.expire_all()
    fired = _fired(world.session)
    assert len(fired) == 15 and set(fired.values()) == {1}
    for ticket_id in tickets:
        assert len(world.events(ticket_id, "escalated")) == 5


def test_transfer_and_assign_actions_run_as_the_system(world: World) -> None:
    ticket = world.repair("acme")
    transfer = run_action(
        world.session, ticket, {"do": "transfer", "department": "quality"}, sla=SLA, event="t"
    )
    assert transfer == {"do": "transfer", "from": "customer_service", "to": "quality",
                        "unassigned": None}  # fmt: skip
    missing = run_action(
        world.session, ticket, {"do": "transfer", "department": "nowhere"}, sla=SLA, event="t"
    )
    assert missing["skipped"] == "no such department"
    ticket.department_key = "customer_service"
    assign = run_action(
        world.session, ticket, {"do": "assign", "to": "department_lead"}, sla=SLA, event="t"
    )
    assert assign == {"do": "assign", "to": "department_lead", "assignee": world.user("lead").id}
    world.session.commit()
    [transferred] = world.events(ticket.id, "transferred")
    assert transferred.data["reason"] == "SLA escalation: resolution at 100%"
    [assigned] = world.events(ticket.id, "assigned")
    assert assigned.actor_id is None and assigned.data["rule"] == "sla:standard"
    unknown = run_action(world.session, ticket, {"do": "create_ticket"}, sla=SLA, event="t")
    assert unknown["skipped"] == "the escalation ladder does not run this action"


def test_time_travel_makes_a_demo_ticket_climb_the_ladder(world: World, sla_app: Flask) -> None:
    ticket = world.repair("acme")
    runner = sla_app.test_cli_runner()

    first = runner.invoke(args=["sla", "travel", ticket.number, "--by", "PT4H"])
    assert first.exit_code == 0, first.output
    assert "first_response level 2 (100%) fired" in first.output
    second = runner.invoke(args=["sla", "travel", ticket.number, "--by", "P8D"])
    assert "resolution level 1 (80%) fired" in second.output
    assert "resolution level 5 (150%) fired" in second.output
    status = runner.invoke(args=["sla", "status", ticket.number])
    assert "resolution" in status.output and "breached" in status.output
    bad = runner.invoke(args=["sla", "travel", ticket.number, "--by", "soon"])
    assert bad.exit_code != 0 and "'soon' is not an ISO 8601 duration" in bad.output


def test_with_routing_on_the_ladder_still_climbs_once(world: World, routing_on: bool) -> None:
    ticket = world.repair("acme")
    assert world.ticket(ticket.id).department_key == "tech_support"  # routed at creation
    assert set(world.clocks(ticket.id)) == {"first_response", "on_site", "resolution"}
    report = run_escalation_sweep(world.session, T0 + timedelta(days=30))
    assert len(report.fired) == 5
    assert run_escalation_sweep(world.session, T0 + timedelta(days=31)).fired == []
