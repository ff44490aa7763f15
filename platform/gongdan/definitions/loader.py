"""Read definition files (YAML or JSON) into :class:`Definition` objects with line numbers.

The loader never raises on bad input: a malformed file, a duplicate key or a document that is
not a mapping becomes a :class:`Problem` at the line and column the admin has to look at. Every
value and every mapping key is recorded in the document's :class:`SourceMap`, so the later
stages (JSON Schema, semantic checks) can point at the exact spot too.

YAML is read with ruamel.yaml's round-trip loader in YAML 1.2 (``on:`` and ``yes:`` stay
strings), with duplicate keys rejected and timestamps kept as strings; JSON with a small
position-tracking parser (below) that applies the same rules.
"""

from __future__ import annotations

import bisect
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from gongdan.definitions.documents import Definition, SourceMap
from gongdan.definitions.json_source import JsonReader, JsonSyntaxError
from gongdan.definitions.problems import JsonPath, Problem

__all__ = ["YAML_SUFFIXES", "JSON_SUFFIXES", "dump_yaml", "load_file", "load_text"]

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)

Position = tuple[int, int]
Loaded = tuple[list[Definition], list[Problem]]

_TOO_DEEP = "the file nests lists or mappings too deeply to read"
_DUPLICATE_HINT = "each key may appear only once in a mapping"
_DUPLICATE_KEY = re.compile(r'found duplicate key "(?P<key>.*?)"')


class _StringTimestampConstructor(RoundTripConstructor):
    """Round-trip constructor that keeps ``2026-10-01`` the string ``"2026-10-01"``.

    Dates become strings so a bad date reaches the schema's ``format: date`` check with its
    position, instead of a bare ``ValueError`` from the YAML library.
    """


_StringTimestampConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str
)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _StringTimestampConstructor
    yaml.allow_duplicate_keys = False
    return yaml


class _Unsupported(ValueError):
    """A YAML value with no JSON equivalent (binary, set, custom tag)."""

    def __init__(self, path: JsonPath, value: object, message: str | None = None) -> None:
        super().__init__(type(value).__name__)
        self.path = path
        self.value = value
        self.message = message or (
            f"unsupported YAML value of type {type(value).__name__}"
            " (use plain strings, numbers, booleans, lists and mappings)"
        )


def _plain_key(key: object) -> str:
    if isinstance(key, str):
        return str(key)
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _mark(node: CommentedMap | CommentedSeq, key: Any, offset: int) -> Position:
    """1-based position of a key (``offset`` 0) or value (2) of ``node``.

    Keys merged in with ``<<:`` have no position of their own: they get the mapping's.
    """
    recorded = node.lc.data.get(key) if isinstance(node.lc.data, dict) else None
    if recorded is None:
        return node.lc.line + 1, node.lc.col + 1
    return recorded[offset] + 1, recorded[offset + 1] + 1


def _from_yaml(
    node: Any,
    path: JsonPath,
    positions: dict[JsonPath, Position],
    key_positions: dict[JsonPath, Position],
) -> Any:
    """Convert a ruamel node into plain data, recording positions of nested nodes."""
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise _Unsupported(path, key, "a list or mapping cannot be used as a key")
            name = _plain_key(key)
            child = (*path, name)
            key_positions[child] = _mark(node, key, 0)
            positions[child] = _mark(node, key, 2)
            out[name] = _from_yaml(value, child, positions, key_positions)
        return out
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for index, value in enumerate(node):
            child = (*path, index)
            positions[child] = _mark(node, index, 0)
            items.append(_from_yaml(value, child, positions, key_positions))
        return items
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    raise _Unsupported(path, node)


def _definition(document: Any, where: SourceMap, problems: list[Problem]) -> Definition | None:
    position = where.positions.get((), (0, 0))
    if not isinstance(document, dict):
        got = "a list" if isinstance(document, list) else f"{document!r}"
        problems.append(
            Problem(
                code="parse.not_a_mapping",
                message=f"a definition must be a mapping with kind, key and spec, got {got}",
                file=where.file,
                line=position[0],
                column=position[1],
            )
        )
        return None
    kind = document.get("kind")
    key = document.get("key")
    return Definition(
        kind=kind if isinstance(kind, str) else "",
        key=key if isinstance(key, str) else "",
        document=document,
        source=where,
    )


def _syntax_problem(file: str, error: YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None) if isinstance(error, MarkedYAMLError) else None
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    if isinstance(error, DuplicateKeyError):
        found = _DUPLICATE_KEY.search(str(error))
        name = found.group("key") if found else "?"
        return Problem(
            code="parse.duplicate_key",
            message=f"duplicate key {name!r}",
            file=file,
            line=line,
            column=column,
            hint=_DUPLICATE_HINT,
        )
    problem = getattr(error, "problem", None) or str(error).strip().splitlines()[0]
    context = getattr(error, "context", None)
    message = f"{problem} ({context})" if context else str(problem)
    return Problem(code="parse.syntax", message=message, file=file, line=line, column=column)


