"""Definition packs: a folder with ``pack.yaml``, definition files and sample tickets.

:func:`load_pack` reads one pack folder, :func:`load_paths` any mix of pack folders, plain
folders and single files (what ``gongdan pack validate definitions/*`` passes). Both collect
every problem — a broken ``pack.yaml``, a file that does not parse, a definition defined twice,
a malformed sample — instead of stopping at the first. :func:`export_definitions` writes a
definition set back as a pack folder.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gongdan.definitions.documents import Definition, SourceMap
from gongdan.definitions.export import KIND_FOLDERS, definition_file, export_definitions
from gongdan.definitions.loader import JSON_SUFFIXES, YAML_SUFFIXES, load_file
from gongdan.definitions.problems import JsonPath, Problem, Severity
from gongdan.definitions.schema import validate_document

__all__ = [
    "KIND_FOLDERS",
    "LoadedPack",
    "PackMeta",
    "Sample",
    "definition_file",
    "export_definitions",
    "load_pack",
    "load_paths",
]

PACK_FILE = "pack.yaml"
SAMPLES = "samples"
_SUFFIXES = YAML_SUFFIXES + JSON_SUFFIXES


@dataclass(frozen=True, slots=True)
class PackMeta:
    """What ``pack.yaml`` says: identity, version and requirements of a pack."""

    key: str
    version: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    requires_gongdan: str | None
    requires_plugins: tuple[str, ...]
    document: Mapping[str, Any]
    source: SourceMap | None = None

    @property
    def file(self) -> str:
        return self.source.file if self.source is not None else PACK_FILE

    def problem(
        self,
        code: str,
        message: str,
        path: JsonPath = (),
        *,
        hint: str | None = None,
        severity: Severity = "error",
    ) -> Problem:
        """A :class:`Problem` positioned at ``path`` inside ``pack.yaml``."""
        line, column = self.source.position(path) if self.source else (0, 0)
        return Problem(
            code=code,
            message=message,
            file=self.file,
            line=line,
            column=column,
            path=tuple(path),
            hint=hint,
            severity=severity,
        )


@dataclass(frozen=True, slots=True)
class Sample:
    """One sample ticket of a pack and what the pack must do with it (run by ``pack test``)."""

    name: str
    data: Mapping[str, Any]
    file: str
    line: int
    pack: str | None = None
    source: SourceMap | None = None


@dataclass(frozen=True, slots=True)
class LoadedPack:
    """Everything read from a pack folder (or from several paths), with every problem met."""

    meta: PackMeta | None
    definitions: tuple[Definition, ...]
    samples: tuple[Sample, ...]
    problems: tuple[Problem, ...]
    root: Path

    @property
    def key(self) -> str | None:
        return self.meta.key if self.meta is not None else None

    @property
    def ok(self) -> bool:
        """True when loading found no errors (validation may still find some)."""
        return not any(p.severity == "error" for p in self.problems)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, else as given."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _anonymous(problem: Problem) -> Problem:
    """Problems in ``pack.yaml`` or samples belong to no definition kind/key."""
    return dataclasses.replace(problem, kind=None, key=None)


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text.split("+")[0].split("-")[0]))


def _satisfies(version: str, requirement: str) -> bool | None:
    """Does ``version`` meet ``requirement`` (``">=0.1, <2"``)? ``None`` if unreadable."""
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
    except ImportError:  # packaging is common but not a declared dependency
        return _satisfies_simply(version, requirement)
    try:
        return SpecifierSet(requirement).contains(version, prereleases=True)
    except InvalidSpecifier:
        return None


def _satisfies_simply(version: str, requirement: str) -> bool | None:
    have = _version_tuple(version)
    for clause in requirement.split(","):
        found = re.fullmatch(r"\s*(==|!=|<=|>=|<|>|~=)\s*([0-9][0-9.]*)\s*", clause)
        if found is None:
            return None
        op, wanted = found.group(1), _version_tuple(found.group(2))
        width = max(len(have), len(wanted))
        left, right = have + (0,) * (width - len(have)), wanted + (0,) * (width - len(wanted))
        compatible = left >= right and have[: len(wanted) - 1] == wanted[:-1]
        checks = {
            "==": left == right,
            "!=": left != right,
            "<=": left <= right,
            ">=": left >= right,
            "<": left < right,
            ">": left > right,
            "~=": compatible,
        }
        if not checks[op]:
            return False
    return True


def _read_meta(root: Path) -> tuple[PackMeta | None, list[Problem]]:
    file = root / PACK_FILE
    display = display_path(file)
    if not file.is_file():
        message = f"{display_path(root)!r} has no {PACK_FILE}"
        hint = "a pack needs pack.yaml with key, version and title"
        return None, [Problem(code="pack.missing_meta", message=message, file=display, hint=hint)]
    documents, problems = load_file(file, display)
    if not documents:
        if not problems:
            problems.append(
                Problem(code="pack.missing_meta", message="pack.yaml is empty", file=display)
            )
        return None, [_anonymous(p) for p in problems]
    if len(documents) > 1:
        extra = documents[1]
        problems.append(extra.problem("pack.several_documents", "pack.yaml holds one document"))
    document = documents[0]
    problems.extend(validate_document("pack", document))
    data = document.document
    requires = data.get("requires") if isinstance(data.get("requires"), Mapping) else {}
    plugins = requires.get("plugins") if isinstance(requires.get("plugins"), list) else []
    gongdan = requires.get("gongdan")
    meta = PackMeta(
        key=data["key"] if isinstance(data.get("key"), str) else "",
        version=data["version"] if isinstance(data.get("version"), str) else "",
        title=data["title"] if isinstance(data.get("title"), Mapping) else {},
        description=data["description"] if isinstance(data.get("description"), Mapping) else {},
        requires_gongdan=gongdan if isinstance(gongdan, str) else None,
        requires_plugins=tuple(p for p in plugins if isinstance(p, str)),
        document=data,
        source=document.source,
    )
    problems.extend(_check_gongdan_version(meta, problems))
    return meta, [_anonymous(p) for p in problems]


def _check_gongdan_version(meta: PackMeta, found: Sequence[Problem]) -> list[Problem]:
    from gongdan import __version__

    requirement = meta.requires_gongdan
    path = ("requires", "gongdan")
    if requirement is None or any(p.path == path for p in found):
        return []
    satisfied = _satisfies(__version__, requirement)
    if satisfied is None:
        message = f"{requirement!r} is not a version requirement such as '>=0.1'"
        return [meta.problem("pack.requires_gongdan", message, path)]
    if not satisfied:
        message = f"the pack needs gongdan {requirement}, this is gongdan {__version__}"
        return [meta.problem("pack.requires_gongdan", message, path, hint="upgrade gongdan")]
    return []


def _files(folder: Path, *, skip_samples: bool) -> list[Path]:
    """Definition files under ``folder``: YAML/JSON, no hidden folders, no pack.yaml."""
    out = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or path.suffix.lower() not in _SUFFIXES:
            continue
        if any(part.startswith(".") for part in relative.parts):
            continue
        if relative.as_posix() == PACK_FILE or (skip_samples and relative.parts[0] == SAMPLES):
            continue
        out.append(path)
    return out


def _load_definitions(
    files: Iterable[Path], pack: str | None
) -> tuple[list[Definition], list[Problem]]:
    definitions: list[Definition] = []
    problems: list[Problem] = []
    for path in files:
        loaded, found = load_file(path, display_path(path))
        problems.extend(found)
        definitions.extend(dataclasses.replace(d, pack=pack) for d in loaded)
    return definitions, problems


def _load_samples(root: Path, pack: str | None) -> tuple[list[Sample], list[Problem]]:
    folder = root / SAMPLES
    if not folder.is_dir():
        return [], []
    samples: list[Sample] = []
    problems: list[Problem] = []
    for path in _files(folder, skip_samples=False):
        loaded, found = load_file(path, display_path(path))
        from_file: list[Problem] = []
        for problem in found:
            if problem.code == "parse.not_a_mapping":
                message = "a sample must be a mapping with name, ticket and expect"
                problem = dataclasses.replace(problem, message=message)
            from_file.append(problem)
        for index, document in enumerate(loaded):
            from_file.extend(_anonymous(p) for p in validate_document("sample", document))
            name = document.document.get("name")
            line = document.source.position(())[0] if document.source else 0
            samples.append(
                Sample(
                    name=name if isinstance(name, str) else f"{path.stem}#{index + 1}",
                    data=document.document,
                    file=document.file,
                    line=line,
                    pack=pack,
                    source=document.source,
                )
            )
        problems.extend(sorted(from_file, key=lambda p: (p.line, p.column)))
    return samples, problems


def _without_duplicates(
    definitions: Sequence[Definition],
) -> tuple[list[Definition], list[Problem]]:
    """Keep the first of each ``(kind, key)``; report every later one where it is written."""
    first: dict[tuple[str, str], Definition] = {}
    kept: list[Definition] = []
    problems: list[Problem] = []
    for definition in definitions:
        identity = (definition.kind, definition.key)
        if not all(identity):  # the schema stage reports a missing kind or key
            kept.append(definition)
            continue
        original = first.setdefault(identity, definition)
        if original is definition:
            kept.append(definition)
            continue
        line = original.source.position(("key",))[0] if original.source else 0
        where = f"{original.file}:{line}" if line else original.file
        problems.append(
            definition.problem(
                "pack.duplicate_definition",
                f"{definition.kind} {definition.key!r} is defined twice (first in {where})",
                ("key",),
                hint="rename one of them or remove the copy",
            )
        )
    return kept, problems


def load_pack(path: Path) -> LoadedPack:
    """Read a pack folder: ``pack.yaml``, every definition file and ``samples/``.

    Never raises on bad content: every problem is in :attr:`LoadedPack.problems`.
    """
    if not path.is_dir():
        problem = Problem(
            code="pack.not_found",
            message=f"{display_path(path)!r} is not a pack folder",
            file=display_path(path),
        )
        return LoadedPack(None, (), (), (problem,), path)
    meta, problems = _read_meta(path)
    key = (meta.key or None) if meta is not None else None
    definitions, found = _load_definitions(_files(path, skip_samples=True), key)
    problems.extend(found)
    definitions, found = _without_duplicates(definitions)
    problems.extend(found)
    samples, found = _load_samples(path, key)
    problems.extend(found)
    return LoadedPack(meta, tuple(definitions), tuple(samples), tuple(problems), path)


def load_paths(paths: Sequence[Path]) -> LoadedPack:
    """Read any mix of pack folders, plain folders and single files as one definition set.

    ``meta`` is the pack's when exactly one pack folder is given; a ``(kind, key)`` defined
    twice anywhere in the set is a ``pack.duplicate_definition`` problem at the second one.
    """
    metas: list[PackMeta] = []
    definitions: list[Definition] = []
    samples: list[Sample] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir() and (path / PACK_FILE).is_file():
            pack = load_pack(path)
            metas.extend([pack.meta] if pack.meta is not None else [])
            # Duplicates are checked again over the whole set below.
            definitions.extend(pack.definitions)
            samples.extend(pack.samples)
            problems.extend(pack.problems)
        elif path.is_dir():
            loaded, found = _load_definitions(_files(path, skip_samples=True), None)
            definitions.extend(loaded)
            problems.extend(found)
        elif path.is_file():
            loaded, found = _load_definitions([path], None)
            definitions.extend(loaded)
            problems.extend(found)
        else:
            shown = display_path(path)
            message = f"{shown!r} does not exist"
            problems.append(Problem(code="pack.not_found", message=message, file=shown))
    definitions, found = _without_duplicates(definitions)
    problems.extend(found)
    root = paths[0] if len(paths) == 1 else Path.cwd()
    meta = metas[0] if len(metas) == 1 and len(paths) == 1 else None
    return LoadedPack(meta, tuple(definitions), tuple(samples), tuple(problems), root)
