"""The validation entry point: all stages, the whole set, packs over an installed set."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.gongdan.definitions.fixtures.minimal_set import (
    MINIMAL,
    load_set,
    load_texts,
    validate_edited,
    where,
)

from gongdan.definitions.documents import Definition
from gongdan.definitions.extensions import Extensions, extensions_from_plugins
from gongdan.definitions.frozen import thaw
from gongdan.definitions.packs import load_pack
from gongdan.definitions.problems import Problem
from gongdan.definitions.validate import active_set, validate_definitions, validate_pack
from gongdan.errors import PluginError
from gongdan.hookspecs import hookimpl
from gongdan.plugins import build_plugin_manager

TT = "ticket_types/repair.yaml"
WF = "workflows/repair_flow.yaml"

PLAN = """\
kind: pm.MaintenancePlan
key: quarterly
title: {en: Quarterly}
spec: {every: P3M}
"""
PLAN_SCHEMA = {
    "type": "object",
    "properties": {"every": {"type": "string"}},
    "required": ["every"],
    "additionalProperties": False,
}


class PmPlugin:
    """A stand-in for the pm plugin: a kind, an action, a context variable."""

    @hookimpl
    def gongdan_plugin_info(self) -> dict[str, str]:
        return {"key": "pm", "version": "0.1.0", "title": "PM"}

    @hookimpl
    def gongdan_definition_kinds(self) -> dict[str, Any]:
        return {"pm.MaintenancePlan": PLAN_SCHEMA}

    @hookimpl
    def gongdan_context_variables(self) -> dict[str, Any]:
        return {"pm.plan_level": "text"}


def pm_extensions() -> Extensions:
    return extensions_from_plugins(build_plugin_manager(discover=False, extra=[PmPlugin()]))


def test_problems_of_every_stage_come_sorted_by_file_and_line() -> None:
    problems, texts = validate_edited(
        {
            WF: [("initial: new", "initial: neww")],
            TT: [
                ("workflow: repair_flow", "workflow: repair_flw"),
                ("type: textarea", "type: txt"),
            ],
            "calendars/cn_workdays.yaml": [("holidays_from: cn", "holidays_from: us")],
        }
    )
    assert [(p.file, p.code) for p in problems] == [
        ("calendars/cn_workdays.yaml", "schema.enum"),
        (TT, "ref.unknown_workflow"),
        (TT, "field.unknown_type"),
        (WF, "workflow.unknown_initial"),
    ]
    assert problems[1].line < problems[2].line


def test_duplicate_kind_and_key_is_reported_at_the_second_one() -> None:
    copy = "kind: Role\nkey: agent\ntitle: {en: Agent again}\nspec: {permissions: []}\n"
    problems, texts = validate_edited(extra={"roles/more.yaml": copy})
    assert [(p.code, p.message) for p in problems] == [
        ("definition.duplicate", "Role 'agent' is defined twice (first in roles/roles.yaml:2)")
    ]
    assert (problems[0].file, problems[0].line, problems[0].column) == where(
        texts, "roles/more.yaml", "key: agent", "agent"
    )


def test_plugin_kind_without_its_plugin_names_the_plugin() -> None:
    problems, texts = validate_edited(extra={"pm/plans.yaml": PLAN})
    assert [(p.code, p.message, p.hint) for p in problems] == [
        (
            "definition.plugin_missing",
            "kind 'pm.MaintenancePlan' needs the plugin 'pm', which is not installed",
            "install the 'pm' plugin or remove this definition",
        )
    ]
    assert (problems[0].file, problems[0].line) == ("pm/plans.yaml", 1)


def test_plugin_kind_is_validated_by_its_schema_when_the_plugin_is_loaded() -> None:
    extensions = pm_extensions()
    assert extensions.plugin_keys == frozenset({"pm"})
    assert (
        validate_definitions(load_set(extra={"pm/plans.yaml": PLAN}), extensions=extensions) == []
    )
    broken = PLAN.replace("spec: {every: P3M}", "spec: {evry: P3M}")
    problems = validate_definitions(
        load_set(extra={"pm/plans.yaml": broken}), extensions=extensions
    )
    assert {p.code for p in problems} <= {"schema.required", "schema.additional_properties"}
    assert problems and all(p.file == "pm/plans.yaml" for p in problems)


def test_two_plugins_registering_the_same_kind_is_a_plugin_error() -> None:
    class Again(PmPlugin):
        pass

    manager = build_plugin_manager(discover=False, extra=[PmPlugin(), Again()])
    with pytest.raises(PluginError, match="pm.MaintenancePlan"):
        extensions_from_plugins(manager)


def test_plugin_kind_must_be_namespaced() -> None:
    class Bare(PmPlugin):
        @hookimpl
        def gongdan_definition_kinds(self) -> dict[str, Any]:
            return {"MaintenancePlan": PLAN_SCHEMA}

    with pytest.raises(PluginError, match="'MaintenancePlan' must be namespaced"):
        extensions_from_plugins(build_plugin_manager(discover=False, extra=[Bare()]))


def test_context_variable_needs_a_known_field_type() -> None:
    class Odd(PmPlugin):
        @hookimpl
        def gongdan_context_variables(self) -> dict[str, Any]:
            return {"pm.plan_level": "colour"}

    with pytest.raises(PluginError, match="'pm.plan_level' has unknown field type 'colour'"):
        extensions_from_plugins(build_plugin_manager(discover=False, extra=[Odd()]))


def test_active_set_replaces_installed_definitions_by_kind_and_key() -> None:
    installed = load_set()
    override = load_texts(
        {"roles/agent.yaml": "kind: Role\nkey: agent\ntitle: {en: A}\nspec: {permissions: []}\n"}
    )
    merged = active_set(installed, override)
    agents = [d for d in merged if (d.kind, d.key) == ("Role", "agent")]
    assert agents == override
    assert len(merged) == len(installed)


def _pack_copy(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    shutil.copytree(MINIMAL, root)
    return root


def test_valid_pack_validates_clean(tmp_path: Path) -> None:
    pack = load_pack(_pack_copy(tmp_path))
    assert validate_pack(pack) == []


def test_pack_is_validated_together_with_the_installed_set(tmp_path: Path) -> None:
    # The pack only ships its ticket type; the workflow it uses is already installed.
    root = _pack_copy(tmp_path)
    installed = load_pack(root).definitions
    for folder in ("workflows", "roles", "options", "departments"):
        shutil.rmtree(root / folder)
    pack = load_pack(root)
    assert validate_pack(pack, installed=installed) == []
    assert {p.code for p in validate_pack(pack)} >= {"ref.unknown_workflow", "ref.unknown_role"}


def test_pack_override_breaks_an_installed_reference(tmp_path: Path) -> None:
    root = _pack_copy(tmp_path)
    installed = load_pack(root).definitions
    text = (root / WF).read_text(encoding="utf-8").replace("key: close,", "key: finish,")
    for path in list(root.rglob("*.yaml")):
        if path.name != "pack.yaml":
            path.unlink()
    (root / "workflows").mkdir(exist_ok=True)
    (root / WF).write_text(text, encoding="utf-8")
    problems = validate_pack(load_pack(root), installed=installed)
    assert [(p.code, p.message) for p in problems] == [
        ("ref.unknown_transition", "unknown transition 'close'")
    ]
    assert problems[0].file.endswith("automations/auto_close.yaml")


def test_pack_requiring_a_missing_plugin(tmp_path: Path) -> None:
    root = _pack_copy(tmp_path)
    meta = root / "pack.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace(
            'requires: {gongdan: ">=0.1"}', 'requires: {gongdan: ">=0.1", plugins: [pm]}'
        ),
        encoding="utf-8",
    )
    (root / "pm").mkdir()
    (root / "pm" / "plans.yaml").write_text(PLAN, encoding="utf-8")
    problems = validate_pack(load_pack(root))
    assert [(p.code, p.message) for p in problems] == [
        ("pack.requires_plugin", "the pack needs the plugin 'pm', which is not installed"),
        (
            "definition.plugin_missing",
            "kind 'pm.MaintenancePlan' needs the plugin 'pm', which is not installed",
        ),
    ]
    assert problems[0].line == 4
    assert validate_pack(load_pack(root), extensions=pm_extensions()) == []


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _replaced(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {k: (_replaced(v, rest, value) if k == head else v) for k, v in node.items()}
    return [(_replaced(v, rest, value) if i == head else v) for i, v in enumerate(node)]


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "new", "closed", "$ticket.x", "P1D", "80%", "09:00-08:00", "x.y"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_validation_never_raises_on_mangled_definitions(data: st.DataObject) -> None:
    definitions = load_set()
    index = data.draw(st.integers(0, len(definitions) - 1))
    victim = definitions[index]
    document = thaw(victim.document)
    path = data.draw(st.sampled_from(_paths(document)[1:]))
    mangled = _replaced(document, path, data.draw(_JSON))
    definitions[index] = Definition(victim.kind, victim.key, mangled)
    problems = validate_definitions(definitions)
    assert_structured(problems)


def assert_structured(problems: list[Problem]) -> None:
    """Every problem says what (code, message) and where (a file or revision, a line or a path)."""
    for problem in problems:
        assert problem.code and problem.message, problem
        assert problem.file and problem.file != "<unknown>", problem.format()
        assert problem.line > 0 or problem.path, f"no position: {problem.format()}"


AFTER_SALES = Path(__file__).resolve().parents[3] / "definitions" / "after_sales"


@functools.cache
def _after_sales() -> tuple[Definition, ...]:
    return load_pack(AFTER_SALES).definitions


def _typo(key: str) -> st.SearchStrategy[str]:
    """A misspelling of ``key``: a letter dropped, doubled or swapped, or a case change."""
    return st.sampled_from(
        [key[1:], key + key[-1:], key[::-1], key.upper(), key.replace("_", "-"), f"{key}s"]
    )


def _retyped(value: Any) -> st.SearchStrategy[Any]:
    """``value`` with the wrong JSON type but similar content."""
    if isinstance(value, bool):
        return st.sampled_from([str(value).lower(), int(value), [value]])
    if isinstance(value, int | float):
        return st.sampled_from([str(value), -value - 1, value * 1000, [value], None, True])
    if isinstance(value, str):
        return st.sampled_from([[value], {value: value}, 0, value * 3, value.upper(), "", None])
    if isinstance(value, list):
        return st.sampled_from(
            [value[:1] * 2, value[::-1], [], {"0": value[0]} if value else {}, str(value)]
        )
    if isinstance(value, dict):
        return st.sampled_from([list(value.values()), list(value), {}, "x", 1])
    return _JSON


@st.composite
def _mutated(draw: st.DrawFn, document: Any) -> Any:
    """``document`` with one real-looking mistake: a value retyped or replaced, a key
    misspelt, dropped or added, a list item duplicated or removed."""
    paths = _paths(document)[1:]
    path = draw(st.sampled_from(paths))
    parent_path, last = path[:-1], path[-1]
    parent = document
    for part in parent_path:
        parent = parent[part]
    operation = draw(st.sampled_from(["retype", "replace", "rename", "drop", "add", "duplicate"]))
    if operation == "retype":
        return _replaced(document, path, draw(_retyped(parent[last])))
    if operation == "replace":
        return _replaced(document, path, draw(_JSON))
    if isinstance(parent, dict):
        changed = dict(parent)
        if operation == "rename":
            changed[draw(_typo(str(last)))] = changed.pop(last)
        elif operation == "drop":
            del changed[last]
        elif operation == "add":
            changed[draw(st.sampled_from(["extra", "when", "x_key", ""]))] = draw(_JSON)
        else:
            changed[f"{last}_copy"] = parent[last]
    else:
        changed = list(parent)
        if operation == "duplicate":
            changed.insert(last, parent[last])
        elif operation == "drop":
            del changed[last]
        else:
            changed.append(draw(_JSON) if operation == "add" else parent[last])
    return _replaced(document, parent_path, changed)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_real_definitions_give_positioned_problems_never_a_crash(
    data: st.DataObject,
) -> None:
    definitions = list(_after_sales())
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        index = data.draw(st.integers(0, len(definitions) - 1), label="definition")
        victim = definitions[index]
        mutated = data.draw(_mutated(thaw(victim.document)), label="mutated")
        # Keep the source map: positions of the nodes that still exist stay right.
        definitions[index] = Definition(
            victim.kind, victim.key, mutated, source=victim.source, pack=victim.pack
        )
    problems = validate_definitions(definitions)
    assert_structured(problems)
    assert all(not p.file.startswith("<") and p.line > 0 for p in problems), [
        p.format() for p in problems
    ]
