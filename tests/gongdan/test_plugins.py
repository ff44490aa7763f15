"""Plugin discovery through the ``gongdan.plugins`` entry-point group and hook validation."""

from __future__ import annotations

import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from gongdan.definitions.extensions import extensions_from_plugins
from gongdan.definitions.loader import load_text
from gongdan.definitions.validate import validate_definitions
from gongdan.errors import PluginError
from gongdan.hookspecs import hookimpl
from gongdan.jobs.scheduler import run_sweeps, sweeps_of
from gongdan.migrations import (
    alembic_config,
    current_revision,
    downgrade_database,
    plugin_migrations,
    plugin_revision,
    upgrade_database,
)
from gongdan.plugins import build_plugin_manager, plugin_keys


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plugin 'installed' the way pip would: a module plus a dist-info with entry points."""
    (tmp_path / "gongdan_test_plugin.py").write_text(
        textwrap.dedent(
            """
            from gongdan.hookspecs import hookimpl

            @hookimpl
            def gongdan_plugin_info():
                return {"key": "test_plugin", "version": "1.0.0"}

            @hookimpl
            def gongdan_definition_kinds():
                return {"test_plugin.Widget": {"type": "object"}}
            """
        )
    )
    dist_info = tmp_path / "gongdan_test_plugin-1.0.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: gongdan-test-plugin\nVersion: 1.0.0\n"
    )
    (dist_info / "entry_points.txt").write_text(
        "[gongdan.plugins]\ntest_plugin = gongdan_test_plugin\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("gongdan_test_plugin", None)


def test_entry_point_plugin_is_discovered_and_its_hooks_answer(installed_plugin: Path) -> None:
    manager = build_plugin_manager()

    assert "test_plugin" in plugin_keys(manager)
    kinds = manager.hook.gongdan_definition_kinds()
    assert {"test_plugin.Widget": {"type": "object"}} in kinds


def test_discovery_can_be_turned_off(installed_plugin: Path) -> None:
    manager = build_plugin_manager(discover=False)

    assert plugin_keys(manager) == set()


def test_misspelled_hook_fails_at_start_up_not_when_fired() -> None:
    class Misspelled:
        @hookimpl
        def gongdan_definiton_kinds(self) -> dict[str, object]:
            return {}

    with pytest.raises(PluginError, match="gongdan_definiton_kinds"):
        build_plugin_manager(discover=False, extra=[Misspelled()])


def test_plugin_that_fails_to_import_is_named(tmp_path: Path, monkeypatch) -> None:
    dist_info = tmp_path / "broken_plugin-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n"
    )
    (dist_info / "entry_points.txt").write_text(
        "[gongdan.plugins]\nbroken = gongdan_no_such_module\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(PluginError, match="plugin 'broken'.*failed to load"):
        build_plugin_manager()


_WIDGET_MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "w0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tp_widgets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id")),
    )


def downgrade():
    op.drop_table("tp_widgets")
"""


@pytest.fixture
def plugin_with_migrations(tmp_path: Path) -> object:
    """A plugin whose migration chain creates one table that refers to a core table."""
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "w0001_widgets.py").write_text(_WIDGET_MIGRATION)

    class WidgetPlugin:
        @hookimpl
        def gongdan_plugin_info(self) -> dict[str, str]:
            return {"key": "widgets", "version": "1.0.0"}

        @hookimpl
        def gongdan_migrations(self) -> dict[str, str]:
            return {"widgets": str(versions)}

    return WidgetPlugin()


def test_a_plugins_migrations_run_after_the_core_in_their_own_version_table(
    tmp_path: Path, plugin_with_migrations: object
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'plugin.sqlite3'}")
    manager = build_plugin_manager(discover=False, extra=[plugin_with_migrations])
    core_head = ScriptDirectory.from_config(alembic_config()).get_current_head()

    upgrade_database(engine, plugins=manager)
    upgrade_database(engine, plugins=manager)  # again: nothing to do

    tables = set(sa.inspect(engine).get_table_names())
    assert {"tp_widgets", "alembic_version_widgets", "tickets"} <= tables
    assert current_revision(engine) == core_head  # the core's chain is untouched
    assert plugin_revision(engine, "widgets") == "w0001"

    downgrade_database(engine, plugins=manager)
    assert sa.inspect(engine).get_table_names() == ["alembic_version"]
    engine.dispose()


def test_without_the_plugin_its_tables_are_not_created(
    tmp_path: Path, plugin_with_migrations: object
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'core.sqlite3'}")

    upgrade_database(engine, plugins=build_plugin_manager(discover=False))

    tables = set(sa.inspect(engine).get_table_names())
    assert "tickets" in tables
    assert not {"tp_widgets", "alembic_version_widgets"} & tables
    engine.dispose()


