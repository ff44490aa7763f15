"""The plugin's own catalogue is loaded (its completeness: tests/plugins/test_catalogues.py)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_babel import gettext


def test_an_app_with_the_plugin_speaks_its_chinese(make_app: Callable[..., Flask]) -> None:
    with_plugin = make_app(GONGDAN_LOAD_PLUGINS=True)
    with with_plugin.test_request_context("/"):
        assert gettext("Statement of account") == "对账单"