def _load_yaml(text: str, file: str) -> Loaded:
    definitions: list[Definition] = []
    problems: list[Problem] = []
    stream = _yaml().load_all(io.StringIO(text))
    while True:
        try:
            node = next(stream)
        except StopIteration:
            break
        except YAMLError as error:
            problems.append(_syntax_problem(file, error))
            break
        except (TypeError, ValueError):  # ruamel hashing a list used as a mapping key
            message = "a list or mapping cannot be used as a key"
            problems.append(Problem(code="parse.syntax", message=message, file=file))
            break
        except RecursionError:
            problems.append(Problem(code="parse.syntax", message=_TOO_DEEP, file=file))
            break
        if node is None:  # an empty document, e.g. after a trailing ``---``
            continue
        positions: dict[JsonPath, Position] = {}
        key_positions: dict[JsonPath, Position] = {}
        if isinstance(node, CommentedMap | CommentedSeq):
            positions[()] = (node.lc.line + 1, node.lc.col + 1)
        try:
            document = _from_yaml(node, (), positions, key_positions)
        except RecursionError:
            line, column = positions.get((), (0, 0))
            problems.append(Problem("parse.syntax", _TOO_DEEP, file, line, column))
            continue
        except _Unsupported as error:
            line, column = SourceMap(file, positions).position(error.path)
            problems.append(
                Problem(
                    code="parse.unsupported_value",
                    message=error.message,
                    file=file,
                    line=line,
                    column=column,
                    path=error.path,
                )
            )
            continue
        where = SourceMap(file=file, positions=positions, key_positions=key_positions)
        definition = _definition(document, where, problems)
        if definition is not None:
            definitions.append(definition)
    return definitions, problems


def _load_json(text: str, file: str) -> Loaded:
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(offset: int) -> Position:
        line = bisect.bisect_right(line_starts, offset)
        return line, offset - line_starts[line - 1] + 1

    reader = JsonReader(text)
    try:
        data = reader.document()
    except RecursionError:
        return [], [Problem(code="parse.syntax", message=_TOO_DEEP, file=file)]
    except JsonSyntaxError as error:
        line, column = position(error.offset)
        problem = Problem(
            code=error.code,
            message=error.message,
            file=file,
            line=line,
            column=column,
            hint=_DUPLICATE_HINT if error.code == "parse.duplicate_key" else None,
        )
        return [], [problem]

    # A list at the top holds several documents; each gets paths relative to itself.
    roots: list[tuple[Any, JsonPath]] = (
        [(item, (index,)) for index, item in enumerate(data)]
        if isinstance(data, list)
        else [(data, ())]
    )
    definitions: list[Definition] = []
    problems: list[Problem] = []
    for document, prefix in roots:
        cut = len(prefix)
        where = SourceMap(
            file=file,
            positions={
                path[cut:]: position(offset)
                for path, offset in reader.positions.items()
                if path[:cut] == prefix
            },
            key_positions={
                path[cut:]: position(offset)
                for path, offset in reader.key_positions.items()
                if path[:cut] == prefix and len(path) > cut
            },
        )
        definition = _definition(document, where, problems)
        if definition is not None:
            definitions.append(definition)
    return definitions, problems


def load_text(text: str, file: str) -> Loaded:
    """Parse ``text`` as the definitions of ``file`` (YAML or JSON by its suffix).

    :param file: the name printed in messages; its suffix chooses the format (``.json`` is
        JSON, anything else YAML).
    :returns: the definitions found and the problems met; never raises on bad input.
    """
    if text.startswith("\ufeff"):  # a byte-order mark some Windows editors write
        text = text[1:]
    if file.lower().endswith(JSON_SUFFIXES):
        return _load_json(text, file)
    return _load_yaml(text, file)


def load_file(path: Path, display: str | None = None) -> Loaded:
    """Read and parse one definition file; ``display`` is the path shown in messages."""
    name = display if display is not None else str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        return [], [
            Problem(code="parse.encoding", message=f"not UTF-8 text: {error.reason}", file=name)
        ]
    except OSError as error:
        return [], [
            Problem(code="parse.unreadable", message=f"cannot read: {error.strerror}", file=name)
        ]
    if path.suffix.lower() in JSON_SUFFIXES:
        return _load_json(text, name)
    return _load_yaml(text, name)


ENVELOPE_ORDER = ("kind", "key", "title", "description", "spec")


def _ordered(document: Mapping[str, Any], first: Sequence[str], literal: bool) -> CommentedMap:
    out = CommentedMap()
    for name in first:
        if name in document:
            out[name] = _to_yaml(document[name], literal)
    for name, value in document.items():
        if name not in out:
            out[name] = _to_yaml(value, literal)
    return out


def _to_yaml(value: Any, literal: bool) -> Any:
    if isinstance(value, Mapping):
        out = CommentedMap()
        for name, item in value.items():
            out[name] = _to_yaml(item, literal)
        return out
    if isinstance(value, list | tuple):
        return CommentedSeq(_to_yaml(item, literal) for item in value)
    if literal and isinstance(value, str) and "\n" in value.strip("\n"):
        # Template bodies read far better as ``|`` blocks than as one escaped line.
        return LiteralScalarString(value)
    return value


def _dump(documents: Sequence[Mapping[str, Any]], first: Sequence[str], literal: bool) -> str:
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.ignore_aliases = lambda data: True  # type: ignore[method-assign]
    stream = io.StringIO()
    yaml.dump_all([_ordered(document, first, literal) for document in documents], stream)
    return stream.getvalue()


def dump_yaml(
    documents: Sequence[Mapping[str, Any]], *, first: Sequence[str] = ENVELOPE_ORDER
) -> str:
    """Write definitions as human-friendly YAML that reloads to exactly the same data.

    Block style, the keys named in ``first`` first (by default the envelope: kind, key, title,
    description, spec), unicode kept, no anchors, multi-line text as ``|`` blocks; several
    documents are separated by ``---``.
    """
    text = _dump(documents, first, literal=True)
    reloaded, problems = _load_yaml(text, "<export>")
    if problems or [d.document for d in reloaded] != [dict(d) for d in documents]:
        # Some strings (leading blanks, trailing spaces) do not survive a block scalar.
        text = _dump(documents, first, literal=False)
    return text
