"""Definition packs as zip archives: read an uploaded one safely, write the active set as one.

:func:`read_archive` turns the bytes of a zip into its files in memory and refuses anything
unsafe first — entries outside the pack's folder (``../``, absolute paths), links and other
special files, encrypted or damaged entries, too many files, too many bytes (counted while
decompressing, not only as the headers claim) — and finds the folder holding ``pack.yaml``.
:func:`load_pack_archive` writes those files to a temporary folder, loads them with
:func:`~gongdan.definitions.packs.load_pack` and names every file as it is inside the zip.
:func:`export_pack_archive` writes definitions as a zip that loads back to the same hashes.

Nothing here touches the database; the temporary folders are gone when the functions return.
"""

from __future__ import annotations

import dataclasses
import io
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from gongdan.definitions.documents import Definition
from gongdan.definitions.packs import PACK_FILE, LoadedPack, display_path, load_pack
from gongdan.definitions.problems import Problem
from gongdan.errors import PackArchiveError

__all__ = [
    "ArchiveLimits",
    "PackFiles",
    "archive_folder",
    "export_pack_archive",
    "load_pack_archive",
    "read_archive",
    "write_pack_files",
]

#: What macOS adds to the zips it makes (resource forks): never part of a pack.
_MACOS_JUNK = "__MACOSX"
_CHUNK = 64 * 1024
_MAX_NAME_BYTES = 255
_MAX_PATH_CHARS = 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
#: A fixed time for exported entries, so one active set always gives the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """How much an archive may hold once unpacked (a pack is some hundred kilobytes)."""

    max_files: int = 1000
    max_file_bytes: int = 4 * 1024 * 1024
    max_total_bytes: int = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PackFiles:
    """The regular files of a pack archive, by path relative to the pack's folder.

    ``folder`` is the archive's top-level folder holding ``pack.yaml`` (``"after_sales"``), or
    ``""`` when ``pack.yaml`` lies at the top of the archive.
    """

    files: Mapping[str, bytes]
    folder: str = ""

    def archive_name(self, relative: str) -> str:
        """The name of a pack file inside the archive: ``after_sales/pack.yaml``."""
        return f"{self.folder}/{relative}" if self.folder else relative


# ----------------------------------------------------------------------------------- reading


def _unsafe(message: str, member: str) -> PackArchiveError:
    return PackArchiveError(message, reason="unsafe_path", member=member)


