"""Without the plugin: the core starts, its pages work, and the plugin's pack is refused with a
clear reason. The core never imports the plugin."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from tests.gongdan.fieldwork.factories import build_site, create_repair

from gongdan.db import db
from gongdan.definitions.models import DefinitionRevision
from gongdan.plugins import plugin_keys
from gongdan_spare_parts import plugin

REPOSITORY = Path(__file__).resolve().parents[3]
PLUGIN_PACK = plugin.gongdan_definition_packs()[0]


def test_the_core_never_imports_the_plugin() -> None:
    sources = [*REPOSITORY.joinpath("platform").rglob("*.py")]
    sources += REPOSITORY.joinpath("admin").rglob("*.py")
    assert len(sources) > 100
    importing = [str(p) for p in sources if "gongdan_spare_parts" in p.read_text("utf-8")]
    assert importing == []


def test_without_the_plugin_the_core_starts_and_serves_its_pages(app: Flask) -> None:
    assert plugin_keys(app.extensions["gongdan.plugins"]) == set()
    site = build_site(app)
    number = create_repair(site)
    agent = site.client("agent")

    assert agent.get("/").status_code == 200
    page = agent.get(f"/tickets/{number}")
    assert page.status_code == 200
    assert number in page.get_data(as_text=True)
    assert "spare_parts" not in page.get_data(as_text=True)


def test_the_plugins_pack_is_refused_clearly_without_the_plugin(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["pack", "install", PLUGIN_PACK])

    assert result.exit_code == 1
    assert "the pack needs the plugin 'spare_parts', which is not installed" in result.stdout
    assert "kind 'spare_parts.StockPolicy' needs the plugin 'spare_parts'" in result.stdout
    assert "nothing was installed" in result.stderr
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DefinitionRevision)) == 0


def test_with_the_plugin_the_same_pack_installs(sp_app: Flask) -> None:
    runner = sp_app.test_cli_runner()
    assert runner.invoke(args=["pack", "install", "definitions/after_sales"]).exit_code == 0

    result = runner.invoke(args=["pack", "install", PLUGIN_PACK])

    assert result.exit_code == 0, result.output
    assert "created spare_parts.StockPolicy/consumables@1" in result.stdout
