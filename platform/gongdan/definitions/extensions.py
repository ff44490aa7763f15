"""What plugins add to the definition language: kinds, field types, functions, variables, actions.

The validator and the compiler take an :class:`Extensions` instead of a plugin manager, so the
core stays free of plugin discovery: :func:`core_extensions` is the empty set the core alone
knows, :func:`extensions_from_plugins` collects what the loaded plugins contribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from gongdan.errors import PluginError
from gongdan.plugins import build_plugin_manager, plugin_keys

if TYPE_CHECKING:
    import pluggy

    from gongdan.workflow.fields import FieldTypeRegistry

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Extensions:
    """The additions of the loaded plugins (all empty for the core alone).

    :param kinds: plugin definition kind → JSON Schema of its spec.
    :param field_types: field type name → :class:`gongdan.workflow.fields.FieldType`.
    :param condition_functions: function name → ``ConditionFunction``.
    :param context_variables: condition variable (``contract.level``) → field type name.
    :param actions: namespaced action names plugins execute (``spare_parts.reserve``).
    :param plugin_keys: keys of the loaded plugins (what packs list in ``requires.plugins``).
    :param kind_checks: plugin kind → its semantic check (``gongdan_definition_checks``).
    """

    kinds: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: _EMPTY)
    field_types: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    condition_functions: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    context_variables: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    actions: frozenset[str] = frozenset()
    plugin_keys: frozenset[str] = frozenset()
    kind_checks: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    def plugin_for_kind(self, kind: str) -> str:
        """The plugin namespace of a namespaced kind (``pm.MaintenancePlan`` → ``pm``)."""
        return kind.split(".", 1)[0]


def core_extensions() -> Extensions:
    """The empty extension set: only what the core defines."""
    return Extensions()


def _merge(results: list[Any], hook: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for result in results:
        if not result:
            continue
        for name, value in dict(result).items():
            if name in merged:
                raise PluginError(f"two plugins register {name!r} through {hook}")
            merged[name] = value
    return merged


def extensions_from_plugins(manager: pluggy.PluginManager) -> Extensions:
    """Collect what the plugins registered in ``manager`` add.

    :raises PluginError: two plugins register the same kind, field type, function or variable,
        or a name is not namespaced.
    """
    hook = manager.hook
    actions: set[str] = set()
    # Action hooks are optional in the spec list: older hook specs have none.
    action_hook = getattr(hook, "gongdan_actions", None)
    if action_hook is not None:
        for result in action_hook():
            actions.update(result or ())
    extensions = Extensions(
        kinds=MappingProxyType(_merge(hook.gongdan_definition_kinds(), "gongdan_definition_kinds")),
        field_types=MappingProxyType(_merge(hook.gongdan_field_types(), "gongdan_field_types")),
        condition_functions=MappingProxyType(
            _merge(hook.gongdan_condition_functions(), "gongdan_condition_functions")
        ),
        context_variables=MappingProxyType(
            _merge(hook.gongdan_context_variables(), "gongdan_context_variables")
        ),
        actions=frozenset(actions),
        plugin_keys=frozenset(plugin_keys(manager)),
        kind_checks=MappingProxyType(
            _merge(hook.gongdan_definition_checks(), "gongdan_definition_checks")
        ),
    )
    _check(extensions)
    return extensions


def _check(extensions: Extensions) -> None:
    """Fail at start-up, not at the first validation, when a plugin's addition is malformed."""
    # Imported here: the semantic modules import this one for the Extensions type.
    from gongdan.definitions.semantic.conditions import functions_for
    from gongdan.definitions.semantic.fieldtypes import registry_for

    field_types = registry_for(extensions)
    functions_for(extensions)
    for name, type_name in extensions.context_variables.items():
        if type_name not in field_types:
            raise PluginError(f"context variable {name!r} has unknown field type {type_name!r}")
    for kind in extensions.kinds:
        if "." not in kind:
            raise PluginError(f"plugin kind {kind!r} must be namespaced like 'pm.MaintenancePlan'")
    for kind in extensions.kind_checks:
        if kind not in extensions.kinds:
            raise PluginError(f"a semantic check is registered for {kind!r}, which no plugin adds")


#: Where :func:`current_extensions` keeps an application's extensions.
APP_EXTENSIONS_KEY = "gongdan.definition_extensions"


def current_extensions() -> Extensions:
    """The running application's extensions, collected once per application; the core's
    outside an application.

    What the runtime compiles the active and pinned definitions with: a set that uses a
    plugin's kind, field type or condition function was validated with the plugin, and must
    compile with it too.
    """
    from flask import current_app, has_app_context

    if not has_app_context():
        return core_extensions()
    extensions = current_app.extensions.get(APP_EXTENSIONS_KEY)
    if extensions is None:
        manager = current_app.extensions.get("gongdan.plugins")
        extensions = extensions_from_plugins(manager) if manager is not None else core_extensions()
        current_app.extensions[APP_EXTENSIONS_KEY] = extensions
    return extensions


def current_field_types() -> FieldTypeRegistry:
    """The core field types plus the running app's plugins' (what ticket services check
    submitted values with)."""
    from gongdan.definitions.semantic.fieldtypes import registry_for

    return registry_for(current_extensions())


def load_extensions(*, discover: bool = True, extra: tuple[Any, ...] = ()) -> Extensions:
    """Build a plugin manager (entry points + ``extra``) and collect its extensions."""
    return extensions_from_plugins(build_plugin_manager(discover=discover, extra=extra))