def _member_name(info: zipfile.ZipInfo) -> str | None:
    """The entry's path inside the archive, normalised; ``None`` for folders and macOS junk.

    :raises PackArchiveError: the path leaves the archive's folder or is not a plain file.
    """
    raw = info.filename
    name = raw.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        raise _unsafe(f"{raw!r} is an absolute path", raw)
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise _unsafe(f"{raw!r} points outside the archive's folder", raw)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise PackArchiveError(f"{raw!r} is a symbolic link", reason="link", member=raw)
    if info.is_dir() or stat.S_ISDIR(mode) or not parts:
        return None
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # no type bits: a plain file
        raise PackArchiveError(f"{raw!r} is not a regular file", reason="link", member=raw)
    if parts[0] == _MACOS_JUNK:
        return None
    joined = "/".join(parts)
    if len(joined) > _MAX_PATH_CHARS or any(
        len(part.encode("utf-8")) > _MAX_NAME_BYTES for part in parts
    ):
        raise _unsafe(f"{raw!r} is too long a name", raw)
    if info.flag_bits & 0x1:
        raise PackArchiveError(f"{raw!r} is encrypted", reason="encrypted", member=raw)
    return joined


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: ArchiveLimits, total: int
) -> bytes:
    """The entry's content, decompressed in chunks and counted against the limits as it comes.

    Headers can lie about sizes; the count of bytes actually produced is what is checked.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limits.max_file_bytes:
                    raise _file_too_large(name, limits)
                if total + size > limits.max_total_bytes:
                    raise _too_large(limits)
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise PackArchiveError(
            f"{name!r} is damaged and cannot be unpacked ({exc})", reason="damaged", member=name
        ) from exc
    return b"".join(chunks)


def _file_too_large(name: str, limits: ArchiveLimits) -> PackArchiveError:
    return PackArchiveError(
        f"{name!r} is larger than {limits.max_file_bytes} bytes once unpacked",
        reason="file_too_large",
        member=name,
        limit=limits.max_file_bytes,
    )


def _too_large(limits: ArchiveLimits) -> PackArchiveError:
    return PackArchiveError(
        f"the archive holds more than {limits.max_total_bytes} bytes once unpacked",
        reason="too_large",
        limit=limits.max_total_bytes,
    )


def _pack_folder(names: Iterable[str]) -> str:
    """The folder holding ``pack.yaml``: the top of the archive or its only top-level folder."""
    names = list(names)
    if PACK_FILE in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1:
        (top,) = tops
        if f"{top}/{PACK_FILE}" in names:
            return top
    raise PackArchiveError(
        f"the archive has no {PACK_FILE} at its top or in its only top-level folder",
        reason="no_pack_file",
    )


def read_archive(data: bytes, limits: ArchiveLimits | None = None) -> PackFiles:
    """The files of the pack archive ``data``, read in memory after every safety check.

    :raises PackArchiveError: ``data`` is not a zip, an entry is unsafe (outside the folder, a
        link, encrypted, damaged, a duplicate), the archive breaks ``limits``, or it holds no
        ``pack.yaml``. Nothing is written anywhere.
    """
    limits = limits or ArchiveLimits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise PackArchiveError("the file is not a zip archive", reason="not_a_zip") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_files:
            raise PackArchiveError(
                f"the archive holds {len(infos)} entries, more than {limits.max_files}",
                reason="too_many_files",
                limit=limits.max_files,
            )
        members: list[tuple[str, zipfile.ZipInfo]] = []
        seen: set[str] = set()
        declared = 0
        for info in infos:
            name = _member_name(info)
            if name is None:
                continue
            if name in seen:
                raise PackArchiveError(
                    f"{name!r} is in the archive twice", reason="duplicate", member=name
                )
            seen.add(name)
            # Refuse what the headers admit to before decompressing anything.
            if info.file_size > limits.max_file_bytes:
                raise _file_too_large(name, limits)
            declared += info.file_size
            if declared > limits.max_total_bytes:
                raise _too_large(limits)
            members.append((name, info))
        folder = _pack_folder(seen)
        files: dict[str, bytes] = {}
        total = 0
        for name, info in members:
            content = _read_member(archive, info, name, limits, total)
            total += len(content)
            files[name[len(folder) + 1 :] if folder else name] = content
    return PackFiles(files=files, folder=folder)


# --------------------------------------------------------------------------- unpacking, loading


def write_pack_files(pack_files: PackFiles, target: Path) -> None:
    """Write the files into the (empty) folder ``target``, never outside it, never over a file.

    :raises PackArchiveError: two entries clash (a file and a folder of one name).
    """
    root = target.resolve()
    for relative, content in pack_files.files.items():
        path = root / relative
        if not path.resolve().is_relative_to(root):  # read_archive refused it already
            raise _unsafe(f"{relative!r} points outside the archive's folder", relative)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("xb") as file:
                file.write(content)
        except OSError as exc:
            name = pack_files.archive_name(relative)
            raise PackArchiveError(
                f"{name!r} cannot be unpacked: {exc.strerror or exc}",
                reason="unsafe_path",
                member=name,
            ) from exc


def _renamer(root: Path, pack_files: PackFiles) -> Callable[[str], str]:
    """A function giving each temporary file name its name inside the archive."""
    shown = display_path(root)
    prefix = f"{shown}/"
    folder = f"{pack_files.folder}/" if pack_files.folder else ""

    def rename(text: str) -> str:
        return text.replace(prefix, folder) if prefix in text else text

    return rename


def _renamed_problem(problem: Problem, rename: Callable[[str], str]) -> Problem:
    return dataclasses.replace(
        problem,
        file=rename(problem.file),
        message=rename(problem.message),
        hint=rename(problem.hint) if problem.hint else problem.hint,
    )


def _renamed_source(item: Any, rename: Callable[[str], str]) -> Any:
    if item is None or item.source is None:
        return item
    return dataclasses.replace(
        item, source=dataclasses.replace(item.source, file=rename(item.source.file))
    )


def load_pack_archive(data: bytes, limits: ArchiveLimits | None = None) -> LoadedPack:
    """Read, check, unpack and load the pack archive ``data``, as the CLI loads a folder.

    Files and problems are named as inside the archive (``after_sales/ticket_types/repair.yaml``);
    the temporary folder is removed before this returns.

    :raises PackArchiveError: the archive itself is unsafe or unreadable (see
        :func:`read_archive`). Bad content (invalid YAML, schema errors) is in the problems.
    """
    pack_files = read_archive(data, limits)
    with tempfile.TemporaryDirectory(prefix="gongdan-pack-") as temporary:
        root = Path(temporary) / "pack"
        root.mkdir()
        write_pack_files(pack_files, root)
        loaded = load_pack(root)
        rename = _renamer(root, pack_files)
    return LoadedPack(
        meta=_renamed_source(loaded.meta, rename),
        definitions=tuple(_renamed_source(d, rename) for d in loaded.definitions),
        samples=tuple(
            dataclasses.replace(_renamed_source(s, rename), file=rename(s.file))
            for s in loaded.samples
        ),
        problems=tuple(_renamed_problem(p, rename) for p in loaded.problems),
        root=Path(pack_files.folder or "."),
    )


# ---------------------------------------------------------------------------------- exporting


def archive_folder(folder: Path, *, prefix: str = "") -> bytes:
    """Every file under ``folder`` as a zip (entries under ``prefix/``), sorted and dated alike.

    The same files always give the same bytes, so one active set downloads identically.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = path.relative_to(folder).as_posix()
            name = str(PurePosixPath(prefix) / relative) if prefix else relative
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def export_pack_archive(definitions: Iterable[Definition], meta: Mapping[str, Any]) -> bytes:
    """``definitions`` as a pack zip (folder named by ``meta["key"]``) that installs back to
    the same content hashes; ``meta`` is the content of its ``pack.yaml``."""
    from gongdan.definitions.export import export_definitions

    key = str(meta.get("key") or "pack")
    with tempfile.TemporaryDirectory(prefix="gongdan-export-") as temporary:
        root = Path(temporary) / key
        export_definitions(definitions, root, meta=meta)
        return archive_folder(root, prefix=key)
