"""Definitions as loaded: the envelope, its plain data, and where each node came from."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gongdan.definitions.problems import JsonPath, Problem, Severity


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Line and column (1-based) of every node of one document in its file.

    ``positions`` maps a JSON path to the position of the node's *value*; ``key_positions``
    maps it to the position of the mapping key that introduces it (used for "unknown key").
    """

    file: str
    positions: Mapping[JsonPath, tuple[int, int]] = field(default_factory=dict)
    key_positions: Mapping[JsonPath, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: JsonPath, *, of_key: bool = False) -> tuple[int, int]:
        """Position of ``path``, or of its nearest ancestor that has one."""
        table = self.key_positions if of_key else self.positions
        probe = tuple(path)
        while True:
            if probe in table:
                return table[probe]
            if of_key and probe in self.positions:
                return self.positions[probe]
            if not probe:
                return (0, 0)
            probe = probe[:-1]


def canonical_json(data: Any) -> str:
    """Key-sorted, whitespace-free JSON: the form content hashes are taken over."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Definition:
    """One definition: ``kind``, ``key``, ``title`` and ``spec`` as plain Python data.

    ``document`` is the whole envelope as written (it may hold keys the schema rejects);
    ``source`` says where it came from, or is ``None`` for revisions read from the database
    (then ``origin`` names the revision, e.g. ``<db:TicketType/repair@3>``).
    """

    kind: str
    key: str
    document: Mapping[str, Any]
    source: SourceMap | None = None
    origin: str | None = None
    pack: str | None = None

    @property
    def title(self) -> Mapping[str, str]:
        title = self.document.get("title")
        return title if isinstance(title, Mapping) else {}

    @property
    def spec(self) -> Mapping[str, Any]:
        spec = self.document.get("spec")
        return spec if isinstance(spec, Mapping) else {}

    @property
    def ref(self) -> str:
        """``Kind/key``, the name used in messages and caches."""
        return f"{self.kind}/{self.key}"

    @property
    def file(self) -> str:
        if self.source is not None:
            return self.source.file
        return self.origin or f"<{self.ref}>"

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical envelope (kind, key, title, description, spec).

        Formatting, comments and key order in the file do not change it, so re-installing an
        unchanged pack or exporting and re-importing the active set gives the same hashes.
        """
        body: dict[str, Any] = {"kind": self.kind, "key": self.key, "title": dict(self.title)}
        if isinstance(self.document.get("description"), Mapping):
            body["description"] = dict(self.document["description"])
        body["spec"] = self.spec
        return hashlib.sha256(canonical_json(body).encode()).hexdigest()

    def problem(
        self,
        code: str,
        message: str,
        path: JsonPath = (),
        *,
        hint: str | None = None,
        severity: Severity = "error",
        of_key: bool = False,
    ) -> Problem:
        """A :class:`Problem` positioned at ``path`` inside this document."""
        line, column = self.source.position(path, of_key=of_key) if self.source else (0, 0)
        return Problem(
            code=code,
            message=message,
            file=self.file,
            line=line,
            column=column,
            path=tuple(path),
            hint=hint,
            severity=severity,
            kind=self.kind,
            key=self.key,
        )
