"""The installed plugins' Chinese catalogues agree with the core's and with each other.

The core's catalogue wins over a plugin's (gongdan.i18n), and between plugins the one merged
last wins: a plugin translating an English text the core (or another plugin) already uses,
differently, would silently show the other wording. A plugin that means something else by the
same English gives it its own msgid ("Stock transfer", not "Transfer").
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
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
