"""The field-type registry the checks use, and value checks against a field's declaration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gongdan.definitions.documents import Definition
from gongdan.definitions.extensions import Extensions
from gongdan.definitions.problems import JsonPath, Problem
from gongdan.definitions.semantic.context import SemanticContext, items
from gongdan.workflow.fields import FieldTypeRegistry, core_field_types


def registry_for(extensions: Extensions) -> FieldTypeRegistry:
    """The core field types plus the ones plugins add."""
    registry = core_field_types()
    for field_type in extensions.field_types.values():
        registry.register(field_type)
    return registry


def field_type_registry(ctx: SemanticContext) -> FieldTypeRegistry:
    """The registry of the context's extensions, built once per validation."""
    registry = ctx._cache.get("field_types")
    if registry is None:
        registry = ctx._cache["field_types"] = registry_for(ctx.extensions)
    return registry


def resolved_field_spec(ctx: SemanticContext, field: Mapping[str, Any]) -> dict[str, Any]:
    """The field's declaration with ``options`` replaced by the values of its OptionList.

    An unknown OptionList stays a key, which makes the type skip the option check (the unknown
    list is reported on its own).
    """
    spec = dict(field)
    option_list = ctx.get("OptionList", field.get("options"))
    if option_list is not None:
        spec["options"] = [
            option.get("value") for _, option in items(option_list.spec.get("options"))
        ]
    return spec


def value_problem(
    definition: Definition,
    ctx: SemanticContext,
    field: Mapping[str, Any],
    value: Any,
    path: JsonPath,
) -> Problem | None:
    """A ``field.invalid_value`` problem when ``value`` does not fit ``field``, else ``None``."""
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        return None  # a reference, resolved at runtime
    field_type = field_type_registry(ctx).get(field.get("type"))
    if field_type is None:
        return None
    error = field_type.check_value(value, resolved_field_spec(ctx, field))
    if error is None:
        return None
    return definition.problem(
        "field.invalid_value",
        f"invalid value for field {field.get('key')!r}: {error}",
        path,
    )
