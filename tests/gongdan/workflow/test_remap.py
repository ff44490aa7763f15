"""Applying a state/field mapping to one ticket (IO-free)."""

from __future__ import annotations

import dataclasses

from tests.gongdan.workflow.test_breaking import flow, repair, with_fields, without_state

from gongdan.workflow.remap import (
    Remapped,
    RevisionMapping,
    Revisions,
    Unmappable,
    remap_ticket,
)

VALUES = {"symptom": "不出水", "impact": "degraded", "product_model": "es_pro_2"}


def old() -> Revisions:
    return Revisions(repair(), flow())


def test_a_mapped_removed_state_moves_and_says_so() -> None:
    new = Revisions(
        repair(), without_state(flow(), "waiting_parts", awaiting_parts="waiting_parts")
    )
    mapping = RevisionMapping(states={"waiting_parts": "awaiting_parts"})
    result = remap_ticket("waiting_parts", VALUES, old(), new, mapping)
    assert isinstance(result, Remapped)
    assert (result.state, result.state_category) == ("awaiting_parts", "paused")
    assert result.fields == VALUES
    assert result.applied == {"state": {"from": "waiting_parts", "to": "awaiting_parts"}}


def test_an_unmapped_removed_state_stays() -> None:
    new = Revisions(repair(), without_state(flow(), "waiting_parts"))
    result = remap_ticket("waiting_parts", VALUES, old(), new, RevisionMapping())
    assert result == Unmappable(
        "state 'waiting_parts' is not in the new workflow and is not mapped"
    )
    # A ticket in a state that still exists moves without any mapping.
    assert isinstance(remap_ticket("new", VALUES, old(), new, RevisionMapping()), Remapped)


def test_a_state_mapped_to_nothing_that_exists_stays() -> None:
    new = Revisions(repair(), without_state(flow(), "waiting_parts"))
    result = remap_ticket(
        "waiting_parts", VALUES, old(), new, RevisionMapping(states={"waiting_parts": "nope"})
    )
    assert isinstance(result, Unmappable) and "'nope', which does not exist" in result.reason


def test_a_renamed_field_carries_its_value() -> None:
    symptom = repair().field("symptom")
    assert symptom is not None
    fields = tuple(
        dataclasses.replace(f, key="fault_description") if f.key == "symptom" else f
        for f in repair().fields
    )
    new = Revisions(dataclasses.replace(repair(), fields=fields), flow())
    result = remap_ticket(
        "new", VALUES, old(), new, RevisionMapping(fields={"symptom": "fault_description"})
    )
    assert isinstance(result, Remapped)
    assert result.fields == {
        "fault_description": "不出水",
        "impact": "degraded",
        "product_model": "es_pro_2",
    }
    assert result.applied == {"fields": {"symptom": "fault_description"}}
    unmapped = remap_ticket("new", VALUES, old(), new, RevisionMapping())
    assert unmapped == Unmappable(
        "field 'symptom' was removed and is not mapped (to a field or a drop)"
    )


def test_a_dropped_field_keeps_its_old_value_in_the_record() -> None:
    new = Revisions(
        with_fields(repair(), product_model={"required": False, "key": "model2"}), flow()
    )
    result = remap_ticket(
        "new", VALUES, old(), new, RevisionMapping(fields={"product_model": None})
    )
    assert isinstance(result, Remapped)
    assert "product_model" not in result.fields
    assert result.applied == {"dropped": {"product_model": "es_pro_2"}}


def test_a_value_that_does_not_fit_a_changed_type_stays() -> None:
    new = Revisions(with_fields(repair(), symptom={"type": "int", "spec": {}}), flow())
    result = remap_ticket("new", VALUES, old(), new, RevisionMapping())
    assert isinstance(result, Unmappable)
    assert result.reason.startswith("the value of field 'symptom' does not fit its new type")
    fits = remap_ticket("new", {**VALUES, "symptom": "42"}, old(), new, RevisionMapping())
    assert isinstance(fits, Remapped) and fits.fields["symptom"] == 42


def test_a_newly_required_field_without_value_stays_and_a_default_fills_it() -> None:
    occurred = repair().field("occurred_at")
    assert occurred is not None and not occurred.required
    required = with_fields(repair(), occurred_at={"required": True})
    result = remap_ticket("new", VALUES, old(), Revisions(required, flow()), RevisionMapping())
    assert result == Unmappable("required field 'occurred_at' has no value")
    defaulted = with_fields(
        repair(), occurred_at={"required": True, "has_default": True, "default": "2026-01-01"}
    )
    filled = remap_ticket("new", VALUES, old(), Revisions(defaulted, flow()), RevisionMapping())
    assert isinstance(filled, Remapped)
    assert filled.applied == {"defaults": {"occurred_at": "2026-01-01"}}


def test_mapping_round_trips_through_plain_data() -> None:
    mapping = RevisionMapping(states={"a": "b"}, fields={"x": "y", "z": None})
    assert RevisionMapping.from_data(mapping.as_data()) == mapping
    # Form data: an empty choice means "not mapped" for a state and "drop" for a field.
    assert RevisionMapping.from_data({"states": {"a": ""}, "fields": {"x": ""}}) == (
        RevisionMapping(states={}, fields={"x": None})
    )
