"""The plugin's own catalogue is loaded (its completeness: tests/plugins/test_catalogues.py)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_babel import gettext


def test_the_plugin_speaks_chinese(make_app: Callable[..., Flask]) -> None:
    app = make_app(GONGDAN_LOAD_PLUGINS=True)
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        from flask_babel import force_locale

        with force_locale("zh_CN"):
            assert gettext("PM calendar") == "保养日历"
