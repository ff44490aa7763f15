"""The spare parts plugin's hook implementations (and nothing else).

Importing this module (the ``gongdan.plugins`` entry point) imports the models, which puts the
plugin's tables on the core metadata.
"""

from __future__ import annotations

from pathlib import Path

from gongdan.hookspecs import hookimpl
from gongdan_spare_parts import PLUGIN_KEY, __version__
from gongdan_spare_parts import models as _models  # noqa: F401  (registers the tables)

_HERE = Path(__file__).resolve().parent


@hookimpl
def gongdan_plugin_info() -> dict[str, str]:
    return {"key": PLUGIN_KEY, "version": __version__, "title": "Spare parts (备件管理)"}


@hookimpl
def gongdan_migrations() -> dict[str, str]:
    return {PLUGIN_KEY: str(_HERE / "migrations" / "versions")}
