"""``gongdan pack test``: sample tickets get the routing, SLA and path they expect."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.gongdan.definitions.fixtures.minimal_set import MINIMAL

from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.packs import load_pack
from gongdan.definitions.problems import Problem
from gongdan.definitions.samples import run_samples

GOOD = (MINIMAL / "samples" / "repair.yaml").read_text(encoding="utf-8")


def run(tmp_path: Path, samples: str) -> tuple[list[Problem], Path]:
    root = tmp_path / "pack"
    shutil.copytree(MINIMAL, root)
    sample_file = root / "samples" / "repair.yaml"
    sample_file.write_text(samples, encoding="utf-8")
    pack = load_pack(root)
    assert pack.problems == ()
    return run_samples(pack, compile_definitions(pack.definitions)), sample_file


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def test_samples_of_the_minimal_pack_pass(tmp_path: Path) -> None:
    problems, _ = run(tmp_path, GOOD)
    assert problems == []


def test_routing_mismatch_names_expected_and_actual_rule(tmp_path: Path) -> None:
    text = GOOD.replace("routing: {rule: front_desk", "routing: {rule: workshop_pool")
    problems, path = run(tmp_path, text)
    assert [(p.code, p.message) for p in problems] == [
        (
            "sample.routing_mismatch",
            "sample 'lite model lands at the front desk': expected routing rule "
            "'workshop_pool', got 'front_desk'",
        )
    ]
    assert problems[0].file.endswith("samples/repair.yaml")
    assert problems[0].line == line_of(path, "rule: workshop_pool, department: customer_service")


def test_department_mismatch(tmp_path: Path) -> None:
    text = GOOD.replace("department: customer_service}", "department: workshop}")
    problems, _ = run(tmp_path, text)
    assert [(p.code, p.message) for p in problems] == [
        (
            "sample.department_mismatch",
            "sample 'lite model lands at the front desk': expected department 'workshop', "
            "got 'customer_service'",
        )
    ]


def test_sla_mismatch(tmp_path: Path) -> None:
    problems, path = run(tmp_path, GOOD.replace("priority: urgent", "priority: high"))
    assert [(p.code, p.message) for p in problems] == [
        (
            "sample.sla_mismatch",
            "sample 'vip coffee machine goes to the workshop': expected SLA policy "
            "'urgent_only', got 'standard'",
        )
    ]
    assert problems[0].line == line_of(path, "sla: {policy: urgent_only}")


def test_derived_priority_decides_the_sla(tmp_path: Path) -> None:
    # Without a priority, the vip customer's ticket derives 'high': the standard policy.
    text = GOOD.replace("  priority: urgent\n", "").replace(
        "policy: urgent_only", "policy: standard"
    )
    problems, _ = run(tmp_path, text)
    assert problems == []


def test_transition_not_allowed_from_the_current_state(tmp_path: Path) -> None:
    problems, path = run(tmp_path, GOOD.replace("[triage, fix_done, close]", "[triage, close]"))
    assert [(p.code, p.message) for p in problems] == [
        (
            "sample.transition_not_allowed",
            "sample 'vip coffee machine goes to the workshop': transition 'close' cannot leave "
            "state 'diagnosing'",
        )
    ]
    assert problems[0].line == line_of(path, "transitions: [triage, close]")


def test_transition_blocked_by_its_condition(tmp_path: Path) -> None:
    problems, _ = run(tmp_path, GOOD.replace(", fault_code: E42}", "}"))
    assert [p.code for p in problems] == ["sample.transition_blocked"]
    assert "'fix_done'" in problems[0].message


def test_transition_needs_required_fields(tmp_path: Path) -> None:
    text = GOOD.replace("fields: {product_model: cm_pro_x1, ", "fields: {")
    text = text.replace("routing: {rule: workshop_pool, department: workshop}", "routing: {}")
    problems, _ = run(tmp_path, text)
    assert [(p.code, p.message) for p in problems] == [
        (
            "sample.missing_required_fields",
            "sample 'vip coffee machine goes to the workshop': transition 'triage' needs "
            "field(s) product_model",
        )
    ]


def test_unknown_transition_and_final_state(tmp_path: Path) -> None:
    problems, _ = run(tmp_path, GOOD.replace("[triage, fix_done, close]", "[triage, fixdone]"))
    assert [p.code for p in problems] == ["sample.unknown_transition"]
    assert "did you mean 'fix_done'?" in problems[0].message
    problems, _ = run(tmp_path / "2", GOOD.replace("state: closed", "state: resolved"))
    assert [(p.code, p.message.split(": ", 1)[1]) for p in problems] == [
        ("sample.state_mismatch", "expected to end in state 'resolved', got 'closed'")
    ]


def test_unknown_ticket_type(tmp_path: Path) -> None:
    problems, _ = run(
        tmp_path, GOOD.replace("type: repair\n  priority", "type: install\n  priority")
    )
    assert [p.code for p in problems] == ["sample.unknown_ticket_type"]
