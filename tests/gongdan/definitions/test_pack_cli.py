"""``gongdan pack validate|install|export|test``: output lines, summaries and exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.testing import FlaskCliRunner
from sqlalchemy.orm import Session

from gongdan import create_app
from gongdan.db import db
from gongdan.definitions import registry
from gongdan.definitions.cli import pack_cli
from gongdan.definitions.models import DefinitionRevision

MINIMAL = Path(__file__).parent / "fixtures" / "minimal"
MINIMAL_COUNT = 16

PACK_YAML = "key: {key}\nversion: 1.0.0\ntitle: {{en: {key}}}\n"

BROKEN_DEPARTMENTS = """\
kind: Department
key: customer_service
title: {zh: 客服中心, en: Customer service}
spec: {emial: service@example.com}
---
kind: Department
key: workshop
title: {en: Workshop}
spec: {parent: customer_servce}
"""

BROKEN_LINES = [
    "demo/departments/departments.yaml:4:8: $.spec.emial: unknown key 'emial' "
    "(did you mean 'email'?)",
    "demo/departments/departments.yaml:9:16: $.spec.parent: unknown department "
    "'customer_servce' (did you mean 'customer_service'?)",
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in ``tmp_path`` so files print as short relative paths, as a user would see them."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def minimal_pack(where: Path, key: str = "minimal") -> Path:
    """A copy of the minimal valid set (one definition of each kind) as a pack folder."""
    shutil.copytree(MINIMAL, where)
    (where / "pack.yaml").write_text(PACK_YAML.format(key=key))
    return where


def broken_pack(where: Path) -> Path:
    (where / "departments").mkdir(parents=True)
    (where / "pack.yaml").write_text(PACK_YAML.format(key="demo"))
    (where / "departments" / "departments.yaml").write_text(BROKEN_DEPARTMENTS)
    return where


def revision_count(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(DefinitionRevision)) or 0


# ------------------------------------------------------------------------------------ validate


def test_validate_a_valid_pack_needs_no_app_or_database(workdir: Path) -> None:
    minimal_pack(workdir / "minimal")

    result = CliRunner().invoke(pack_cli, ["validate", "minimal"])

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"ok: {MINIMAL_COUNT} definitions in 1 pack valid\n"


def test_validate_prints_every_problem_one_per_line(workdir: Path) -> None:
    broken_pack(workdir / "demo")

    result = CliRunner().invoke(pack_cli, ["validate", "demo"])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == BROKEN_LINES
    assert result.stderr == "2 errors in 1 file\n"


def test_validate_takes_packs_folders_and_files_as_one_set(workdir: Path) -> None:
    minimal_pack(workdir / "minimal")
    extra = workdir / "extra.yaml"
    extra.write_text("kind: Department\nkey: field_service\nspec: {parent: workshop}\n")

    result = CliRunner().invoke(pack_cli, ["validate", "minimal", "extra.yaml"])

    assert result.exit_code == 0, result.output
    assert result.stderr == f"ok: {MINIMAL_COUNT + 1} definitions in 1 pack, 1 file valid\n"


def test_validate_reports_a_missing_path_as_a_usage_error(workdir: Path) -> None:
    result = CliRunner().invoke(pack_cli, ["validate", "nowhere"])

    assert result.exit_code == 2
    assert "Path 'nowhere' does not exist" in result.stderr


def test_validate_without_a_path_is_a_usage_error() -> None:
    result = CliRunner().invoke(pack_cli, ["validate"])

    assert result.exit_code == 2
    assert "Missing argument 'PATHS...'" in result.stderr


def test_validate_is_reachable_through_the_app_cli(runner: FlaskCliRunner, workdir: Path) -> None:
    broken_pack(workdir / "demo")

    result = runner.invoke(args=["pack", "validate", "demo"])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == BROKEN_LINES


# ------------------------------------------------------------------------------------- install


def test_install_twice_creates_revisions_once(
    runner: FlaskCliRunner, session: Session, workdir: Path
) -> None:
    minimal_pack(workdir / "minimal")

    first = runner.invoke(args=["pack", "install", "minimal"])
    second = runner.invoke(args=["pack", "install", "minimal"])

    assert first.exit_code == 0, first.output
    assert "created Department/workshop@1" in first.stdout.splitlines()
    assert first.stdout.splitlines()[-1] == (
        f"installed minimal: {MINIMAL_COUNT} created, 0 unchanged (generation 1)"
    )
    assert second.exit_code == 0, second.output
    assert second.stdout == (
        f"installed minimal: 0 created, {MINIMAL_COUNT} unchanged (generation 1)\n"
    )
    assert revision_count(session) == MINIMAL_COUNT


def test_install_of_an_invalid_pack_prints_problems_and_writes_nothing(
    runner: FlaskCliRunner, session: Session, workdir: Path
) -> None:
    broken_pack(workdir / "demo")

    result = runner.invoke(args=["pack", "install", "demo"])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == BROKEN_LINES
    assert result.stderr == "2 errors in 1 file; nothing was installed\n"
    assert revision_count(session) == 0
    assert registry.active_generation(session) == 0


def test_install_of_a_missing_folder_is_a_usage_error(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["pack", "install", "no/such/pack"])

    assert result.exit_code == 2
    assert "'no/such/pack' does not exist" in result.stderr


def test_install_records_the_author(
    runner: FlaskCliRunner, session: Session, workdir: Path
) -> None:
    minimal_pack(workdir / "minimal")

    result = runner.invoke(args=["pack", "install", "minimal", "--author", "alice"])

    assert result.exit_code == 0, result.output
    authors = session.scalars(sa.select(DefinitionRevision.author).distinct()).all()
    assert authors == ["alice"]


# -------------------------------------------------------------------------------------- export


def test_export_then_install_gives_the_same_content_hashes(
    runner: FlaskCliRunner, session: Session, workdir: Path
) -> None:
    minimal_pack(workdir / "minimal")
    assert runner.invoke(args=["pack", "install", "minimal"]).exit_code == 0
    hashes = {(r.kind, r.key): r.content_hash for r in registry.active_revisions(session)}

    exported = runner.invoke(args=["pack", "export", "out"])
    assert exported.exit_code == 0, exported.output
    assert exported.stdout == f"exported {MINIMAL_COUNT} definitions to out\n"
    assert (workdir / "out" / "pack.yaml").is_file()
    assert (workdir / "out" / "departments" / "workshop.yaml").is_file()
    assert (workdir / "out" / "ticket_types" / "repair.yaml").is_file()

    valid = CliRunner().invoke(pack_cli, ["validate", "out"])
    assert valid.exit_code == 0, valid.output
    reinstalled = runner.invoke(args=["pack", "install", "out"])

    assert reinstalled.exit_code == 0, reinstalled.output
    assert reinstalled.stdout == (
        f"installed out: 0 created, {MINIMAL_COUNT} unchanged (generation 1)\n"
    )
    session.expire_all()
    assert {(r.kind, r.key): r.content_hash for r in registry.active_revisions(session)} == hashes
    assert revision_count(session) == MINIMAL_COUNT


def test_export_refuses_a_folder_that_is_not_empty(runner: FlaskCliRunner, workdir: Path) -> None:
    (workdir / "out").mkdir()
    (workdir / "out" / "notes.txt").write_text("mine")

    result = runner.invoke(args=["pack", "export", "out"])

    assert result.exit_code == 1
    assert result.stderr == "Error: 'out' is not empty (use --force to write into it)\n"
    assert sorted(p.name for p in (workdir / "out").iterdir()) == ["notes.txt"]


# ---------------------------------------------------------------------------------------- test

SAMPLES = """\
name: pro x1 goes to the workshop
ticket:
  type: repair
  fields: {product_model: cm_pro_x1, symptom: no power}
