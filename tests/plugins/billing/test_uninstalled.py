"""Without the plugin: the core never imports it, its pages work, and its pack is refused
with a clear reason."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from tests.gongdan.fieldwork.factories import build_site, create_repair

from gongdan.plugins import plugin_keys
from gongdan_billing import plugin

REPOSITORY = Path(__file__).resolve().parents[3]


def test_the_core_never_imports_the_plugin() -> None:
    sources = [*REPOSITORY.joinpath("platform").rglob("*.py")]
    sources += REPOSITORY.joinpath("admin").rglob("*.py")
    assert len(sources) > 100
    assert [str(p) for p in sources if "gongdan_billing" in p.read_text("utf-8")] == []


def test_without_the_plugin_the_portal_and_work_pages_render(app: Flask) -> None:
    assert plugin_keys(app.extensions["gongdan.plugins"]) == set()
    site = build_site(app)
    number = create_repair(site)
    assert site.client("acme_user").get(f"/portal/tickets/{number}").status_code == 200
    assert site.client("agent").get(f"/tickets/{number}").status_code == 200


def test_the_plugins_pack_is_refused_clearly_without_the_plugin(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["pack", "install", plugin.gongdan_definition_packs()[0]]
    )
    assert result.exit_code == 1
    assert "the pack needs the plugin 'billing', which is not installed" in result.stdout
