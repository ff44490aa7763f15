"""SLA in the agent workspace: the ticket page's panel, the list column, the overdue queue and
the timeline's escalations and automatic assignments (with their why)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from tests.conftest import TEST_PASSWORD
from tests.gongdan.sla import conftest as sla_fixtures
from tests.gongdan.sla.conftest import FrozenClock, World

from gongdan.sla.ladder import run_escalation_sweep
from gongdan.sla.services import advance_clocks
from gongdan.tickets.models import Ticket

# The SLA tests' fixtures (the default pack, people, a clock the tests move), by name.
clock = sla_fixtures.clock
routing_on = sla_fixtures.routing_on
sla_app = sla_fixtures.sla_app
world = sla_fixtures.world


def _client(app: Flask, world: World, name: str = "lead", language: str = "zh_CN") -> FlaskClient:
    user = world.user(name)
    user.set_password(TEST_PASSWORD)
    user.locale = language
    world.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"username": name, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def _clock_html(page: str, metric: str) -> str:
    found = re.search(rf'<li[^>]*data-testid="sla-clock-{metric}".*?</li>', page, re.S)
    assert found, f"no {metric} clock on the page"
    return found.group(0)


def _advance(world: World, ticket: Ticket, by: timedelta, clock: FrozenClock) -> None:
    advance_clocks(world.session, ticket.id, by, now=clock.now)
    world.session.commit()


def test_panel_goes_from_green_to_amber_to_red(
    sla_app: Flask, world: World, clock: FrozenClock
) -> None:
    ticket = world.repair(priority="normal")  # standard policy: first response in 4 h
    world.session.commit()
    client = _client(sla_app, world)

    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    first = _clock_html(page, "first_response")
    assert 'data-state="ok"' in first
    assert "首次响应" in first and "text-bg-success" in first
    assert "4 小时 0 分" in first
    # T0 is 10:00 in Shanghai; 4 working hours with the lunch break: 15:00 local time.
    assert "2026-11-24 15:00" in first
    assert 'data-testid="sla-policy"' in page

    _advance(world, ticket, timedelta(hours=3, minutes=30), clock)
    first = _clock_html(
        client.get(f"/tickets/{ticket.number}").get_data(as_text=True), "first_response"
    )
    assert 'data-state="at_risk"' in first and "text-bg-warning" in first
    assert "30 分" in first

    _advance(world, ticket, timedelta(hours=1), clock)
    first = _clock_html(
        client.get(f"/tickets/{ticket.number}").get_data(as_text=True), "first_response"
    )
    assert 'data-state="breached"' in first and "text-bg-danger" in first
    assert "超时 30 分" in first


def test_panel_in_english_and_met_clock_is_blue(
    sla_app: Flask, world: World, clock: FrozenClock
) -> None:
    ticket = world.repair(priority="normal")
    world.session.commit()
    client = _client(sla_app, world, language="en")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    first = _clock_html(page, "first_response")
    assert "First response" in first and "4 h 0 min" in first

    _advance(world, ticket, timedelta(hours=5), clock)
    first = _clock_html(
        client.get(f"/tickets/{ticket.number}").get_data(as_text=True), "first_response"
    )
    assert "1 h 0 min late" in first

    # A comment visible to the customer is the first response: the clock stops, late.
    client.post(
        f"/tickets/{ticket.number}/comments", data={"body": "我们马上安排工程师。", "internal": ""}
    )
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    first = _clock_html(page, "first_response")
    assert 'data-state="breached"' in first
    resolution = _clock_html(page, "resolution")
    assert 'data-state="ok"' in resolution and "Resolution" in resolution


def test_overdue_queue_lists_exactly_the_breached_tickets(
    sla_app: Flask, world: World, clock: FrozenClock
) -> None:
    late = world.repair(priority="normal")
    fine = world.repair(priority="normal")
    world.session.commit()
    _advance(world, late, timedelta(hours=5), clock)
    clock.move(timedelta(minutes=1))
    client = _client(sla_app, world)

    page = client.get("/tickets?queue=overdue").get_data(as_text=True)
    assert f'data-ticket="{late.number}"' in page
    assert f'data-ticket="{fine.number}"' not in page
    assert re.search(r'data-testid="queue-count-overdue">1<', page)

    listing = client.get("/tickets?queue=all").get_data(as_text=True)
    late_cell = re.search(rf'data-testid="sla-{late.number}" data-state="(\w+)"', listing)
    fine_cell = re.search(rf'data-testid="sla-{fine.number}" data-state="(\w+)"', listing)
    assert late_cell and late_cell.group(1) == "breached"
    assert fine_cell and fine_cell.group(1) == "ok"
    assert "超时 1 小时 1 分" in listing


def test_timeline_shows_escalations_with_level_threshold_and_actions(
    sla_app: Flask, world: World, clock: FrozenClock
) -> None:
    ticket = world.repair(priority="normal")
    world.session.commit()
    _advance(world, ticket, timedelta(hours=4, minutes=10), clock)
    run_escalation_sweep(world.session, clock.now)
    client = _client(sla_app, world)

    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    entry = re.search(r'<li[^>]*data-event-kind="escalated".*?</li>', page, re.S)
    assert entry, "no escalation on the timeline"
    text = entry.group(0)
    assert "已升级" in text
    assert "首次响应" in text and "阈值 100%" in text
    assert "已通知" in text
    assert "首次响应 已达到时限的 100%" in text
    attached = re.search(r'<li[^>]*data-event-kind="sla_attached".*?</li>', page, re.S)
    assert attached is not None
    assert "工单满足该策略的条件" in attached.group(0) or "默认策略" in attached.group(0)


@pytest.mark.usefixtures("routing_on")
def test_timeline_explains_automatic_assignment(
    sla_app: Flask, world: World, clock: FrozenClock
) -> None:
    ticket = world.repair(priority="normal")
    world.session.commit()
    events = world.events(ticket.id, "assigned")
    assert events, "routing did not assign"
    data = events[0].data
    client = _client(sla_app, world, language="en")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    entry = re.search(r'<li[^>]*data-event-kind="assigned".*?</li>', page, re.S)
    assert entry
    text = entry.group(0)
    assert f"Rule: {data['rule']}" in text
    assert "Strategy:" in text
    assert f"Why: {data['why']}" in text
    assert text.count(str(data["why"])) == 1  # the reason is the why: said once
    assert "System" in text