def test_a_migration_chain_that_is_not_a_folder_is_named(tmp_path: Path) -> None:
    class Broken:
        @hookimpl
        def gongdan_migrations(self) -> dict[str, str]:
            return {"broken": str(tmp_path / "nowhere")}

    with pytest.raises(PluginError, match="migration chain 'broken'.*not a folder"):
        plugin_migrations(build_plugin_manager(discover=False, extra=[Broken()]))


def test_a_plugin_kinds_semantic_check_reports_at_the_line_it_concerns() -> None:
    class GadgetPlugin:
        @hookimpl
        def gongdan_definition_kinds(self) -> dict[str, object]:
            return {"gadgets.Gadget": {"type": "object", "properties": {"size": {}}}}

        @hookimpl
        def gongdan_definition_checks(self) -> dict[str, object]:
            def check(definition, ctx):  # type: ignore[no-untyped-def]
                if definition.spec.get("size", 0) <= 0:
                    return [
                        definition.problem(
                            "gadgets.size", "size must be positive", ("spec", "size")
                        )
                    ]
                return []

            return {"gadgets.Gadget": check}

    text = "kind: gadgets.Gadget\nkey: small\nspec:\n  size: -1\n"
    definitions, problems = load_text(text, "gadgets.yaml")
    assert problems == []
    extensions = extensions_from_plugins(
        build_plugin_manager(discover=False, extra=[GadgetPlugin()])
    )

    found = validate_definitions(definitions, extensions=extensions)

    assert [(p.code, p.line, p.json_path) for p in found] == [("gadgets.size", 4, "$.spec.size")]
    without_plugin = validate_definitions(definitions)
    assert [p.code for p in without_plugin] == ["definition.plugin_missing"]


def test_a_check_for_a_kind_no_plugin_adds_fails_at_start_up() -> None:
    class Stray:
        @hookimpl
        def gongdan_definition_checks(self) -> dict[str, object]:
            return {"stray.Thing": lambda definition, ctx: []}

    with pytest.raises(PluginError, match="'stray.Thing', which no plugin adds"):
        extensions_from_plugins(build_plugin_manager(discover=False, extra=[Stray()]))


def test_a_plugins_sweep_runs_each_tick_before_the_outbox(make_app) -> None:  # type: ignore[no-untyped-def]
    ticks: list[object] = []

    class Tidy:
        @hookimpl
        def gongdan_sweeps(self) -> dict[str, object]:
            return {"widgets.tidy": lambda now: ticks.append(now) or "tidied"}

    app = make_app(GONGDAN_EXTRA_PLUGINS=[Tidy()])
    moment = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)

    assert [name for name, _ in sweeps_of(app)][-2:] == ["widgets.tidy", "outbox"]
    results = run_sweeps(app, now=moment)

    assert results["widgets.tidy"] == "tidied"
    assert ticks == [moment]


def test_a_plugins_panel_shows_on_the_ticket_pages(make_app) -> None:  # type: ignore[no-untyped-def]
    from tests.gongdan.fieldwork.factories import build_site, dispatched_repair

    class Panel:
        @hookimpl
        def gongdan_ticket_panels(self, place: str, ticket: object, user: object) -> str:
            return f'<div id="widget-panel" data-place="{place}">{ticket.number}</div>'  # type: ignore[attr-defined]

    app = make_app(GONGDAN_EXTRA_PLUGINS=[Panel()])
    site = build_site(app)
    number = dispatched_repair(site)

    agent_page = site.client("agent").get(f"/tickets/{number}").get_data(as_text=True)
    phone_page = site.client("engineer").get(f"/work/{number}").get_data(as_text=True)

    assert f'<div id="widget-panel" data-place="agent">{number}</div>' in agent_page
    assert f'<div id="widget-panel" data-place="engineer">{number}</div>' in phone_page


