"""The pm plugin's hook implementations (and nothing else)."""

from __future__ import annotations

from gongdan.hookspecs import hookimpl
from gongdan_pm import PLUGIN_KEY, __version__


@hookimpl
def gongdan_plugin_info() -> dict[str, str]:
    return {"key": PLUGIN_KEY, "version": __version__, "title": "Preventive maintenance (PM)"}
