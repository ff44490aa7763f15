"""The shipped definition packs load, validate cleanly, round-trip, and pass their samples.

A failure names the file and line to fix, as ``gongdan pack validate`` / ``pack test`` would.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.documents import Definition
from gongdan.definitions.loader import dump_yaml, load_file, load_text
from gongdan.definitions.packs import LoadedPack, load_pack
from gongdan.definitions.samples import run_samples
from gongdan.definitions.validate import has_errors, validate_pack
from gongdan.workflow.fields import core_field_types

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"
PACKS = ["after_sales", "call_center"]
FIELD_TYPES = core_field_types()
PACK_FILES = sorted(
    path
    for name in PACKS
    for path in (DEFINITIONS / name).rglob("*.yaml")
    if path.name != "pack.yaml"
)


def _id(path: Path) -> str:
    return path.relative_to(DEFINITIONS).as_posix()


@pytest.fixture(scope="module", params=PACKS)
def pack(request: pytest.FixtureRequest) -> LoadedPack:
    return load_pack(DEFINITIONS / request.param)


def _by_kind(pack: LoadedPack, kind: str) -> dict[str, Definition]:
    return {d.key: d for d in pack.definitions if d.kind == kind}


def test_pack_loads_and_validates_without_errors(pack: LoadedPack) -> None:
    problems = validate_pack(pack)
    assert pack.meta is not None
    assert pack.meta.key == pack.root.name
    assert not has_errors(problems), "\n".join(p.format() for p in problems)


def test_pack_holds_every_kind_it_needs(pack: LoadedPack) -> None:
    kinds = {d.kind for d in pack.definitions}
    assert kinds >= {
        "Department",
        "Role",
        "OptionList",
        "TicketType",
        "Workflow",
        "RoutingRule",
        "Calendar",
        "SlaPolicy",
        "NotificationTemplate",
        "SurveyTemplate",
    }
    assert len(pack.samples) >= 4


@pytest.mark.parametrize("path", PACK_FILES, ids=_id)
def test_file_reexports_to_the_same_content_hashes(path: Path) -> None:
    loaded, problems = load_file(path)
    assert problems == []
    assert loaded, f"{_id(path)} holds no document"
    exported, reload_problems = load_text(dump_yaml([d.document for d in loaded]), path.name)
    assert reload_problems == []
    assert [d.document for d in exported] == [d.document for d in loaded]
    assert [d.content_hash for d in exported] == [d.content_hash for d in loaded]


def _local_texts(node: Any, path: str = "$") -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(node, Mapping):
        for name, value in node.items():
            here = f"{path}.{name}"
            if name in ("title", "customer_status", "help", "subject", "body") and isinstance(
                value, Mapping
            ):
                yield here, value
            else:
                yield from _local_texts(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _local_texts(value, f"{path}[{index}]")


def test_every_text_is_written_in_chinese_and_english(pack: LoadedPack) -> None:
    one_language = [
        f"{d.file}: {path}"
        for d in pack.definitions
        for path, text in _local_texts(d.document)
        if set(text) != {"zh", "en"}
    ]
    assert one_language == []


def _field_problems(
    pack: LoadedPack, ticket_type: Definition, given: Mapping[str, Any]
) -> list[str]:
    fields = {f["key"]: f for f in ticket_type.spec["fields"]}
    options = {
        key: sorted(o["value"] for o in d.spec["options"])
        for key, d in _by_kind(pack, "OptionList").items()
    }
    problems = []
    for name, value in given.items():
        field = fields.get(name)
        if field is None:
            problems.append(f"ticket type {ticket_type.key!r} has no field {name!r}")
            continue
        spec = {**field, "options": options.get(field.get("options"), [])}
        error = FIELD_TYPES.get(field["type"]).check_value(value, spec)
        if error:
            problems.append(f"field {name!r}: {error}")
    return problems


def test_samples_pass_pack_test(pack: LoadedPack) -> None:
    compiled = compile_definitions(pack.definitions)
    assert [p.format() for p in run_samples(pack, compiled)] == []


def test_sample_field_values_fit_their_fields(pack: LoadedPack) -> None:
    ticket_types = _by_kind(pack, "TicketType")
    problems = [
        f"{sample.file}:{sample.line}: {problem}"
        for sample in pack.samples
        for problem in _field_problems(
            pack,
            ticket_types[sample.data["ticket"]["type"]],
            sample.data["ticket"].get("fields", {}),
        )
    ]
    assert problems == []


def test_samples_cover_every_routing_and_sla_case() -> None:
    pack = load_pack(DEFINITIONS / "after_sales")
    rules = {s.data["expect"]["routing"]["rule"] for s in pack.samples}
    policies = {s.data["expect"]["sla"]["policy"] for s in pack.samples}
    default_rule = next(
        d.key for d in pack.definitions if d.spec.get("default") and d.kind == "RoutingRule"
    )
    assert {"vip_first", "field_jobs_by_region", default_rule} <= rules
    assert policies == {"standard", "vip", "demo_fast"}
