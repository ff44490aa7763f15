"""Breaking changes between two revisions of a ticket type or a workflow (IO-free)."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from types import MappingProxyType

import pytest

from gongdan.definitions.compile import CompiledSet, compile_definitions
from gongdan.definitions.compiled import CompiledTicketType, CompiledWorkflow
from gongdan.definitions.packs import load_pack
from gongdan.workflow.breaking import breaking_changes

PACK = Path(__file__).resolve().parents[3] / "definitions" / "after_sales"


@functools.cache
def compiled() -> CompiledSet:
    return compile_definitions(load_pack(PACK).definitions)


def repair() -> CompiledTicketType:
    return compiled().ticket_types["repair"]


def flow() -> CompiledWorkflow:
    return compiled().workflows["repair_flow"]


def with_fields(
    ticket_type: CompiledTicketType, **changes: dict[str, object]
) -> CompiledTicketType:
    """A copy of ``ticket_type`` with fields replaced (``key={...}``) or removed (``key={}``)."""
    fields = []
    for field in ticket_type.fields:
        change = changes.get(field.key)
        if change == {}:
            continue
        fields.append(dataclasses.replace(field, **change) if change else field)
    return dataclasses.replace(ticket_type, fields=tuple(fields))


def without_state(workflow: CompiledWorkflow, key: str, **added: str) -> CompiledWorkflow:
    """A copy of ``workflow`` without state ``key``, plus states ``new_key=copy_of``."""
    states = {k: s for k, s in workflow.states.items() if k != key}
    for new_key, like in added.items():
        states[new_key] = dataclasses.replace(workflow.states[like], key=new_key)
    return dataclasses.replace(workflow, states=MappingProxyType(states))


def test_an_identical_revision_breaks_nothing() -> None:
    assert breaking_changes(repair(), repair()) == []
    assert breaking_changes(flow(), flow()) == []


def test_additions_break_nothing() -> None:
    optional = dataclasses.replace(repair().fields[0], key="extra_note", required=False)
    added = dataclasses.replace(repair(), fields=(*repair().fields, optional))
    assert breaking_changes(repair(), added) == []
    more_states = without_state(flow(), "no_such_state", extra="diagnosing")
    assert breaking_changes(flow(), more_states) == []


def test_a_removed_state_is_breaking() -> None:
    changes = breaking_changes(flow(), without_state(flow(), "waiting_parts"))
    assert [(c.code, c.subject, c.old) for c in changes] == [
        ("state_removed", "waiting_parts", "paused")
    ]
    assert changes[0].maps_state and not changes[0].maps_field
    assert changes[0].suggestion is None  # nothing was added to suggest


def test_a_renamed_state_is_removed_with_the_new_key_suggested() -> None:
    renamed = without_state(flow(), "waiting_parts", awaiting_parts="waiting_parts")
    changes = breaking_changes(flow(), renamed)
    assert [(c.code, c.subject, c.suggestion) for c in changes] == [
        ("state_removed", "waiting_parts", "awaiting_parts")
    ]


def test_a_field_type_change_is_breaking() -> None:
    changed = with_fields(repair(), symptom={"type": "int"})
    changes = breaking_changes(repair(), changed)
    assert [(c.code, c.subject, c.old, c.new) for c in changes] == [
        ("field_type_changed", "symptom", "textarea", "int")
    ]
    assert changes[0].maps_field


def test_a_newly_required_field_is_breaking() -> None:
    optional = next(f for f in repair().fields if not f.required)
    changes = breaking_changes(
        repair(), with_fields(repair(), **{optional.key: {"required": True}})
    )
    assert [(c.code, c.subject) for c in changes] == [("field_newly_required", optional.key)]


def test_a_new_required_field_without_default_is_breaking_with_a_default_it_is_not() -> None:
    template = repair().fields[0]
    new = dataclasses.replace(template, key="asset_tag", required=True, has_default=False)
    changes = breaking_changes(
        repair(), dataclasses.replace(repair(), fields=(*repair().fields, new))
    )
    assert [(c.code, c.subject) for c in changes] == [("field_newly_required", "asset_tag")]
    defaulted = dataclasses.replace(new, has_default=True, default="n/a")
    with_default = dataclasses.replace(repair(), fields=(*repair().fields, defaulted))
    assert breaking_changes(repair(), with_default) == []


def test_a_removed_field_is_breaking_and_a_rename_is_suggested() -> None:
    symptom = repair().field("symptom")
    assert symptom is not None
    renamed = dataclasses.replace(symptom, key="fault_description")
    fields = tuple(renamed if f.key == "symptom" else f for f in repair().fields)
    changes = breaking_changes(repair(), dataclasses.replace(repair(), fields=fields))
    # The new key is required and new: tickets get a value only if the mapping moves it there.
    assert [(c.code, c.subject, c.suggestion) for c in changes] == [
        ("field_removed", "symptom", "fault_description"),
        ("field_newly_required", "fault_description", None),
    ]


def test_another_workflow_is_breaking() -> None:
    moved = dataclasses.replace(repair(), workflow_key="field_job_flow")
    changes = breaking_changes(repair(), moved)
    assert [(c.code, c.old, c.new) for c in changes] == [
        ("workflow_changed", "repair_flow", "field_job_flow")
    ]


def test_kinds_cannot_be_mixed() -> None:
    with pytest.raises(TypeError, match="CompiledTicketType and CompiledWorkflow"):
        breaking_changes(repair(), flow())  # type: ignore[arg-type]