def test_a_plugins_panel_shows_on_the_portal_and_its_section_on_the_service_report(
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    from tests.gongdan.fieldwork.factories import build_site, dispatched_repair

    class Billing:
        @hookimpl
        def gongdan_ticket_panels(self, place: str, ticket: object, user: object) -> str:
            return f'<div id="widget-panel" data-place="{place}"></div>'

        @hookimpl
        def gongdan_report_sections(self, ticket: object, user: object) -> str:
            return f'<section id="widget-report">{ticket.number}</section>'  # type: ignore[attr-defined]

    app = make_app(GONGDAN_EXTRA_PLUGINS=[Billing()])
    site = build_site(app)
    number = dispatched_repair(site)

    portal = site.client("acme_user").get(f"/portal/tickets/{number}").get_data(as_text=True)
    phone_page = site.client("engineer").get(f"/work/{number}").get_data(as_text=True)

    assert '<div id="widget-panel" data-place="portal"></div>' in portal
    assert f'<section id="widget-report">{number}</section>' in phone_page


def test_a_plugins_panel_shows_on_the_asset_page_and_saving_an_asset_is_signalled(
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    from tests.gongdan.fieldwork.factories import build_site

    from gongdan.customers import services as customers
    from gongdan.customers.models import Customer
    from gongdan.customers.signals import installed_base_saved
    from gongdan.db import db

    class Maintenance:
        @hookimpl
        def gongdan_asset_panels(self, asset: object, user: object) -> str:
            return f'<div id="widget-asset">{asset.serial_number}</div>'  # type: ignore[attr-defined]

    app = make_app(GONGDAN_EXTRA_PLUGINS=[Maintenance()])
    site = build_site(app)
    saved: list[tuple[str, bool]] = []

    def remember(row: object, *, session: object, created: bool) -> None:
        saved.append((type(row).__name__, created))

    installed_base_saved.connect(remember)
    try:
        with app.app_context():
            acme = db.session.get(Customer, site.customers["acme"])
            assert acme is not None
            contract = customers.add_contract(
                db.session, acme,
                {"number": "SC-W-1", "level": "basic", "starts_on": "2026-01-01",
                 "ends_on": "2026-12-31"},
            )  # fmt: skip
            asset = customers.add_asset(
                db.session, acme, {"serial_number": "W-1", "product_model": "es_pro_2"}
            )
            customers.update_asset(db.session, asset, {"contract_id": contract.id})
            customers.add_contact(db.session, acme, {"name": "王", "mobile": "13800138000"})
            asset_id = asset.id
    finally:
        installed_base_saved.disconnect(remember)

    assert saved == [("ServiceContract", True), ("Asset", True), ("Asset", False)]
    page = site.client("agent").get(f"/assets/{asset_id}").get_data(as_text=True)
    assert '<div id="widget-asset">W-1</div>' in page


def test_a_plugins_nav_links_show_to_the_users_it_offers_them_to(
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    from tests.gongdan.fieldwork.factories import build_site

    class Calendar:
        @hookimpl
        def gongdan_nav_links(self, user: object) -> list[tuple[str, str]]:
            if user.role == "customer":  # type: ignore[attr-defined]
                return []
            return [("Visits <calendar>", "/visits?who=me&x=1")]

    app = make_app(GONGDAN_EXTRA_PLUGINS=[Calendar()])
    site = build_site(app)

    staff_page = site.client("dispatcher").get("/tickets").get_data(as_text=True)
    customer_page = site.client("acme_user").get("/portal").get_data(as_text=True)
    login_page = app.test_client().get("/login").get_data(as_text=True)

    # Escaped like any text: a plugin's label cannot inject markup into every page.
    link = '<a class="nav-link" href="/visits?who=me&amp;x=1">Visits &lt;calendar&gt;</a>'
    assert link in staff_page
    assert 'href="/portal"' in customer_page and "/visits" not in customer_page
    assert "/visits" not in login_page


def test_a_plugins_catalogue_adds_its_words_but_cannot_retranslate_the_cores(
    make_app,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    """The billing plugin's "Tickets" = 工单数 (a report column) once renamed the core's
    "Tickets" navigation link to 工单数 on every page."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from tests.gongdan.fieldwork.factories import build_site

    folder = tmp_path / "translations" / "zh" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="zh")
    catalog.add("Tickets", "工单数")
    catalog.add("Widgets", "小部件")
    with open(folder / "messages.mo", "wb") as mo_file:
        write_mo(mo_file, catalog)

    class Words:
        @hookimpl
        def gongdan_translation_directories(self) -> list[str]:
            return [str(tmp_path / "translations")]

        @hookimpl
        def gongdan_nav_links(self, user: object) -> list[tuple[str, str]]:
            from flask_babel import gettext

            return [(gettext("Widgets"), "/widgets")]

    app = make_app(GONGDAN_EXTRA_PLUGINS=[Words()])
    site = build_site(app)
    dispatcher = site.client("dispatcher")
    dispatcher.get("/language/zh_CN")
    page = dispatcher.get("/tickets").get_data(as_text=True)

    assert ">工单</a>" in page and "工单数" not in page
    assert '<a class="nav-link" href="/widgets">小部件</a>' in page
