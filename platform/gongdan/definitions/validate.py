"""Validate a whole definition set: JSON Schema, duplicates, then the semantic stage.

Everything is collected, never stopped at the first problem, and returned in file, line,
column order — the order an admin fixes them in. No IO: callers load files (or revisions) and
pass :class:`Definition` objects in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from gongdan.definitions.documents import Definition
from gongdan.definitions.extensions import Extensions, core_extensions
from gongdan.definitions.problems import Problem
from gongdan.definitions.schema import validate_schema
from gongdan.definitions.semantic import check_semantics

if TYPE_CHECKING:
    from gongdan.definitions.packs import LoadedPack

__all__ = ["active_set", "has_errors", "sort_problems", "validate_definitions", "validate_pack"]


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file, line, column (then JSON path) order."""
    return sorted(problems, key=lambda p: (p.file, p.line, p.column, p.json_path, p.code))


def has_errors(problems: Iterable[Problem]) -> bool:
    """True when any problem is an error (warnings do not block)."""
    return any(p.severity == "error" for p in problems)


def _is_plugin_kind(kind: str) -> bool:
    return "." in kind


def _schema_problems(definition: Definition, extensions: Extensions) -> list[Problem]:
    problems = validate_schema(definition, extra_kinds=extensions.kinds)
    if not _is_plugin_kind(definition.kind) or definition.kind in extensions.kinds:
        return problems
    plugin = extensions.plugin_for_kind(definition.kind)
    # Say which plugin is missing instead of a bare "unknown kind".
    return [
        definition.problem(
            "definition.plugin_missing",
            f"kind {definition.kind!r} needs the plugin {plugin!r}, which is not installed",
            ("kind",),
            hint=f"install the {plugin!r} plugin or remove this definition",
        )
        if problem.code == "schema.unknown_kind"
        else problem
        for problem in problems
    ]


def _duplicates(definitions: Sequence[Definition]) -> list[Problem]:
    first: dict[tuple[str, str], Definition] = {}
    found: list[Problem] = []
    for definition in definitions:
        identity = (definition.kind, definition.key)
        if identity not in first:
            first[identity] = definition
            continue
        original = first[identity]
        line, _ = original.source.position(("key",)) if original.source else (0, 0)
        where = f"{original.file}:{line}" if line else original.file
        found.append(
            definition.problem(
                "definition.duplicate",
                f"{definition.kind} {definition.key!r} is defined twice (first in {where})",
                ("key",),
            )
        )
    return found


def validate_definitions(
    definitions: Sequence[Definition], *, extensions: Extensions | None = None
) -> list[Problem]:
    """Validate a complete definition set and return every problem, sorted.

    Stages: the JSON Schema of each definition (plugin kinds through ``extensions``), duplicate
    ``(kind, key)``, then the semantic checks over the schema-valid definitions. A reference to
    a definition that exists but failed its schema is not reported again.
    """
    extensions = extensions or core_extensions()
    problems: list[Problem] = []
    valid: list[Definition] = []
    for definition in definitions:
        schema_problems = _schema_problems(definition, extensions)
        problems.extend(schema_problems)
        if not has_errors(schema_problems):
            valid.append(definition)
    problems.extend(_duplicates(definitions))
    seen: set[tuple[str, str]] = set()
    unique_valid = []
    for definition in valid:
        if (definition.kind, definition.key) not in seen:
            seen.add((definition.kind, definition.key))
            unique_valid.append(definition)
    problems.extend(check_semantics(unique_valid, known=definitions, extensions=extensions))
    return sort_problems(problems)


def active_set(
    installed: Iterable[Definition], overrides: Iterable[Definition]
) -> list[Definition]:
    """``installed`` with each ``(kind, key)`` that ``overrides`` defines replaced by it."""
    replaced = {(d.kind, d.key) for d in overrides}
    kept = [d for d in installed if (d.kind, d.key) not in replaced]
    return [*kept, *overrides]


def _required_plugins(pack: LoadedPack, extensions: Extensions) -> list[Problem]:
    meta = pack.meta
    if meta is None:
        return []
    return [
        meta.problem(
            "pack.requires_plugin",
            f"the pack needs the plugin {plugin!r}, which is not installed",
            ("requires", "plugins", index),
            hint="install the plugin or remove it from requires.plugins",
        )
        for index, plugin in enumerate(meta.requires_plugins)
        if plugin not in extensions.plugin_keys
    ]


def validate_pack(
    pack: LoadedPack,
    *,
    installed: Sequence[Definition] = (),
    extensions: Extensions | None = None,
) -> list[Problem]:
    """Validate the active set a pack would produce, plus the pack's own problems.

    The set is ``installed`` with every definition the pack contains replacing the installed
    one of the same ``(kind, key)``. Problems found while loading the pack come first in the
    result's sort order like every other; a plugin listed in ``requires.plugins`` that is not
    loaded is a ``pack.requires_plugin`` error.
    """
    extensions = extensions or core_extensions()
    definitions = active_set(installed, pack.definitions)
    problems = [*pack.problems, *_required_plugins(pack, extensions)]
    problems.extend(validate_definitions(definitions, extensions=extensions))
    return sort_problems(problems)
