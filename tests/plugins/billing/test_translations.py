"""Every message of the plugin has a Chinese translation in the plugin's own catalogue."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import gettext

import gongdan_billing

PACKAGE = Path(gongdan_billing.__file__).parent
CATALOGUE = PACKAGE / "translations" / "zh" / "LC_MESSAGES"


def test_every_message_of_the_plugin_is_translated_and_compiled() -> None:
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "N_": None}
    method_map = [("**.py", "python"), ("**.html", "jinja2")]
    extracted = {
        message if isinstance(message, str) else message[0]
        for _n, _l, message, _c, _x in extract_from_dir(PACKAGE, method_map, keywords=keywords)
    }
    with open(CATALOGUE / "messages.po", "rb") as po_file:
        translated = {m.id for m in read_po(po_file) if m.id and m.string and not m.fuzzy}
    with open(CATALOGUE / "messages.mo", "rb") as mo_file:
        compiled = {m.id for m in read_mo(mo_file) if m.id}

    assert sorted(extracted - translated) == []
    assert translated == compiled  # run: pybabel compile -d <plugin>/translations


def test_an_app_with_the_plugin_speaks_its_chinese(make_app: Callable[..., Flask]) -> None:
    with_plugin = make_app(GONGDAN_LOAD_PLUGINS=True)
    with with_plugin.test_request_context("/"):
        assert gettext("Statement of account") == "对账单"
