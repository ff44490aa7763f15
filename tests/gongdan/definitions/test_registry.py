"""Definition revisions: install, publish, roll back, pinned revisions, the compiled-set cache."""

from __future__ import annotations

import textwrap
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.definitions import registry
from gongdan.definitions.documents import Definition
from gongdan.definitions.models import DefinitionRevision, DefinitionSetState
from gongdan.definitions.packs import load_pack
from gongdan.errors import DefinitionError, DefinitionNotFound

if TYPE_CHECKING:
    from tests.conftest import MigratedDatabase


PACK_YAML = """\
key: demo
version: 1.0.0
title: {en: Demo}
"""

DEPARTMENTS = """\
kind: Department
key: customer_service
title: {zh: 客服中心, en: Customer service}
spec: {email: service@example.com}
---
kind: Department
key: workshop
title: {en: Workshop}
spec: {parent: customer_service}
"""

OPTIONS = """\
kind: OptionList
key: fault_codes
title: {en: Fault codes}
spec:
  options:
    - {value: e01, title: {en: No power}}
    - {value: e02, title: {en: Leaks}}
"""


def write_pack(root: Path, files: dict[str, str], *, version: str = "1.0.0") -> Path:
    """Write a pack folder: ``pack.yaml`` plus ``files`` (relative path → YAML text)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text(PACK_YAML.replace("1.0.0", version))
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def demo_pack(tmp_path: Path, **overrides: str):  # type: ignore[no-untyped-def]
    files = {"departments/departments.yaml": DEPARTMENTS, "options/fault_codes.yaml": OPTIONS}
    files.update(overrides)
    return load_pack(write_pack(tmp_path / "demo", files))


def count_rows(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(DefinitionRevision)) or 0


def statuses(session: Session, kind: str, key: str) -> list[tuple[int, str]]:
    return [(r.revision, r.status) for r in reversed(registry.revision_history(session, kind, key))]


def test_install_creates_active_revisions_and_bumps_the_generation(
    session: Session, tmp_path: Path
) -> None:
    report = registry.install_pack(session, demo_pack(tmp_path), author="cli")

    assert sorted(report.created) == [
        ("Department", "customer_service", 1),
        ("Department", "workshop", 1),
        ("OptionList", "fault_codes", 1),
    ]
    assert report.unchanged == []
    assert report.generation == 1
    assert registry.active_generation(session) == 1
    revision = registry.active_revision(session, "Department", "workshop")
    assert revision is not None
    assert (revision.pack_key, revision.pack_version, revision.author) == ("demo", "1.0.0", "cli")
    assert revision.document["spec"] == {"parent": "customer_service"}
    assert revision.activated_at is not None
    assert [d.origin for d in registry.active_definitions(session)] == [
        "<db:Department/customer_service@1>",
        "<db:Department/workshop@1>",
        "<db:OptionList/fault_codes@1>",
    ]


def test_installing_an_unchanged_pack_writes_nothing(session: Session, tmp_path: Path) -> None:
    registry.install_pack(session, demo_pack(tmp_path), author="cli")

    report = registry.install_pack(session, demo_pack(tmp_path), author="cli")

    assert report.created == []
    assert len(report.unchanged) == 3
    assert report.generation == 1
    assert count_rows(session) == 3
    assert registry.active_generation(session) == 1


def test_a_changed_definition_gets_a_new_revision_and_the_old_one_stays_loadable(
    session: Session, tmp_path: Path
) -> None:
    registry.install_pack(session, demo_pack(tmp_path), author="cli")
    first = registry.active_revision(session, "OptionList", "fault_codes")
    assert first is not None
    first_id = first.id
    changed = OPTIONS.replace("Leaks", "Water leak")

    report = registry.install_pack(
        session,
        demo_pack(tmp_path, **{"options/fault_codes.yaml": changed}),
        author="alice",
    )

    assert report.created == [("OptionList", "fault_codes", 2)]
    assert len(report.unchanged) == 2
    assert report.generation == 2
    assert statuses(session, "OptionList", "fault_codes") == [
        (1, "retired"),
        (2, "active"),
    ]
    pinned = registry.load_revision(session, first_id)
    assert pinned.spec["options"][1]["title"] == {"en": "Leaks"}
    assert pinned.origin == "<db:OptionList/fault_codes@1>"


def test_an_invalid_pack_raises_with_every_problem_and_writes_nothing(
    session: Session, tmp_path: Path
) -> None:
    broken = DEPARTMENTS.replace("parent: customer_service", "parent: nowhere")
    broken = broken.replace("email: service@example.com", "emial: service@example.com")
    pack = demo_pack(tmp_path, **{"departments/departments.yaml": broken})

    with pytest.raises(DefinitionError) as caught:
        registry.install_pack(session, pack, author="cli")

    assert caught.value.message == "pack 'demo' has 2 errors"
    assert [(p.line, p.column, p.json_path) for p in caught.value.problems] == [
        (4, 8, "$.spec.emial"),
        (9, 16, "$.spec.parent"),
    ]
    assert all(p.file.endswith("demo/departments/departments.yaml") for p in caught.value.problems)
    assert count_rows(session) == 0
    assert registry.active_generation(session) == 0


def test_a_pack_is_validated_together_with_the_installed_definitions(
    session: Session, tmp_path: Path
) -> None:
    registry.install_pack(session, demo_pack(tmp_path), author="cli")
    other = write_pack(
        tmp_path / "other",
        {"d.yaml": "kind: Department\nkey: field_service\nspec: {parent: workshop}\n"},
    )

    report = registry.install_pack(session, load_pack(other), author="cli")

    assert report.created == [("Department", "field_service", 1)]
    assert len(registry.active_definitions(session)) == 4


def test_publish_validates_the_set_with_the_draft_swapped_in(session: Session) -> None:
    customer_service = Definition(
        kind="Department", key="customer_service", document=_department("customer_service")
    )
    registry.publish(
        session,
        registry.save_draft(session, customer_service, author="alice").id,
        author="alice",
    )
    bad = Definition(
        kind="Department", key="workshop", document=_department("workshop", parent="nowhere")
    )
    draft = registry.save_draft(session, bad, author="alice", note="try")
    draft_id = draft.id

    with pytest.raises(DefinitionError) as caught:
        registry.publish(session, draft_id, author="alice")

    assert caught.value.message == "Department/workshop@1 cannot be activated: 1 error"
    (problem,) = caught.value.problems
    assert (problem.file, problem.json_path) == ("<db:Department/workshop@1>", "$.spec.parent")
    assert registry.active_revision(session, "Department", "workshop") is None
    assert registry.active_generation(session) == 1

    good = Definition(
        kind="Department",
        key="workshop",
        document=_department("workshop", parent="customer_service"),
    )
    published = registry.publish(
        session,
        registry.save_draft(session, good, author="bob").id,
        author="bob",
    )
    assert (published.revision, published.status) == (2, "active")
    assert statuses(session, "Department", "workshop") == [(1, "draft"), (2, "active")]
    assert registry.active_generation(session) == 2


def test_publish_refuses_what_is_not_a_draft(session: Session, tmp_path: Path) -> None:
    registry.install_pack(session, demo_pack(tmp_path), author="cli")
    active = registry.active_revision(session, "Department", "workshop")
    assert active is not None

    with pytest.raises(DefinitionError, match=r"^Department/workshop@1 is active; only a draft"):
        registry.publish(session, active.id, author="alice")
    with pytest.raises(DefinitionNotFound, match="no definition revision with id 9999"):
        registry.publish(session, 9999, author="alice")


def test_rollback_reactivates_an_earlier_revision(session: Session, tmp_path: Path) -> None:
    registry.install_pack(session, demo_pack(tmp_path), author="cli")
    changed = OPTIONS.replace("Leaks", "Water leak")
    registry.install_pack(
        session,
        demo_pack(tmp_path, **{"options/fault_codes.yaml": changed}),
        author="cli",
    )

    restored = registry.rollback(session, "OptionList", "fault_codes", 1, author="alice")

    assert (restored.revision, restored.status) == (1, "active")
    assert statuses(session, "OptionList", "fault_codes") == [
        (1, "active"),
        (2, "retired"),
    ]
    assert registry.active_generation(session) == 3
    # Rolling back to what is active already changes nothing.
    registry.rollback(session, "OptionList", "fault_codes", 1, author="alice")
    assert registry.active_generation(session) == 3
    with pytest.raises(DefinitionNotFound, match="no revision 7 of OptionList/fault_codes"):
        registry.rollback(session, "OptionList", "fault_codes", 7, author="alice")


def test_rollback_is_refused_when_the_set_would_break(session: Session, tmp_path: Path) -> None:
    registry.install_pack(session, demo_pack(tmp_path), author="cli")
    # A revision that was valid once (say, before a department was renamed): retired now.
    session.add(
        DefinitionRevision(
            kind="Department",
            key="workshop",
            revision=7,
            content_hash="0" * 64,
            document=_department("workshop", parent="repair_center"),
            status="retired",
            author="alice",
        )
    )
    session.commit()

    with pytest.raises(DefinitionError) as caught:
        registry.rollback(session, "Department", "workshop", 7, author="bob")

    assert caught.value.message == "Department/workshop@7 cannot be activated: 1 error"
    (problem,) = caught.value.problems
    assert (problem.file, problem.json_path) == ("<db:Department/workshop@7>", "$.spec.parent")
    assert "repair_center" in problem.message
    assert statuses(session, "Department", "workshop") == [(1, "active"), (7, "retired")]
    assert registry.active_generation(session) == 1


def test_the_compiled_set_is_cached_until_another_process_changes_the_set(
    session: Session, database: MigratedDatabase, tmp_path: Path
) -> None:
    registry.install_pack(session, demo_pack(tmp_path), author="cli")
    session.commit()

    first = registry.compiled_active_set(session)
    assert registry.compiled_active_set(session) is first

    # Another process: its own engine and session on the same database.
    other_engine = database.new_engine()
    try:
        with Session(other_engine) as other:
            draft = registry.save_draft(
                other,
                Definition(kind="Department", key="lab", document=_department("lab")),
                author="bob",
            )
            registry.publish(other, draft.id, author="bob")
    finally:
        other_engine.dispose()
    session.commit()  # end this session's read transaction, as a request would

    second = registry.compiled_active_set(session)
    assert second is not first
    assert registry.compiled_active_set(session) is second
    assert registry.active_generation(session) == 2


def test_one_transaction_reads_the_generation_once_and_sees_its_own_publish(
    session: Session, tmp_path: Path
) -> None:
    registry.install_pack(session, demo_pack(tmp_path), author="cli")
    session.commit()
    reads: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "definition_set_state.generation" in statement:
            reads.append(statement)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        first = registry.compiled_active_set(session)
        assert registry.compiled_active_set(session) is first
        assert len(reads) == 1  # the services of one change share one read

        draft = registry.save_draft(
            session,
            Definition(kind="Department", key="lab", document=_department("lab")),
            author="bob",
        )
        registry.publish(session, draft.id, author="bob")
        # Publishing in this transaction: the next read must see the new set at once.
        assert "lab" in registry.compiled_active_set(session).departments
        session.commit()
        reads.clear()
        registry.compiled_active_set(session)
        assert len(reads) == 1  # a new transaction reads it again
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_the_database_allows_one_active_revision_per_key(session: Session, tmp_path: Path) -> None:
    registry.install_pack(session, demo_pack(tmp_path), author="cli")
    session.add(
        DefinitionRevision(
            kind="Department",
            key="workshop",
            revision=2,
            content_hash="0" * 64,
            document=_department("workshop"),
            status="active",
            author="other",
        )
    )

    with pytest.raises(sa.exc.IntegrityError, match="uq_definition_revisions_one_active|UNIQUE"):
        session.flush()
    session.rollback()


def test_a_lost_race_is_a_clear_error_and_writes_nothing(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.install_pack(session, demo_pack(tmp_path), author="cli")
    replace_active = registry._replace_active

    def concurrent_writer_wins(session, current, new):  # type: ignore[no-untyped-def]
        # What another installer committed between our read and our write: the same revision.
        session.add(
            DefinitionRevision(
                kind=new.kind,
                key=new.key,
                revision=new.revision,
                content_hash="0" * 64,
                document=dict(new.document),
                status="draft",
                author="other",
            )
        )
        replace_active(session, current, new)

    monkeypatch.setattr(registry, "_replace_active", concurrent_writer_wins)
    changed = OPTIONS.replace("Leaks", "Water leak")

    with pytest.raises(DefinitionError, match="saved at the same time; nothing was written"):
        registry.install_pack(
            session, demo_pack(tmp_path, **{"options/fault_codes.yaml": changed}), author="cli"
        )

    assert count_rows(session) == 3
    assert registry.active_generation(session) == 1


def test_two_installs_at_once_create_one_active_revision_per_key(
    database: MigratedDatabase, tmp_path: Path
) -> None:
    pack = demo_pack(tmp_path)
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def install() -> None:
        engine = database.new_engine()
        try:
            with Session(engine) as own_session:
                start.wait()
                try:
                    outcomes.append(registry.install_pack(own_session, pack, author="cli"))
                except DefinitionError as error:
                    outcomes.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=install) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    reports = [o for o in outcomes if isinstance(o, registry.InstallReport)]
    errors = [o for o in outcomes if isinstance(o, DefinitionError)]
    assert len(outcomes) == 2
    # The second either waited for the first and found nothing to do, or lost the race cleanly.
    assert sorted(len(r.created) for r in reports) in ([0, 3], [3])
    assert all(registry.CONCURRENT_CHANGE == e.message for e in errors)
    engine = database.new_engine()
    try:
        with Session(engine) as check:
            assert count_rows(check) == 3
            assert len(registry.active_revisions(check)) == 3
            assert registry.active_generation(check) == 1
    finally:
        engine.dispose()


def test_the_state_row_is_created_once(session: Session, tmp_path: Path) -> None:
    assert registry.active_generation(session) == 0
    registry.install_pack(session, demo_pack(tmp_path), author="cli")
    rows = session.scalars(sa.select(DefinitionSetState)).all()
    assert [(row.id, row.generation) for row in rows] == [(1, 1)]


def _department(key: str, parent: str | None = None) -> dict[str, object]:
    spec: dict[str, object] = {} if parent is None else {"parent": parent}
    return {"kind": "Department", "key": key, "title": {"en": key.title()}, "spec": spec}
