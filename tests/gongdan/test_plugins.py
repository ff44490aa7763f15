"""Plugin discovery through the ``gongdan.plugins`` entry-point group and hook validation."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from gongdan.errors import PluginError
from gongdan.hookspecs import hookimpl
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
