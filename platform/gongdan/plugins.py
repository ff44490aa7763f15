"""Plugin discovery and the plugin manager.

Plugins register through the ``gongdan.plugins`` entry-point group; each entry point names a
module (or object) that implements hooks from :mod:`gongdan.hookspecs`.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

import pluggy

from gongdan import hookspecs
from gongdan.errors import PluginError

ENTRY_POINT_GROUP = "gongdan.plugins"


def build_plugin_manager(
    *, discover: bool = True, extra: Iterable[Any] = ()
) -> pluggy.PluginManager:
    """Create a plugin manager with the hook specs, entry-point plugins and ``extra`` objects.

    :raises PluginError: a plugin fails to import or implements a hook that does not exist.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    if discover:
        for entry_point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            try:
                plugin = entry_point.load()
            except Exception as exc:  # an outside plugin can fail in any way; say which one
                raise PluginError(
                    f"plugin {entry_point.name!r} ({entry_point.value}) failed to load: {exc}"
                ) from exc
            manager.register(plugin, name=entry_point.name)
    for plugin in extra:
        manager.register(plugin)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin implements an unknown hook: {exc}") from exc
    return manager


def plugin_keys(manager: pluggy.PluginManager) -> set[str]:
    """Keys of the loaded plugins, as named by their ``gongdan_plugin_info`` hook."""
    return {info["key"] for info in manager.hook.gongdan_plugin_info() if info and "key" in info}
