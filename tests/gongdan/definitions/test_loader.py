"""Loading definition files: plain data, exact positions, and problems instead of exceptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongdan.definitions.documents import Definition
from gongdan.definitions.loader import dump_yaml, load_file, load_text
from gongdan.definitions.problems import Problem

REPO = Path(__file__).resolve().parents[3]

REPAIR = """\
kind: TicketType
key: repair
title: {zh: 故障报修, en: Fault repair}
spec:
  workflow: repair_flow
  fields:
    - key: product_model
      type: select
    - {key: on_site, type: bool, default: false}
"""


def only(text: str, file: str = "repair.yaml") -> Definition:
    definitions, problems = load_text(text, file)
    assert problems == []
    (definition,) = definitions
    return definition


def problems_of(text: str, file: str = "broken.yaml") -> list[tuple[str, str, int, int]]:
    return [(p.code, p.message, p.line, p.column) for p in load_text(text, file)[1]]


def test_yaml_becomes_plain_data_with_kind_and_key() -> None:
    definition = only(REPAIR)
    assert (definition.kind, definition.key, definition.file) == (
        "TicketType",
        "repair",
        "repair.yaml",
    )
    assert definition.title == {"zh": "故障报修", "en": "Fault repair"}
    assert definition.spec["fields"][1] == {"key": "on_site", "type": "bool", "default": False}
    assert type(definition.document) is dict
    assert type(definition.spec["fields"]) is list
    assert type(definition.spec["fields"][0]["key"]) is str


def test_every_value_and_key_has_its_line_and_column() -> None:
    source = only(REPAIR).source
    assert source is not None
    assert source.position(("spec", "workflow")) == (5, 13)
    assert source.position(("spec", "workflow"), of_key=True) == (5, 3)
    assert source.position(("spec", "fields", 0)) == (7, 7)
    assert source.position(("spec", "fields", 0, "type"), of_key=True) == (8, 7)
    assert source.position(("spec", "fields", 1, "default")) == (9, 43)
    assert source.position(("title", "en")) == (3, 23)
    # A path that does not exist falls back to its nearest ancestor.
    assert source.position(("spec", "fields", 1, "missing")) == (9, 7)


def test_malformed_yaml_is_a_problem_at_the_parser_position() -> None:
    text = "kind: TicketType\nkey: repair\nspec:\n  fields: [a, b\n  workflow: x\n"
    assert problems_of(text) == [
        (
            "parse.syntax",
            "expected ',' or ']', but got ':' (while parsing a flow sequence)",
            5,
            11,
        )
    ]


def test_bad_indentation_is_a_problem_too() -> None:
    ((code, message, line, column),) = problems_of("kind: Role\n key: agent\n")
    assert (code, message, line, column) == (
        "parse.syntax",
        "mapping values are not allowed here",
        2,
        5,
    )


def test_a_duplicate_key_is_reported_at_its_second_occurrence() -> None:
    text = "kind: Role\nkey: agent\nspec:\n  permissions: [ticket.view]\n  permissions: []\n"
    definitions, problems = load_text(text, "roles.yaml")
    assert definitions == []
    assert [p.format() for p in problems] == [
        "roles.yaml:5:3: $: duplicate key 'permissions'"
        " (each key may appear only once in a mapping)"
    ]
    assert problems[0].code == "parse.duplicate_key"


def test_dates_and_times_stay_strings() -> None:
    spec = only(
        "kind: Calendar\nkey: cn\nspec:\n  holidays: [2026-10-01, 2026-13-45]\n"
        "  at: 2026-10-01 09:00:00\n  iso: 2026-10-01T09:00:00+08:00\n"
    ).spec
    assert spec["holidays"] == ["2026-10-01", "2026-13-45"]
    assert spec["at"] == "2026-10-01 09:00:00"
    assert spec["iso"] == "2026-10-01T09:00:00+08:00"


def test_yaml_1_2_keeps_on_yes_and_no_as_strings() -> None:
    spec = only("kind: Automation\nkey: a\nspec:\n  on: [created]\n  yes: no\n  off: true\n").spec
    assert spec == {"on": ["created"], "yes": "no", "off": True}


def test_several_documents_in_one_file_and_empty_ones_skipped() -> None:
    text = "kind: Role\nkey: agent\nspec: {permissions: []}\n---\n---\nkind: Role\nkey: engineer\n"
    definitions, problems = load_text(text, "roles.yml")
    assert problems == []
    assert [(d.key, d.source.position(()) if d.source else None) for d in definitions] == [
        ("agent", (1, 1)),
        ("engineer", (6, 1)),
    ]


def test_a_document_that_is_not_a_mapping_is_a_problem() -> None:
    text = "kind: Role\nkey: agent\nspec: {}\n---\n- kind: Role\n---\njust text\n"
    definitions, problems = load_text(text, "roles.yaml")
    assert [d.key for d in definitions] == ["agent"]
    assert [(p.code, p.message, p.line, p.column) for p in problems] == [
        (
            "parse.not_a_mapping",
            "a definition must be a mapping with kind, key and spec, got a list",
            5,
            1,
        ),
        (
            "parse.not_a_mapping",
            "a definition must be a mapping with kind, key and spec, got 'just text'",
            0,
            0,
        ),
    ]


def test_missing_or_odd_kind_and_key_become_empty_strings() -> None:
    definition = only("kind: 5\ntitle: {en: Nameless}\n")
    assert (definition.kind, definition.key) == ("", "")
    assert definition.document["kind"] == 5


def test_yaml_only_values_are_rejected_with_their_position() -> None:
    assert problems_of("kind: X\nkey: y\nspec: {blob: !!binary aGVsbG8=}\n") == [
        (
            "parse.unsupported_value",
            "unsupported YAML value of type bytes"
            " (use plain strings, numbers, booleans, lists and mappings)",
            3,
            14,
        )
    ]
    assert problems_of("a: {[x]: 1}\n") == [
        ("parse.unsupported_value", "a list or mapping cannot be used as a key", 1, 4)
    ]


def test_anchors_and_merge_keys_resolve_to_plain_data() -> None:
    spec = only("kind: X\nkey: y\nspec:\n  base: &b {a: 1}\n  m: {<<: *b, b: 2}\n").spec
    assert spec == {"base": {"a": 1}, "m": {"b": 2, "a": 1}}


def test_json_positions_of_values_and_keys() -> None:
    text = (
        '{\n  "kind": "Role",\n  "key": "agent",\n  "spec": {"permissions": ["ticket.view"]}\n}\n'
    )
    definition = only(text, "agent.json")
    assert definition.spec == {"permissions": ["ticket.view"]}
    assert definition.source is not None
    assert definition.source.position(("key",)) == (3, 10)
    assert definition.source.position(("key",), of_key=True) == (3, 3)
    assert definition.source.position(("spec", "permissions", 0)) == (4, 28)


def test_a_json_list_holds_several_definitions_each_with_its_own_paths() -> None:
    text = (
        '[\n {"kind": "Role", "key": "a", "spec": {}},\n'
        ' {"kind": "Role", "key": "b",\n  "spec": {"x": 1.5e2}}\n]'
    )
    definitions, problems = load_text(text, "roles.json")
    assert problems == []
    assert [d.key for d in definitions] == ["a", "b"]
    second = definitions[1]
    assert second.spec == {"x": 150.0}
    assert second.source is not None
    assert second.source.position(()) == (3, 2)
    assert second.source.position(("spec", "x")) == (4, 17)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"kind": "Role",}', ("parse.syntax", "expected a key in double quotes", 1, 17)),
        ('{"kind": tru}', ("parse.syntax", "expected a JSON value, found 't'", 1, 10)),
        ('{"a": 1}\n{"b": 2}', ("parse.syntax", "extra data after the JSON value", 2, 1)),
        ('{"a": "x\n"}', ("parse.syntax", "invalid control character in a string", 1, 9)),
        ('{"a": 1 "b": 2}', ("parse.syntax", "expected ',' or '}'", 1, 9)),
        ("", ("parse.syntax", "expected a JSON value, found the end of the file", 1, 1)),
        ('{"k": 1,\n "k": 2}', ("parse.duplicate_key", "duplicate key 'k'", 2, 2)),
    ],
)
def test_malformed_json_is_a_problem_at_the_right_place(
    text: str, expected: tuple[str, str, int, int]
) -> None:
    assert problems_of(text, "broken.json") == [expected]


def test_load_file_reads_from_disk_with_a_display_name(tmp_path: Path) -> None:
    path = tmp_path / "repair.yaml"
    path.write_text(REPAIR, encoding="utf-8")
    definitions, problems = load_file(path, "ticket_types/repair.yaml")
    assert problems == []
    assert definitions[0].file == "ticket_types/repair.yaml"
    assert load_file(path)[0][0].file == str(path)


def test_load_file_reports_unreadable_files(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("kind: Role\ntitle: {en: Caf\xe9}\n".encode("latin-1"))
    missing = tmp_path / "missing.yaml"
    assert [p.code for p in load_file(latin)[1]] == ["parse.encoding"]
    assert [p.code for p in load_file(missing)[1]] == ["parse.unreadable"]


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b'\xef\xbb\xbf{"kind": "Role", "key": "a", "spec": {}}')
    definitions, problems = load_file(path)
    assert problems == [] and definitions[0].key == "a"


def test_dump_yaml_is_readable_and_reloads_to_the_same_hash() -> None:
    document = {
        "spec": {
            "body": {"zh": "您好，{{ customer.name }}：\n工单已解决。\n", "en": "no newline"},
            "date": "2026-10-01",
            "flag": "yes",
            "number_like": "010",
            "nothing": None,
            "empty": [],
            "odd": "  leading blanks\nand more",
            "trailing": "line one\nline two",
        },
        "title": {"zh": "通知"},
        "key": "resolved_notice",
        "kind": "NotificationTemplate",
    }
    text = dump_yaml([document])
    assert text.startswith(
        "kind: NotificationTemplate\nkey: resolved_notice\ntitle:\n  zh: 通知\nspec:\n"
    )
    assert "    zh: |\n      您好，{{ customer.name }}：\n      工单已解决。\n" in text
    assert "'2026-10-01'" in text and "\\u" not in text
    reloaded = only(text, "export.yaml")
    assert reloaded.document == document
    original = Definition(kind="NotificationTemplate", key="resolved_notice", document=document)
    assert reloaded.content_hash == original.content_hash


def test_dump_yaml_writes_no_anchors_for_shared_values() -> None:
    shared = {"field": "ticket.priority", "op": "eq", "value": "high"}
    text = dump_yaml([{"kind": "X", "key": "y", "spec": {"a": shared, "b": shared}}])
    assert "&" not in text and "*" not in text
    assert only(text).spec == {"a": shared, "b": shared}


def test_dump_yaml_keeps_several_documents_apart() -> None:
    documents = [{"kind": "Role", "key": name, "spec": {"permissions": []}} for name in "ab"]
    definitions, problems = load_text(dump_yaml(documents), "roles.yaml")
    assert problems == [] and [d.document for d in definitions] == documents


def _definition_files() -> list[Path]:
    roots = [REPO / "definitions", REPO / "tests" / "gongdan" / "definitions" / "fixtures"]
    return sorted(
        path
        for root in roots
        if root.is_dir()
        for path in root.rglob("*")
        if path.suffix in (".yaml", ".yml", ".json")
    )


def test_every_shipped_definition_file_survives_an_export_round_trip() -> None:
    checked = 0
    for path in _definition_files():
        definitions, problems = load_file(path)
        assert problems == [], [p.format() for p in problems]
        for definition in definitions:
            reloaded, again = load_text(dump_yaml([definition.document]), "export.yaml")
            assert again == [] and reloaded[0].document == definition.document, path
            assert reloaded[0].content_hash == definition.content_hash
            checked += 1
    if not checked:
        pytest.skip("no definition files in the work tree yet")


def test_loading_never_raises_on_garbage() -> None:
    for text in ["{", "]", "- - -", "? [a]\n: b", "a: *missing", "%YAML 9.9\n---\na: 1", "\t"]:
        for file in ("garbage.yaml", "garbage.json"):
            definitions, problems = load_text(text, file)
            assert all(isinstance(p, Problem) for p in problems)
