"""Without the plugin: the core never imports it and its pack is refused by name; with it, the
admin lists schedules and visits read-only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from gongdan_pm.generation import generate
from tests.conftest import TEST_PASSWORD
from tests.plugins.pm.factories import PmSite

from gongdan.accounts.models import User
from gongdan.db import db
from gongdan.definitions.models import DefinitionRevision
from gongdan_pm import plugin

REPOSITORY = Path(__file__).resolve().parents[3]
PLUGIN_PACK = plugin.gongdan_definition_packs()[0]


def test_the_core_never_imports_the_plugin() -> None:
    sources = [*REPOSITORY.joinpath("platform").rglob("*.py")]
    sources += REPOSITORY.joinpath("admin").rglob("*.py")
    assert len(sources) > 100
    assert [str(p) for p in sources if "gongdan_pm" in p.read_text("utf-8")] == []


def test_the_plugins_pack_is_refused_clearly_without_the_plugin(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["pack", "install", PLUGIN_PACK])

    assert result.exit_code == 1
    assert "the pack needs the plugin 'pm', which is not installed" in result.stdout
    assert "kind 'pm.MaintenancePlan' needs the plugin 'pm'" in result.stdout
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DefinitionRevision)) == 0


def test_admin_lists_schedules_and_visits_read_only(pm_site: PmSite) -> None:
    with pm_site.site.app.app_context():
        generate(db.session, date(2026, 6, 27))
        boss = User(username="root", display_name="root", role="admin")
        boss.set_password(TEST_PASSWORD)
        db.session.add(boss)
        db.session.commit()
    admin = pm_site.site.client("root")

    schedules = admin.get("/admin/pm_schedules/")
    assert schedules.status_code == 200
    assert "premium_quarterly" in schedules.get_data(as_text=True)
    visits = admin.get("/admin/pm_visits/").get_data(as_text=True)
    assert "2026-06-30" in visits
    assert admin.get("/admin/pm_visits/new/").status_code in (302, 403, 404)
    assert pm_site.site.client("engineer").get("/admin/pm_visits/").status_code in (302, 403)
