"""The calendar, the compliance page, the asset page's PM panel, the CLI and the schedules made
when an asset is saved."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask
from gongdan_pm.generation import generate
from gongdan_pm.models import PmSchedule
from tests.gongdan.fieldwork.factories import build_site
from tests.plugins.pm.factories import PmSite

from gongdan.customers import services as customers
from gongdan.customers.models import Customer, service_today
from gongdan.db import db


def test_calendar_shows_generated_and_planned_visits_filtered(pm_site: PmSite) -> None:
    with pm_site.site.app.app_context():
        generate(db.session, date(2026, 6, 27))
        number = pm_site.ticket_of("ES-A2", "2026-06-30").number
    dispatcher = pm_site.site.client("dispatcher")

    june = dispatcher.get("/pm/calendar?month=2026-06-01").get_data(as_text=True)
    assert f'data-ticket="{number}"' in june
    assert 'data-day="2026-06-30"' in june
    assert 'href="/pm/calendar"' in june  # in the navigation bar, for staff
    # September: ES-A2's next quarterly visit is only planned yet (no ticket).
    september = dispatcher.get("/pm/calendar?month=2026-09-01").get_data(as_text=True)
    assert 'data-kind="planned"' in september and "ES-A2" in september

    engineer2 = pm_site.site.users["engineer2"]
    other = dispatcher.get(f"/pm/calendar?month=2026-06-01&engineer={engineer2}")
    assert number not in other.get_data(as_text=True)
    beta = pm_site.site.customers["beta"]
    assert number not in dispatcher.get(f"/pm/calendar?month=2026-06-01&customer={beta}").get_data(
        as_text=True
    )
    assert dispatcher.get("/pm/calendar?month=June").status_code == 400


def test_compliance_page_and_asset_panel(pm_site: PmSite) -> None:
    with pm_site.site.app.app_context():
        generate(db.session, date(2026, 6, 27))
    dispatcher = pm_site.site.client("dispatcher")
    page = dispatcher.get("/pm/compliance?start=2026-06-01&end=2026-07-31")
    assert page.status_code == 200
    assert 'data-plan="premium_quarterly"' in page.get_data(as_text=True)
    assert dispatcher.get("/pm/compliance?start=2026-07-31&end=2026-06-01").status_code == 400

    asset = dispatcher.get(f"/assets/{pm_site.assets['ES-A2']}").get_data(as_text=True)
    assert 'id="pm-panel"' in asset
    assert 'data-due="2026-06-30" data-status="open"' in asset
    assert 'data-plan="premium_quarterly" data-next="2026-09-30"' in asset
    # A machine no plan covers has no panel.
    assert 'id="pm-panel"' not in dispatcher.get(f"/assets/{pm_site.assets['GR-B2']}").get_data(
        as_text=True
    )
    assert pm_site.site.client("acme_user").get("/pm/calendar").status_code == 403


def test_cli_generates_until_a_date_and_says_what_it_did(pm_site: PmSite) -> None:
    runner = pm_site.site.app.test_cli_runner()
    result = runner.invoke(args=["pm", "generate", "--until", "2026-06-27"])
    assert result.exit_code == 0, result.output
    assert "2 visit tickets" in result.output
    again = runner.invoke(args=["pm", "generate", "--until", "2026-06-27"])
    assert "0 visit tickets" in again.output
    bad = runner.invoke(args=["pm", "generate", "--until", "27.06.2026"])
    assert bad.exit_code == 2 and "27.06.2026" in bad.output


def test_an_asset_saved_on_a_premium_contract_is_scheduled_at_once(pm_site: PmSite) -> None:
    today = service_today()
    with pm_site.site.app.app_context():
        acme = db.session.get(Customer, pm_site.site.customers["acme"])
        assert acme is not None
        contract = customers.add_contract(
            db.session, acme,
            {"number": "SC-ACME-NOW", "level": "premium", "starts_on": today - timedelta(days=1),
             "ends_on": today + timedelta(days=365)},
        )  # fmt: skip
        asset = customers.add_asset(
            db.session, acme,
            {"serial_number": "ES-NEW-1", "product_model": "es_pro_2", "contract_id": contract.id,
             "install_date": today},
        )  # fmt: skip
        schedule = db.session.scalar(sa.select(PmSchedule).where(PmSchedule.asset_id == asset.id))
        assert schedule is not None
        assert (schedule.plan_key, schedule.anchor_date, schedule.sequence) == (
            "premium_quarterly", today, 1,
        )  # fmt: skip


def test_without_the_plugin_the_asset_page_has_no_pm_panel(app: Flask) -> None:
    site = build_site(app)
    with app.app_context():
        acme = db.session.get(Customer, site.customers["acme"])
        assert acme is not None
        asset = customers.add_asset(
            db.session, acme, {"serial_number": "ES-X", "product_model": "es_pro_2"}
        )
        asset_id = asset.id
    page = site.client("agent").get(f"/assets/{asset_id}")
    assert page.status_code == 200
    assert "pm-panel" not in page.get_data(as_text=True)
    assert site.client("agent").get("/pm/calendar").status_code == 404
