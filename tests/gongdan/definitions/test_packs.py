"""Definition packs: pack.yaml, the definition files, samples, duplicates and export."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gongdan import __version__
from gongdan.definitions.packs import _satisfies_simply, load_pack, load_paths

REPO = Path(__file__).resolve().parents[3]
AFTER_SALES = REPO / "definitions" / "after_sales"

PACK_YAML = """\
key: demo
version: 1.2.0
title: {zh: 演示, en: Demo}
requires: {gongdan: ">=0.1", plugins: [spare_parts]}
"""

ROLES = """\
kind: Role
key: agent
spec: {permissions: [ticket.create]}
---
kind: Role
key: engineer
spec: {permissions: [ticket.view]}
"""

SAMPLE = """\
name: a VIP repair goes to key accounts
ticket:
  type: repair
  priority: high
  fields: {product_model: x1}
expect:
  routing: {rule: vip_first, department: key_accounts}
  state: closed
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work inside ``tmp_path`` so display paths are short and stable."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_pack_folder_loads_meta_definitions_and_samples(in_tmp: Path) -> None:
    root = write(
        in_tmp / "demo",
        {
            "pack.yaml": PACK_YAML,
            "roles/roles.yaml": ROLES,
            "options/colours.json": '{"kind": "OptionList", "key": "colours",'
            ' "spec": {"options": [{"value": "red"}]}}',
            "samples/vip.yaml": SAMPLE,
            "README.md": "not a definition",
            ".hidden/ignored.yaml": "kind: Role\nkey: agent\n",
        },
    )
    pack = load_pack(Path("demo"))
    assert pack.problems == ()
    assert pack.ok and pack.key == "demo" and pack.root == Path("demo")
    assert pack.meta is not None
    assert (pack.meta.version, pack.meta.title["en"]) == ("1.2.0", "Demo")
    assert (pack.meta.requires_gongdan, pack.meta.requires_plugins) == (">=0.1", ("spare_parts",))
    assert [(d.kind, d.key, d.pack, d.file) for d in pack.definitions] == [
        ("OptionList", "colours", "demo", "demo/options/colours.json"),
        ("Role", "agent", "demo", "demo/roles/roles.yaml"),
        ("Role", "engineer", "demo", "demo/roles/roles.yaml"),
    ]
    (sample,) = pack.samples
    assert (sample.name, sample.file, sample.line, sample.pack) == (
        "a VIP repair goes to key accounts",
        "demo/samples/vip.yaml",
        1,
        "demo",
    )
    assert sample.data["expect"]["routing"]["department"] == "key_accounts"
    assert root.is_dir()


def test_the_same_definition_twice_is_reported_at_the_second_naming_the_first(
    in_tmp: Path,
) -> None:
    write(
        in_tmp / "demo",
        {
            "pack.yaml": PACK_YAML,
            "roles/roles.yaml": ROLES,
            "roles/more.yaml": "# a copy\nkind: Role\nkey: engineer\nspec: {permissions: []}\n",
        },
    )
    pack = load_pack(Path("demo"))
    assert [p.format() for p in pack.problems] == [
        "demo/roles/roles.yaml:6:6: $.key: Role 'engineer' is defined twice"
        " (first in demo/roles/more.yaml:3) (rename one of them or remove the copy)"
    ]
    assert pack.problems[0].code == "pack.duplicate_definition"
    assert [d.file for d in pack.definitions if d.key == "engineer"] == ["demo/roles/more.yaml"]


def test_a_folder_without_pack_yaml_is_not_a_pack(in_tmp: Path) -> None:
    write(in_tmp / "loose", {"roles.yaml": ROLES})
    pack = load_pack(Path("loose"))
    assert pack.meta is None
    assert [(p.code, p.message, p.file) for p in pack.problems] == [
        ("pack.missing_meta", "'loose' has no pack.yaml", "loose/pack.yaml")
    ]
    assert [d.pack for d in pack.definitions] == [None, None]


def test_a_missing_folder_is_a_problem_not_an_exception(in_tmp: Path) -> None:
    pack = load_pack(Path("nowhere"))
    assert [(p.code, p.message) for p in pack.problems] == [
        ("pack.not_found", "'nowhere' is not a pack folder")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "key: demo\ntitle: {en: Demo}\n",
            [("schema.required", "$", "missing required key 'version'", 1, 1)],
        ),
        (
            "key: demo\nversion: '1.0'\ntitle: {en: Demo}\n",
            [
                (
                    "schema.pattern",
                    "$.version",
                    "'1.0' is not a semantic version such as 1.2.0",
                    2,
                    10,
                )
            ],
        ),
        (
            "key: Demo Pack\nversion: 1.0.0-rc.1+build.5\ntitle: {}\nrequirs: {}\n",
            [
                (
                    "schema.pattern",
                    "$.key",
                    "'Demo Pack' is not a valid key: use lower-case letters, digits and _,"
                    " starting with a letter",
                    1,
                    6,
                ),
                ("schema.min_properties", "$.title", "must not be empty", 3, 8),
                ("schema.additional_properties", "$.requirs", "unknown key 'requirs'", 4, 1),
            ],
        ),
        (
            "key: demo\nversion: 1.0.0\ntitle: {en: Demo}\nrequires: {gongdan: '>=99.0'}\n",
            [
                (
                    "pack.requires_gongdan",
                    "$.requires.gongdan",
                    f"the pack needs gongdan >=99.0, this is gongdan {__version__}",
                    4,
                    21,
                )
            ],
        ),
        (
            "key: demo\nversion: 1.0.0\ntitle: {en: Demo}\nrequires: {gongdan: 'new'}\n",
            [
                (
                    "schema.pattern",
                    "$.requires.gongdan",
                    "'new' is not a version requirement such as \">=0.1\"",
                    4,
                    21,
                )
            ],
        ),
        (
            "- key: demo\n",
            [
                (
                    "parse.not_a_mapping",
                    "$",
                    "a definition must be a mapping with kind, key and spec, got a list",
                    1,
                    1,
                )
            ],
        ),
    ],
    ids=["missing_version", "bad_semver", "several", "gongdan_too_old", "bad_requirement", "list"],
)
def test_pack_yaml_problems(
    in_tmp: Path, text: str, expected: list[tuple[str, str, str, int, int]]
) -> None:
    write(in_tmp / "demo", {"pack.yaml": text})
    pack = load_pack(Path("demo"))
    found = [(p.code, p.json_path, p.message, p.line, p.column) for p in pack.problems]
    assert found == expected
    assert all(p.file == "demo/pack.yaml" and p.kind is None for p in pack.problems)


