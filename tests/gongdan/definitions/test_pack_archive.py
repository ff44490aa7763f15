"""Pack archives: unsafe or broken zips are refused before anything is written; exports re-install
to the same content hashes."""

from __future__ import annotations

import io
import stat
import struct
import warnings
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.definitions.models import DefinitionRevision, DefinitionSetState
from gongdan.definitions.pack_archive import (
    ArchiveLimits,
    PackFiles,
    export_pack_archive,
    load_pack_archive,
    read_archive,
    write_pack_files,
)
from gongdan.definitions.packs import load_pack
from gongdan.definitions.registry import active_definitions, active_revisions, install_pack
from gongdan.definitions.validate import validate_pack
from gongdan.errors import PackArchiveError

REPO = Path(__file__).resolve().parents[3]
AFTER_SALES = REPO / "definitions" / "after_sales"
MINIMAL = Path(__file__).parent / "fixtures" / "minimal"

PACK_YAML = b"key: demo\nversion: 1.0.0\ntitle: {en: Demo}\n"
DEPARTMENT = b"kind: Department\nkey: lab\ntitle: {en: Lab}\nspec: {}\n"


def zip_of(entries: dict[str, bytes], *, mode: int | None = None) -> bytes:
    """A zip holding ``entries`` (name → content), each with Unix ``mode`` when given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def folder_zip(folder: Path, prefix: str) -> bytes:
    """The files of ``folder`` zipped under ``prefix/``, as a person's zip tool would."""
    entries = {
        f"{prefix}/{path.relative_to(folder).as_posix()}": path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    return zip_of(entries)


def refused(data: bytes, limits: ArchiveLimits | None = None) -> PackArchiveError:
    with pytest.raises(PackArchiveError) as caught:
        read_archive(data, limits)
    return caught.value


# ---------------------------------------------------------------------------------- good zips


def test_a_pack_zipped_in_a_folder_or_flat_is_read_and_macos_junk_ignored() -> None:
    nested = read_archive(
        zip_of(
            {
                "demo/pack.yaml": PACK_YAML,
                "demo/departments/lab.yaml": DEPARTMENT,
                "__MACOSX/demo/._pack.yaml": b"\x00\x05",
            }
        )
    )
    assert nested.folder == "demo"
    assert set(nested.files) == {"pack.yaml", "departments/lab.yaml"}

    flat = read_archive(zip_of({"pack.yaml": PACK_YAML, "departments/": b""}))
    assert flat.folder == ""
    assert set(flat.files) == {"pack.yaml"}


def test_problems_name_files_as_they_are_inside_the_zip() -> None:
    data = zip_of(
        {"demo/pack.yaml": PACK_YAML, "demo/departments/lab.yaml": b"kind: Department\nkey: [\n"}
    )
    pack = load_pack_archive(data)
    assert pack.key == "demo"
    (problem,) = [p for p in pack.problems if p.severity == "error"]
    assert problem.file == "demo/departments/lab.yaml"
    assert problem.line > 0


def test_a_pack_needing_an_absent_plugin_is_reported() -> None:
    meta = PACK_YAML + b"requires: {plugins: [spare_parts]}\n"
    pack = load_pack_archive(zip_of({"pack.yaml": meta, "lab.yaml": DEPARTMENT}))
    problems = validate_pack(pack)
    assert [(p.code, p.file, p.json_path) for p in problems] == [
        ("pack.requires_plugin", "pack.yaml", "$.requires.plugins[0]")
    ]


# ----------------------------------------------------------------------------------- bad zips


@pytest.mark.parametrize("data", [b"", b"key: demo\n", b"PK\x03\x04 truncated"])
def test_what_is_not_a_zip_is_refused(data: bytes) -> None:
    assert refused(data).reason == "not_a_zip"


@pytest.mark.parametrize(
    "name",
    [
        "../evil.yaml",
        "demo/../../evil.yaml",
        "/etc/evil.yaml",
        "..\\evil.yaml",
        "C:/evil.yaml",
        "demo/./../../../evil.yaml",
    ],
)
def test_entries_outside_the_folder_are_refused(name: str) -> None:
    error = refused(zip_of({"demo/pack.yaml": PACK_YAML, name: DEPARTMENT}))
    assert error.reason == "unsafe_path"
    assert error.member == name


def test_symbolic_links_are_refused() -> None:
    data = zip_of({"pack.yaml": b"/etc/passwd"}, mode=stat.S_IFLNK | 0o777)
    error = refused(data)
    assert (error.reason, error.member) == ("link", "pack.yaml")


def test_encrypted_entries_are_refused() -> None:
    # zipfile cannot encrypt: set the "encrypted" flag in both headers by hand.
    patched = bytearray(zip_of({"pack.yaml": PACK_YAML}))
    patched[patched.find(b"PK\x03\x04") + 6] |= 0x1
    patched[patched.find(b"PK\x01\x02") + 8] |= 0x1
    assert refused(bytes(patched)).reason == "encrypted"


def test_a_name_twice_is_refused() -> None:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it writes
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("pack.yaml", PACK_YAML)
            archive.writestr("pack.yaml", b"key: other\n")
    assert refused(buffer.getvalue()).reason == "duplicate"


def test_too_many_files_are_refused_before_reading_any() -> None:
    entries = {"pack.yaml": PACK_YAML, **{f"d/{n}.yaml": DEPARTMENT for n in range(5)}}
    error = refused(zip_of(entries), ArchiveLimits(max_files=5))
    assert (error.reason, error.limit) == ("too_many_files", 5)


def test_a_zip_bomb_is_refused() -> None:
    # 36 MB of zeros compress to some 40 KB: each file within the limit, all of them over it.
    bomb = zip_of({"pack.yaml": PACK_YAML, **{f"{n}.yaml": bytes(4 << 20) for n in range(9)}})
    assert len(bomb) < 200_000
    assert refused(bomb).reason == "too_large"


def test_one_huge_file_is_refused() -> None:
    data = zip_of({"pack.yaml": PACK_YAML, "huge.yaml": b"#" * 5000})
    error = refused(data, ArchiveLimits(max_file_bytes=4096))
    assert (error.reason, error.member) == ("file_too_large", "huge.yaml")


def _understate_size(data: bytes, claimed: int) -> bytes:
    """Rewrite the sizes a one-entry zip declares (local and central headers) to ``claimed``."""
    patched = bytearray(data)
    local = patched.find(b"PK\x03\x04")
    patched[local + 22 : local + 26] = struct.pack("<I", claimed)
    central = patched.find(b"PK\x01\x02")
    patched[central + 24 : central + 28] = struct.pack("<I", claimed)
    return bytes(patched)


def test_headers_that_understate_the_size_do_not_let_a_bomb_through() -> None:
    data = _understate_size(zip_of({"pack.yaml": bytes(8 << 20)}), 100)
    limits = ArchiveLimits(max_file_bytes=1 << 20, max_total_bytes=1 << 20)
    error = refused(data, limits)
    # Whatever the headers say, no more than they claim is ever decompressed: the entry is
    # cut there and fails its checksum.
    assert error.reason in {"damaged", "file_too_large", "too_large"}


@pytest.mark.parametrize(
    "entries",
    [
        {"departments/lab.yaml": DEPARTMENT},
        {"one/pack.yaml": PACK_YAML, "two/lab.yaml": DEPARTMENT},
        {"deep/er/pack.yaml": PACK_YAML},
        {},
    ],
)
def test_an_archive_without_pack_yaml_is_refused(entries: dict[str, bytes]) -> None:
    assert refused(zip_of(entries)).reason == "no_pack_file"


def test_a_file_clashing_with_a_folder_is_refused_inside_the_target(tmp_path: Path) -> None:
    files = PackFiles({"pack.yaml": PACK_YAML, "a": b"x", "a/b.yaml": DEPARTMENT})
    with pytest.raises(PackArchiveError) as caught:
        write_pack_files(files, tmp_path)
    assert caught.value.member in {"a", "a/b.yaml"}
    assert {p.name for p in tmp_path.parent.iterdir()} >= {tmp_path.name}


def test_a_refused_archive_leaves_no_temporary_folder(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(PackArchiveError):
        load_pack_archive(zip_of({"pack.yaml": PACK_YAML, "../x.yaml": DEPARTMENT}))
    load_pack_archive(zip_of({"pack.yaml": PACK_YAML, "x.yaml": DEPARTMENT}))
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------- round trip


def _hashes(session: Session) -> dict[tuple[str, str], str]:
    return {(r.kind, r.key): r.content_hash for r in active_revisions(session)}


def test_the_exported_active_set_installs_into_an_empty_database_with_the_same_hashes(
    session: Session,
) -> None:
    install_pack(session, load_pack(AFTER_SALES), author="test")
    installed = _hashes(session)
    meta = {"key": "exported", "version": "1.0.0", "title": {"en": "Exported"}}
    data = export_pack_archive(active_definitions(session), meta)
    assert data == export_pack_archive(active_definitions(session), meta)  # deterministic

    session.execute(sa.delete(DefinitionRevision))
    session.execute(sa.delete(DefinitionSetState))
    session.commit()
    assert _hashes(session) == {}

    pack = load_pack_archive(data)
    assert not [p for p in pack.problems if p.severity == "error"]
    report = install_pack(session, pack, author="test")
    assert len(report.created) == len(installed)
    assert _hashes(session) == installed
    assert {r.pack_key for r in active_revisions(session)} == {"exported"}


def test_a_pack_zipped_by_hand_loads_like_its_folder() -> None:
    from_folder = load_pack(MINIMAL)
    from_zip = load_pack_archive(folder_zip(MINIMAL, "minimal"))
    assert from_zip.problems == ()
    assert {(d.kind, d.key, d.content_hash) for d in from_zip.definitions} == {
        (d.kind, d.key, d.content_hash) for d in from_folder.definitions
    }
    assert len(from_zip.samples) == len(from_folder.samples)
    assert {d.file.split("/")[0] for d in from_zip.definitions} == {"minimal"}
