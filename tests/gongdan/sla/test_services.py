"""SLA clocks follow the ticket: attach, pause/resume, stop, re-target, reopen, status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tests.gongdan.sla.conftest import T0, FrozenClock, World

from gongdan.definitions.models import DefinitionRevision
from gongdan.sla.services import sla_status, sync_clocks
from gongdan.tickets import services as ticket_services

Shanghai = Callable[..., datetime]


def test_a_normal_customer_gets_the_standard_policy_pinned(
    world: World, shanghai: Shanghai
) -> None:
    ticket = world.repair("acme")
    clocks = world.clocks(ticket.id)

    assert set(clocks) == {"first_response", "on_site", "resolution"}
    # normal: first response PT4H, on site P2D, resolution P5D on 09-12 + 13-18 working days.
    assert clocks["first_response"].due_at == shanghai(2026, 11, 24, 15, 0)
    assert clocks["on_site"].due_at == shanghai(2026, 11, 26, 10, 0)
    assert clocks["resolution"].due_at == shanghai(2026, 12, 1, 10, 0)
    assert clocks["resolution"].target_seconds == 5 * 8 * 3600
    pinned = world.ticket(ticket.id).sla_policy_revision_id
    revision = world.session.get(DefinitionRevision, pinned)
    assert (revision.kind, revision.key) == ("SlaPolicy", "standard")
    [attached] = world.events(ticket.id, "sla_attached")
    assert attached.data["policy"] == "standard"
    assert attached.data["why"] == "default policy"
    assert attached.public is False


def test_a_vip_customer_gets_the_vip_policy_round_the_clock(world: World) -> None:
    ticket = world.repair("vip")
    clocks = world.clocks(ticket.id)

    assert {row.policy_key for row in clocks.values()} == {"vip"}
    assert clocks["first_response"].due_at == T0 + timedelta(hours=1)
    assert clocks["resolution"].due_at == T0 + timedelta(days=2)
    [attached] = world.events(ticket.id, "sla_attached")
    assert "condition of policy 'vip' holds" in attached.data["why"]


def test_attaching_does_not_change_the_ticket_version(world: World) -> None:
    ticket = world.repair("acme")
    assert world.ticket(ticket.id).version == 1


def test_a_pause_moves_the_deadline_by_exactly_the_paused_business_time(
    world: World, clock: FrozenClock, shanghai: Shanghai
) -> None:
    ticket = world.repair("acme")
    due = world.clocks(ticket.id)["resolution"].due_at
    clock.now = shanghai(2026, 11, 24, 11, 0)
    ticket = ticket_services.run_transition(
        world.session, world.user("agent"), ticket.id, "ask_customer",
        expected_version=ticket.version, comment="型号是多少？",
    )  # fmt: skip
    paused = world.clocks(ticket.id)["resolution"]
    assert paused.paused_at == clock.now
    assert (paused.due_at, paused.next_fire_at) == (None, None)
    assert paused.business_seconds_used_before_pause == 3600

    # Paused from Tuesday 11:00 to Wednesday 10:30: 1 + 5 + 1.5 = 7.5 business hours.
    clock.now = shanghai(2026, 11, 25, 10, 30)
    ticket_services.run_transition(
        world.session, world.user("agent"), ticket.id, "customer_replied",
        expected_version=world.ticket(ticket.id).version,
    )  # fmt: skip
    resumed = world.clocks(ticket.id)["resolution"]
    assert resumed.paused_at is None
    assert resumed.due_at == shanghai(2026, 12, 2, 9, 30)  # Dec 1 10:00 + 7.5 business hours
    assert world.session.get_bind() is not None and due is not None
    [view] = [
        v for v in sla_status(world.session, world.ticket(ticket.id)) if v.metric == "resolution"
    ]
    assert view.state == "ok"
    assert view.remaining == timedelta(hours=39)


def test_first_response_stops_at_the_first_public_staff_comment(
    world: World, clock: FrozenClock
) -> None:
    ticket = world.repair("acme")
    clock.move(timedelta(minutes=20))
    ticket_services.add_comment(
        world.session, world.user("agent"), ticket.id, body="internal", internal=True
    )
    assert world.clocks(ticket.id)["first_response"].stopped_at is None
    clock.move(timedelta(minutes=10))
    ticket_services.add_comment(world.session, world.user("agent"), ticket.id, body="我们在处理")
    stopped = world.clocks(ticket.id)["first_response"]
    assert stopped.stopped_at == T0 + timedelta(minutes=30)
    assert (stopped.met, stopped.breached, stopped.next_fire_at) == (True, False, None)
    assert stopped.business_seconds_used_before_pause == 30 * 60
    assert world.clocks(ticket.id)["resolution"].stopped_at is None


def test_resolving_stops_every_clock_and_reopening_restarts_resolution(
    world: World, clock: FrozenClock
) -> None:
    ticket = world.repair("acme", fields={"resolution_code": "remote_guidance"})
    clock.move(timedelta(hours=1))
    ticket = ticket_services.run_transition(
        world.session, world.user("agent"), ticket.id, "solve_at_first_contact",
        expected_version=ticket.version, comment="已远程指导",
    )  # fmt: skip
    clocks = world.clocks(ticket.id)
    assert all(row.stopped_at == T0 + timedelta(hours=1) for row in clocks.values())
    assert all(row.met for row in clocks.values())
    [stopped] = world.events(ticket.id, "sla_stopped")
    assert stopped.data["why"] == "the ticket is resolved"
    assert stopped.data["clocks"]["resolution"] == {
        "met": True, "used_seconds": 3600, "target_seconds": 40 * 3600,
    }  # fmt: skip
    states = {view.metric: view.state for view in sla_status(world.session, ticket)}
    assert states == {"first_response": "met", "on_site": "met", "resolution": "met"}

    clock.move(timedelta(hours=2))
    ticket_services.run_transition(
        world.session, world.user("agent"), ticket.id, "reopen",
        expected_version=world.ticket(ticket.id).version, comment="又坏了",
    )  # fmt: skip
    clocks = world.clocks(ticket.id)
    resolution = clocks["resolution"]
    assert resolution.stopped_at is None and resolution.met is None
    assert resolution.business_seconds_used_before_pause == 3600
    assert resolution.running_since == clock.now
    assert clocks["first_response"].stopped_at is not None  # keeps its outcome


def test_a_priority_change_retargets_keeping_the_elapsed_time(
    world: World, clock: FrozenClock, shanghai: Shanghai
) -> None:
    ticket = world.repair("acme")
    clock.now = shanghai(2026, 11, 24, 14, 0)  # 3 business hours used
    ticket = world.ticket(ticket.id)
    ticket.priority = "urgent"
    changes = sync_clocks(world.session, ticket, clock.now)
    world.session.commit()

    assert "resolution:retargeted" in changes
    resolution = world.clocks(ticket.id)["resolution"]
    assert resolution.target_seconds == 8 * 3600  # urgent: P1D
    assert resolution.priority == "urgent"
    # 3 hours used at 14:00, 5 left: 14:00-18:00 and 09:00-10:00 the next day.
    assert resolution.due_at == shanghai(2026, 11, 25, 10, 0)
    [event] = world.events(ticket.id, "sla_retargeted")
    first = next(c for c in event.data["clocks"] if c["metric"] == "resolution")
    assert (first["from"], first["to"], first["target_to"]) == ("normal", "urgent", 28800)
    assert sync_clocks(world.session, ticket, clock.now) == []  # idempotent


def test_status_colours(world: World, clock: FrozenClock, shanghai: Shanghai) -> None:
    ticket = world.repair("vip")  # 24x7: first response PT1H, resolution P2D (60% rung)
    views = {v.metric: v for v in sla_status(world.session, ticket, T0 + timedelta(minutes=30))}
    assert views["first_response"].state == "ok"
    assert views["first_response"].percent == 50.0
    views = {v.metric: v for v in sla_status(world.session, ticket, T0 + timedelta(minutes=50))}
    assert views["first_response"].state == "at_risk"
    assert views["first_response"].remaining == timedelta(minutes=10)
    later = T0 + timedelta(hours=30)  # 62.5% of resolution: past its first rung (60%)
    views = {v.metric: v for v in sla_status(world.session, ticket, later)}
    assert views["first_response"].state == "breached"
    assert views["resolution"].state == "at_risk"
    assert views["first_response"].remaining == -timedelta(hours=29)


def test_on_site_stops_at_the_check_in(world: World, clock: FrozenClock) -> None:
    ticket = world.repair("acme")
    checked_in = clock.move(timedelta(hours=3))
    ticket = world.ticket(ticket.id)
    ticket.checked_in_at = checked_in
    assert sync_clocks(world.session, ticket, checked_in) == ["on_site:stopped"]
    world.session.commit()
    on_site = world.clocks(ticket.id)["on_site"]
    assert (on_site.stopped_at, on_site.met) == (checked_in, True)
    [stopped] = world.events(ticket.id, "sla_stopped")
    assert stopped.data["why"] == "first response given or engineer checked in"
    assert world.clocks(ticket.id)["resolution"].stopped_at is None
