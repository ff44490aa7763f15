"""The installed plugins' Chinese catalogues: complete, compiled, and in agreement with the
core's and with each other.

The core's catalogue wins over a plugin's (gongdan.i18n), and between plugins the one merged
last wins: a plugin translating an English text the core (or another plugin) already uses,
differently, would silently show the other wording. A plugin that means something else by the
same English gives it its own msgid ("Stock transfer", not "Transfer").
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import gongdan

CORE = Path(gongdan.__file__).parent / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def _translations(po_path: Path) -> dict[str, str]:
    with open(po_path, "rb") as po_file:
        return {m.id: m.string for m in read_po(po_file) if m.id and isinstance(m.id, str)}


def _plugin_catalogues() -> dict[str, Path]:
    found = {}
    for entry in entry_points(group="gongdan.plugins"):
        module = entry.load()
        hook = getattr(module, "gongdan_translation_directories", None)
        for folder in hook() if hook else ():
            po_path = Path(folder) / "zh" / "LC_MESSAGES" / "messages.po"
            if po_path.exists():
                found[entry.name] = po_path
    return found


CATALOGUES = _plugin_catalogues()


@pytest.mark.skipif(not CATALOGUES, reason="no plugin with a catalogue is installed")
def test_no_plugin_translates_a_core_or_another_plugins_text_differently() -> None:
    seen = {msgid: ("core", text) for msgid, text in _translations(CORE).items()}
    clashes = []
    for plugin, po_path in sorted(CATALOGUES.items()):
        for msgid, text in _translations(po_path).items():
            owner, theirs = seen.setdefault(msgid, (plugin, text))
            if text != theirs:
                clashes.append(f"{plugin}: {msgid!r} = {text!r}, but {owner} has {theirs!r}")
    assert clashes == []


@pytest.mark.parametrize("plugin", sorted(CATALOGUES))
def test_every_message_of_the_plugin_is_translated_and_compiled(plugin: str) -> None:
    po_path = CATALOGUES[plugin]
    package = po_path.parents[3]  # <package>/translations/zh/LC_MESSAGES/messages.po
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "N_": None}
    method_map = [("**.py", "python"), ("**.html", "jinja2")]
    extracted = {
        message if isinstance(message, str) else message[0]
        for _n, _l, message, _c, _x in extract_from_dir(package, method_map, keywords=keywords)
    }
    with open(po_path, "rb") as po_file:
        translated = {m.id for m in read_po(po_file) if m.id and m.string and not m.fuzzy}
    with open(po_path.with_suffix(".mo"), "rb") as mo_file:
        compiled = {m.id for m in read_mo(mo_file) if m.id}

    assert sorted(extracted - translated) == []
    assert translated == compiled  # run: pybabel compile -d <plugin>/translations
