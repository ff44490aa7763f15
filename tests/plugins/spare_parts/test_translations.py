"""The plugin's own catalogue is loaded (its completeness: tests/plugins/test_catalogues.py)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_babel import gettext


def test_an_app_with_the_plugin_speaks_its_chinese_after_an_app_without_it(
    make_app: Callable[..., Flask],
) -> None:
    """Flask-Babel caches catalogues per Babel instance: with one shared by every app, the
    first app to translate (here one without plugins) fixed the catalogues of all later ones,
    and the engineer's phone page said 'Consumed' in the Chinese UI."""
    without = make_app()
    with without.test_request_context("/"):
        assert gettext("Consumed") == "Consumed"
        assert gettext("Log out") != "Log out"  # the core's catalogue is loaded (and cached)
    with_plugin = make_app(GONGDAN_LOAD_PLUGINS=True)
    with with_plugin.test_request_context("/"):
        assert gettext("Consumed") == "已消耗"
