"""Finding conditions in a definition and writing one back into its YAML, without a database."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from gongdan.definitions.loader import dump_yaml, load_text
from gongdan_admin.condition_places import (
    ConditionEditError,
    check_shape,
    condition_places,
    unrepresentable,
    write_condition,
)

PACK = Path(__file__).resolve().parents[2] / "definitions" / "after_sales"
REPAIR_FILE = PACK / "ticket_types" / "repair.yaml"
ON_SITE = {"field": "ticket.service_mode", "op": "eq", "value": "on_site"}


def document(text: str) -> dict:
    definitions, problems = load_text(text, "x.yaml")
    assert not problems and len(definitions) == 1
    return definitions[0].document


@pytest.fixture
def repair_text() -> str:
    """The repair type as the editor shows a stored revision (what pack export writes)."""
    return dump_yaml([document(REPAIR_FILE.read_text(encoding="utf-8"))])


def test_every_field_has_visible_if_and_required_if_places(repair_text: str) -> None:
    places = condition_places("TicketType", document(repair_text))
    visit = [p for p in places if p.owner == "visit_address"]
    assert [p.member for p in visit] == ["visible_if", "required_if"]
    assert all(p.present and p.condition == ON_SITE for p in visit)
    assert visit[0].as_dict()["path"] == "$.spec.fields[3].visible_if"
    empty = next(p for p in places if p.owner == "check_in_location" and p.member == "visible_if")
    assert not empty.present and empty.as_dict()["unrepresentable"] is None
    derived = [p for p in places if p.owner_kind == "derive"]
    assert derived and all(p.present for p in derived)


def test_rules_and_transitions_have_a_when_place() -> None:
    rule = {"kind": "RoutingRule", "key": "r", "spec": {"order": 1}}
    assert [p.path for p in condition_places("RoutingRule", rule)] == [("spec", "when")]
    flow = {"spec": {"transitions": [{"key": "go"}, {"key": "stop", "when": ON_SITE}]}}
    places = condition_places("Workflow", flow)
    assert [(p.owner, p.present) for p in places] == [("go", False), ("stop", True)]
    assert condition_places("Calendar", {"spec": {}}) == []


def test_functions_and_odd_shapes_are_read_only() -> None:
    assert unrepresentable(ON_SITE) is None
    assert unrepresentable({"all": [ON_SITE, {"not": {"any": [ON_SITE]}}]}) is None
    assert unrepresentable({"field": "ticket.nope", "op": "eq", "value": 1}) is None
    assert unrepresentable({"all": [ON_SITE, {"fn": "spare_parts.in_stock"}]}) == "function"
    assert unrepresentable({"all": []}) == "malformed"
    assert unrepresentable({"field": "x", "op": "eq", "value": {"a": 1}}) == "malformed"
    assert unrepresentable("ticket.priority == high") == "malformed"


def test_check_shape_refuses_what_is_not_a_condition() -> None:
    assert check_shape(ON_SITE) is None
    assert check_shape({"field": "ticket.whatever", "op": "eq", "value": 1}) is None
    assert check_shape({"all": []}) is not None
    assert check_shape({"field": "x", "op": "equals", "value": 1}) is not None
    assert check_shape({"field": "x", "op": "eq", "any": []}) is not None


def test_writing_a_condition_changes_only_that_place(repair_text: str) -> None:
    path = ("spec", "fields", 16, "visible_if")
    written = write_condition(repair_text, path, ON_SITE)
    expected = copy.deepcopy(document(repair_text))
    expected["spec"]["fields"][16]["visible_if"] = ON_SITE
    assert document(written) == expected
    added = set(written.splitlines()) - set(repair_text.splitlines())
    assert added == {"      visible_if: {field: ticket.service_mode, op: eq, value: on_site}"}
    assert set(repair_text.splitlines()) <= set(written.splitlines())


def test_a_group_is_written_as_a_block_and_removal_removes(repair_text: str) -> None:
    group = {"any": [ON_SITE, {"not": {"field": "ticket.priority", "op": "in",
                                       "value": ["low", "normal"]}}]}  # fmt: skip
    path = ("spec", "fields", 3, "visible_if")
    written = write_condition(repair_text, path, group)
    assert document(written)["spec"]["fields"][3]["visible_if"] == group
    assert "        any:\n" in written
    removed = write_condition(written, path, None)
    assert "visible_if" not in document(removed)["spec"]["fields"][3]
    assert document(removed)["spec"]["fields"][3]["required_if"] == ON_SITE


def test_hand_written_text_keeps_its_layout_and_comments() -> None:
    text = REPAIR_FILE.read_text(encoding="utf-8").replace(
        "  derive:\n", "  # derived on creation\n  derive:\n"
    )
    written = write_condition(text, ("spec", "fields", 3, "visible_if"), None)
    kept = [
        line for line in text.splitlines() if "visible_if: {field: ticket.service_mode" not in line
    ]
    assert written.splitlines() == kept
    # A one-line field the library would re-flow: still correct, comments kept.
    other = write_condition(text, ("spec", "fields", 16, "visible_if"), ON_SITE)
    assert document(other)["spec"]["fields"][16]["visible_if"] == ON_SITE
    assert "# derived on creation" in other


def test_bad_places_and_text_are_refused(repair_text: str) -> None:
    with pytest.raises(ConditionEditError):
        write_condition("kind: [unclosed", ("spec", "when"), ON_SITE)
    with pytest.raises(ConditionEditError):
        write_condition(repair_text, ("spec", "fields", 99, "visible_if"), ON_SITE)
    with pytest.raises(ConditionEditError):
        write_condition(repair_text + "---\nkind: Role\nkey: x\n", ("spec", "when"), ON_SITE)