expect:
  routing: {rule: workshop_pool, department: workshop}
  sla: {policy: standard}
---
name: urgent tickets
ticket:
  type: repair
  priority: urgent
  fields: {product_model: cm_pro_x1, symptom: no power}
expect:
  sla: {policy: POLICY}
"""


def test_test_runs_the_samples_of_a_valid_pack(workdir: Path) -> None:
    pack = minimal_pack(workdir / "minimal")
    (pack / "samples").mkdir(exist_ok=True)
    (pack / "samples" / "repair.yaml").write_text(SAMPLES.replace("POLICY", "urgent_only"))

    result = CliRunner().invoke(pack_cli, ["test", "minimal"])

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"ok: {MINIMAL_COUNT} definitions valid, 2 samples passed\n"


def test_test_prints_each_failing_sample_at_its_line(workdir: Path) -> None:
    pack = minimal_pack(workdir / "minimal")
    (pack / "samples").mkdir(exist_ok=True)
    (pack / "samples" / "repair.yaml").write_text(SAMPLES.replace("POLICY", "standard"))

    result = CliRunner().invoke(pack_cli, ["test", "minimal"])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "minimal/samples/repair.yaml:15:17: $.expect.sla.policy: sample 'urgent tickets': "
        "expected SLA policy 'standard', got 'urgent_only'"
    ]
    assert result.stderr == "1 of 2 samples failed\n"


def test_test_stops_at_validation_errors(workdir: Path) -> None:
    broken_pack(workdir / "demo")

    result = CliRunner().invoke(pack_cli, ["test", "demo"])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == BROKEN_LINES
    assert result.stderr == "2 errors in 1 file\n"


@pytest.mark.parametrize("command", [["install", "minimal"], ["export", "out"]])
def test_a_database_without_tables_is_a_clear_error(workdir: Path, command: list[str]) -> None:
    minimal_pack(workdir / "minimal")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'empty.sqlite3'}",
            "INSTANCE_PATH": str(workdir / "instance"),
            "GONGDAN_LOAD_PLUGINS": False,
        }
    )

    result = app.test_cli_runner().invoke(args=["pack", *command])
    with app.app_context():
        db.engine.dispose()

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: database error: no such table: definition_")
    assert result.stderr.endswith("(has `gongdan init` been run?)\n")


def test_validate_checks_each_pack_as_its_own_set(workdir: Path) -> None:
    # Two companies' packs may both define `customer_service` and a default SLA policy.
    minimal_pack(workdir / "first", key="first")
    minimal_pack(workdir / "second", key="second")

    result = CliRunner().invoke(pack_cli, ["validate", "first", "second"])

    assert result.exit_code == 0, result.output
    assert result.stderr == f"ok: {2 * MINIMAL_COUNT} definitions in 2 packs valid\n"


def test_validate_of_the_shipped_packs_passes() -> None:
    definitions = Path(__file__).parents[3] / "definitions"
    packs = sorted(str(p) for p in definitions.iterdir() if (p / "pack.yaml").is_file())

    result = CliRunner().invoke(pack_cli, ["validate", *packs])

    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("ok: ")


# ------------------------------------------------------------------------------------ zipped


def zipped(folder: Path) -> Path:
    """``folder`` zipped under its own name beside it: ``demo`` → ``demo.zip``."""
    import zipfile

    target = folder.with_suffix(".zip")
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder.parent).as_posix())
    return target


def test_validate_reads_a_zipped_pack_like_its_folder(workdir: Path) -> None:
    zipped(broken_pack(workdir / "demo"))
    zipped(minimal_pack(workdir / "minimal"))

    broken = CliRunner().invoke(pack_cli, ["validate", "demo.zip"])
    valid = CliRunner().invoke(pack_cli, ["validate", "minimal.zip"])

    assert broken.exit_code == 1
    assert broken.stdout.splitlines() == BROKEN_LINES
    assert valid.exit_code == 0, valid.output
    assert valid.stderr == f"ok: {MINIMAL_COUNT} definitions in 1 pack valid\n"


def test_an_unsafe_zip_is_refused_with_a_reason(workdir: Path) -> None:
    import zipfile

    with zipfile.ZipFile(workdir / "evil.zip", "w") as archive:
        archive.writestr("pack.yaml", PACK_YAML.format(key="evil"))
        archive.writestr("../outside.yaml", "kind: Department\n")

    result = CliRunner().invoke(pack_cli, ["validate", "evil.zip"])

    assert result.exit_code == 1
    assert result.stderr == "Error: '../outside.yaml' points outside the archive's folder\n"
    assert not (workdir.parent / "outside.yaml").exists()


def test_install_takes_a_zipped_pack(
    runner: FlaskCliRunner, session: Session, workdir: Path
) -> None:
    zipped(minimal_pack(workdir / "minimal"))
    (workdir / "notes.txt").write_text("not a pack")

    result = runner.invoke(args=["pack", "install", "minimal.zip"])
    refused = runner.invoke(args=["pack", "install", "notes.txt"])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].endswith(
        f"{MINIMAL_COUNT} created, 0 unchanged (generation 1)"
    )
    assert revision_count(session) == MINIMAL_COUNT
    assert refused.exit_code == 1
    assert "neither a pack folder nor a .zip" in refused.stderr
