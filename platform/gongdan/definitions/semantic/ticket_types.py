"""TicketType checks: its workflow, field types, options, defaults, layout, derive, permissions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gongdan.definitions.documents import Definition
from gongdan.definitions.problems import JsonPath, Problem, did_you_mean
from gongdan.definitions.semantic.conditions import check_in_scope, ticket_type_scope
from gongdan.definitions.semantic.context import (
    CORE_TICKET_ATTRIBUTES,
    SemanticContext,
    as_list,
    check_references,
    items,
    reference_problem,
)
from gongdan.definitions.semantic.fieldtypes import field_type_registry, value_problem

#: Field types that pick from an OptionList.
OPTION_TYPES = ("select", "multiselect")


def check_ticket_type(definition: Definition, ctx: SemanticContext) -> list[Problem]:
    """Every semantic rule of one TicketType."""
    spec = definition.spec
    found: list[Problem] = []
    workflow_ref = reference_problem(
        definition,
        spec.get("workflow"),
        ctx.keys("Workflow"),
        ("spec", "workflow"),
        "ref.unknown_workflow",
        "workflow",
    )
    if workflow_ref is not None:
        found.append(workflow_ref)
    workflow = ctx.workflow_of(definition)
    state_keys = {s.get("key") for _, s in items(workflow.spec.get("states"))} if workflow else None
    sections = {s.get("key") for _, s in items(spec.get("layout"))}
    seen_sections: set[Any] = set()
    for index, section in items(spec.get("layout")):
        if section.get("key") in seen_sections:
            found.append(
                definition.problem(
                    "ticket_type.duplicate_section",
                    f"layout section {section.get('key')!r} is defined twice",
                    ("spec", "layout", index, "key"),
                )
            )
        seen_sections.add(section.get("key"))
    scope = ticket_type_scope(ctx, definition)
    fields = _fields_by_key(definition, spec.get("fields"), ("spec", "fields"), found)
    for index, field in items(spec.get("fields")):
        path = ("spec", "fields", index)
        found.extend(_check_field(definition, ctx, field, path))
        if state_keys is not None:
            states = [
                (s, (*path, "required_in_states", i))
                for i, s in enumerate(as_list(field.get("required_in_states")))
            ]
            found.extend(
                check_references(definition, states, state_keys, "ref.unknown_state", "state")
            )
        if "section" in field:
            found.extend(
                check_references(
                    definition,
                    [(field["section"], (*path, "section"))],
                    sections,
                    "ref.unknown_section",
                    "layout section",
                )
            )
        for member in ("visible_if", "required_if"):
            if member in field:
                found.extend(check_in_scope(definition, ctx, field[member], (*path, member), scope))
    found.extend(_check_defaults(definition, ctx, fields))
    found.extend(_check_derive(definition, ctx, fields, scope))
    found.extend(_check_permissions(definition, ctx, fields))
    return found


def _fields_by_key(
    definition: Definition, fields: Any, path: JsonPath, found: list[Problem]
) -> dict[str, Mapping[str, Any]]:
    by_key: dict[str, Mapping[str, Any]] = {}
    for index, field in items(fields):
        key = field.get("key")
        if key in by_key:
            found.append(
                definition.problem(
                    "ticket_type.duplicate_field",
                    f"field {key!r} is defined twice",
                    (*path, index, "key"),
                )
            )
            continue
        by_key[key] = field
    return by_key


def _check_field(
    definition: Definition,
    ctx: SemanticContext,
    field: Mapping[str, Any],
    path: JsonPath,
    *,
    column: bool = False,
) -> list[Problem]:
    found: list[Problem] = []
    # A table column lives inside its row, so only form fields compete with core attributes.
    if not column and field.get("key") in CORE_TICKET_ATTRIBUTES:
        found.append(
            definition.problem(
                "field.reserved_key",
                f"{field['key']!r} is a core ticket attribute; a form field cannot use that key",
                (*path, "key"),
                hint=f"rename it, e.g. {field['key']}_detail",
            )
        )
    registry = field_type_registry(ctx)
    type_name = field.get("type")
    if type_name not in registry:
        found.append(
            definition.problem(
                "field.unknown_type",
                f"unknown field type {type_name!r}",
                (*path, "type"),
                hint=did_you_mean(type_name, registry.names()),
            )
        )
        return found
    if type_name in OPTION_TYPES and "options" not in field:
        found.append(
            definition.problem(
                "field.missing_options",
                f"field {field.get('key')!r} of type {type_name!r} needs 'options' (an OptionList)",
                path,
            )
        )
    if "options" in field:
        found.extend(
            check_references(
                definition,
                [(field["options"], (*path, "options"))],
                ctx.keys("OptionList"),
                "ref.unknown_option_list",
                "option list",
            )
        )
    if type_name == "table":
        if not field.get("columns"):
            found.append(
                definition.problem(
                    "field.missing_columns",
                    f"table field {field.get('key')!r} needs 'columns'",
                    path,
                )
            )
        _fields_by_key(definition, field.get("columns"), (*path, "columns"), found)
        for index, sub_field in items(field.get("columns")):
            found.extend(
                _check_field(definition, ctx, sub_field, (*path, "columns", index), column=True)
            )
    if "min" in field and "max" in field and _number(field["min"]) > _number(field["max"]):
        found.append(
            definition.problem(
                "field.min_above_max",
                f"field {field.get('key')!r} has min {field['min']!r} above max {field['max']!r}",
                (*path, "min"),
            )
        )
    if "default" in field:
        problem = value_problem(definition, ctx, field, field["default"], (*path, "default"))
        if problem is not None:
            found.append(problem)
    return found


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _check_defaults(
    definition: Definition, ctx: SemanticContext, fields: Mapping[str, Mapping[str, Any]]
) -> list[Problem]:
    found: list[Problem] = []
    defaults = definition.spec.get("defaults")
    if not isinstance(defaults, Mapping):
        return found
    for name, value in defaults.items():
        path = ("spec", "defaults", name)
        if name in fields:
            problem = value_problem(definition, ctx, fields[name], value, path)
            if problem is not None:
                found.append(problem)
            continue
        core = _core_value_problem(definition, name, value, path)
        if core is not None:
            found.append(core)
    return found


#: Core attributes a default may set, and their allowed values.
CORE_DEFAULTS: Mapping[str, tuple[str, ...]] = {
    "priority": ("low", "normal", "high", "urgent"),
    "channel": ("phone", "web", "portal", "email", "wechat", "sms", "api"),
}


def _core_value_problem(
    definition: Definition, name: str, value: Any, path: JsonPath
) -> Problem | None:
    if name not in CORE_DEFAULTS:
        return definition.problem(
            "ref.unknown_field",
            f"default for unknown field {name!r}",
            path,
            hint=did_you_mean(name, [*CORE_DEFAULTS, *CORE_TICKET_ATTRIBUTES]),
            of_key=True,
        )
    allowed = CORE_DEFAULTS[name]
    if value not in allowed:
        return definition.problem(
            "field.invalid_value",
            f"{value!r} is not a valid {name}: use one of {', '.join(allowed)}",
            path,
            hint=did_you_mean(value, allowed),
        )
    return None


def _check_derive(
    definition: Definition,
    ctx: SemanticContext,
    fields: Mapping[str, Mapping[str, Any]],
    scope: Any,
) -> list[Problem]:
    found: list[Problem] = []
    derive = definition.spec.get("derive")
    if not isinstance(derive, Mapping):
        return found
    for name, rules in derive.items():
        path = ("spec", "derive", name)
        if name not in fields and name not in CORE_DEFAULTS:
            found.append(
                definition.problem(
                    "ref.unknown_field",
                    f"derive names unknown field {name!r}",
                    path,
                    hint=did_you_mean(name, [*fields, *CORE_DEFAULTS]),
                    of_key=True,
                )
            )
            continue
        for index, rule in items(rules):
            rule_path = (*path, index)
            if "when" in rule:
                found.extend(
                    check_in_scope(definition, ctx, rule["when"], (*rule_path, "when"), scope)
                )
            if name in fields:
                problem = value_problem(
                    definition, ctx, fields[name], rule.get("value"), (*rule_path, "value")
                )
            else:
                problem = _core_value_problem(
                    definition, name, rule.get("value"), (*rule_path, "value")
                )
            if problem is not None:
                found.append(problem)
    return found


def _check_permissions(
    definition: Definition, ctx: SemanticContext, fields: Mapping[str, Mapping[str, Any]]
) -> list[Problem]:
    permissions = definition.spec.get("permissions")
    if not isinstance(permissions, Mapping):
        return []
    base = ("spec", "permissions")
    roles: list[tuple[Any, JsonPath]] = []
    for action in ("create", "view"):
        roles.extend(
            (r, (*base, action, i)) for i, r in enumerate(as_list(permissions.get(action)))
        )
    found: list[Problem] = []
    edit_fields = permissions.get("edit_fields")
    if isinstance(edit_fields, Mapping):
        for name, field_roles in edit_fields.items():
            path = (*base, "edit_fields", name)
            if name not in fields:
                found.append(
                    definition.problem(
                        "ref.unknown_field",
                        f"edit permission for unknown field {name!r}",
                        path,
                        hint=did_you_mean(name, fields),
                        of_key=True,
                    )
                )
            roles.extend((r, (*path, i)) for i, r in enumerate(as_list(field_roles)))
    found.extend(check_references(definition, roles, ctx.role_keys(), "ref.unknown_role", "role"))
    return found
