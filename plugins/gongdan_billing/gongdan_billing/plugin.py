"""The billing plugin's hook implementations (and nothing else)."""

from __future__ import annotations

from gongdan.hookspecs import hookimpl
from gongdan_billing import PLUGIN_KEY, __version__


@hookimpl
def gongdan_plugin_info() -> dict[str, str]:
    return {"key": PLUGIN_KEY, "version": __version__, "title": "Service billing (服务收费)"}
