"""Problems: the structured errors (and warnings) validation reports.

Every stage of validation — parse, JSON Schema, semantic, pack samples — reports
:class:`Problem` objects, never raises on the first one. The CLI prints them one per line as
``FILE:LINE:COL: $.json.path: message``; the API and the admin GUI show the same fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
JsonPath = tuple[str | int, ...]


def format_json_path(path: Sequence[str | int]) -> str:
    """Render a path as JSONPath: ``("spec", "fields", 2, "type")`` → ``$.spec.fields[2].type``."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation finding, positioned in its source file.

    :param code: stable identifier, e.g. ``schema.enum`` or ``ref.unknown_workflow``.
    :param message: names the bad value, e.g. ``unknown field type 'txt'``.
    :param file: the source file (or ``<db:Kind/key@rev>`` for stored revisions).
    :param line: 1-based line, 0 when unknown.
    :param column: 1-based column, 0 when unknown.
    :param path: JSON path inside the document (``("spec", "fields", 2, "type")``).
    :param hint: a "did you mean" suggestion, when one exists.
    """

    code: str
    message: str
    file: str = "<unknown>"
    line: int = 0
    column: int = 0
    path: JsonPath = ()
    hint: str | None = None
    severity: Severity = "error"
    kind: str | None = None
    key: str | None = None

    @property
    def json_path(self) -> str:
        return format_json_path(self.path)

    def format(self) -> str:
        """The one-line CLI form: ``FILE:LINE:COL: $.path: message (hint)``."""
        text = f"{self.file}:{self.line}:{self.column}: {self.json_path}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        if self.severity == "warning":
            text = f"{text} [warning]"
        return text

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form for the API and the admin GUI."""
        return {
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.json_path,
            "hint": self.hint,
            "severity": self.severity,
            "kind": self.kind,
            "key": self.key,
        }


@dataclass
class ProblemList:
    """An ordered collection of problems with helpers for the common questions."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def __bool__(self) -> bool:
        return bool(self.errors)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Problem]:
        """Problems in file, line, column order — the order a reader fixes them in."""
        return sorted(self.items, key=lambda p: (p.file, p.line, p.column, p.json_path))


def did_you_mean(value: object, candidates: Iterable[str]) -> str | None:
    """Suggest the closest candidate to a misspelled name, or ``None``."""
    import difflib

    if not isinstance(value, str):
        return None
    matches = difflib.get_close_matches(value, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean {matches[0]!r}?" if matches else None