def test_pack_yaml_misspelling_gets_a_hint(in_tmp: Path) -> None:
    write(in_tmp / "demo", {"pack.yaml": PACK_YAML.replace("requires:", "require:")})
    (problem,) = load_pack(Path("demo")).problems
    assert (problem.message, problem.hint) == ("unknown key 'require'", "did you mean 'requires'?")


def test_meta_problems_can_be_positioned_by_other_stages(in_tmp: Path) -> None:
    write(in_tmp / "demo", {"pack.yaml": PACK_YAML})
    meta = load_pack(Path("demo")).meta
    assert meta is not None
    problem = meta.problem("pack.requires_plugin", "missing", ("requires", "plugins", 0))
    assert problem.format() == "demo/pack.yaml:4:40: $.requires.plugins[0]: missing"


def test_broken_samples_are_reported_with_positions(in_tmp: Path) -> None:
    write(
        in_tmp / "demo",
        {
            "pack.yaml": PACK_YAML,
            "samples/broken.yaml": """\
                name: expectations misspelt
                ticket: {type: repair, priority: urgen, colour: red}
                expected: {state: closed}
                ---
                - just a list
                """,
        },
    )
    pack = load_pack(Path("demo"))
    assert [(p.code, p.json_path, p.message, p.hint, p.line, p.column) for p in pack.problems] == [
        (
            "schema.enum",
            "$.ticket.priority",
            "'urgen' is not one of 'low', 'normal', 'high', 'urgent'",
            "did you mean 'urgent'?",
            2,
            34,
        ),
        (
            "schema.additional_properties",
            "$.ticket.colour",
            "unknown key 'colour'",
            "allowed keys: type, priority, channel, fields, customer, asset, contact, address",
            2,
            41,
        ),
        (
            "schema.additional_properties",
            "$.expected",
            "unknown key 'expected'",
            "did you mean 'expect'?",
            3,
            1,
        ),
        (
            "parse.not_a_mapping",
            "$",
            "a sample must be a mapping with name, ticket and expect",
            None,
            5,
            1,
        ),
    ]
    assert [s.name for s in pack.samples] == ["expectations misspelt"]


def test_load_paths_merges_packs_folders_and_files(in_tmp: Path) -> None:
    write(in_tmp / "demo", {"pack.yaml": PACK_YAML, "roles.yaml": ROLES, "samples/a.yaml": SAMPLE})
    write(in_tmp / "extra", {"departments.yaml": "kind: Department\nkey: hq\nspec: {}\n"})
    write(in_tmp, {"agent.yaml": "kind: Role\nkey: agent\nspec: {permissions: []}\n"})
    loaded = load_paths([Path("demo"), Path("extra"), Path("agent.yaml"), Path("gone.yaml")])
    assert [(d.kind, d.key, d.pack) for d in loaded.definitions] == [
        ("Role", "agent", "demo"),
        ("Role", "engineer", "demo"),
        ("Department", "hq", None),
    ]
    assert len(loaded.samples) == 1 and loaded.meta is None
    assert [p.format() for p in loaded.problems] == [
        "gone.yaml:0:0: $: 'gone.yaml' does not exist",
        "agent.yaml:2:6: $.key: Role 'agent' is defined twice (first in demo/roles.yaml:2)"
        " (rename one of them or remove the copy)",
    ]


def test_load_paths_of_one_pack_keeps_its_meta(in_tmp: Path) -> None:
    write(in_tmp / "demo", {"pack.yaml": PACK_YAML, "roles.yaml": ROLES})
    loaded = load_paths([Path("demo")])
    assert loaded.meta is not None and loaded.meta.key == "demo"
    assert loaded.root == Path("demo")


def test_the_shipped_after_sales_pack_loads_cleanly() -> None:
    if not (AFTER_SALES / "pack.yaml").is_file():
        pytest.skip("the after_sales pack is not in the work tree yet")
    pack = load_pack(AFTER_SALES)
    assert [p.format() for p in pack.problems] == []
    assert pack.key == "after_sales"
    assert pack.definitions and all(d.pack == "after_sales" for d in pack.definitions)
    assert pack.samples and all(s.name for s in pack.samples)


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        (">=0.1", True),
        (">=0.1, <0.2", True),
        (">0.1.0", False),
        ("==0.1", True),
        ("!=0.1.0", False),
        ("~=0.1", True),
        ("~=1.0", False),
        ("<=0.0.9", False),
        ("soon", None),
    ],
)
def test_the_fallback_version_comparator(requirement: str, expected: bool | None) -> None:
    assert _satisfies_simply("0.1.0", requirement) is expected
