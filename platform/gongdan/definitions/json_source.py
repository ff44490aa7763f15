"""A strict JSON parser that remembers where every value and key was written.

Python's :mod:`json` has no positions; definition files need them for error messages. The
reader reuses :mod:`json`'s own string and number scanners, so the accepted language stays
exactly JSON (RFC 8259), and it rejects duplicate keys, which :mod:`json` silently merges.
"""

from __future__ import annotations

import json
from json.decoder import scanstring
from json.scanner import NUMBER_RE
from typing import Any

from gongdan.definitions.problems import JsonPath

__all__ = ["JsonReader", "JsonSyntaxError"]


class JsonSyntaxError(ValueError):
    """A JSON syntax error or a duplicate key, at a character ``offset`` of the text."""

    def __init__(self, message: str, offset: int, code: str = "parse.syntax") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.code = code


class JsonReader:
    """Parse one JSON text, recording the character offset of every value and key.

    ``positions`` and ``key_positions`` map JSON paths to offsets after :meth:`document`.
    """

    _WHITESPACE = " \t\n\r"

    def __init__(self, text: str) -> None:
        self.text = text
        self.positions: dict[JsonPath, int] = {}
        self.key_positions: dict[JsonPath, int] = {}

    def skip(self, index: int) -> int:
        while index < len(self.text) and self.text[index] in self._WHITESPACE:
            index += 1
        return index

    def document(self) -> Any:
        index = self.skip(0)
        value, index = self.value(index, ())
        index = self.skip(index)
        if index != len(self.text):
            raise JsonSyntaxError("extra data after the JSON value", index)
        return value

    def value(self, index: int, path: JsonPath) -> tuple[Any, int]:
        self.positions[path] = index
        text = self.text
        char = text[index] if index < len(text) else ""
        if char == "{":
            return self.object(index + 1, path)
        if char == "[":
            return self.array(index + 1, path)
        if char == '"':
            return self.string(index)
        for literal, result in (("true", True), ("false", False), ("null", None)):
            if text.startswith(literal, index):
                return result, index + len(literal)
        number = NUMBER_RE.match(text, index)
        if number is not None and number.group():
            integer, fraction, exponent = number.groups()
            if fraction or exponent:
                return float(number.group()), number.end()
            return int(integer), number.end()
        found = f"{char!r}" if char else "the end of the file"
        raise JsonSyntaxError(f"expected a JSON value, found {found}", index)

    def string(self, index: int) -> tuple[str, int]:
        try:
            return scanstring(self.text, index + 1, True)
        except json.JSONDecodeError as error:
            message = error.msg.lower().removesuffix(" at").removesuffix(" starting")
            raise JsonSyntaxError(f"{message} in a string", error.pos) from None

    def object(self, index: int, path: JsonPath) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        index = self.skip(index)
        if self.text.startswith("}", index):
            return out, index + 1
        while True:
            if not self.text.startswith('"', index):
                raise JsonSyntaxError("expected a key in double quotes", index)
            key_at = index
            key, index = self.string(index)
            if key in out:
                raise JsonSyntaxError(f"duplicate key {key!r}", key_at, "parse.duplicate_key")
            child = (*path, key)
            self.key_positions[child] = key_at
            index = self.skip(index)
            if not self.text.startswith(":", index):
                raise JsonSyntaxError("expected ':' after the key", index)
            out[key], index = self.value(self.skip(index + 1), child)
            index = self.skip(index)
            if self.text.startswith(",", index):
                index = self.skip(index + 1)
            elif self.text.startswith("}", index):
                return out, index + 1
            else:
                raise JsonSyntaxError("expected ',' or '}'", index)

    def array(self, index: int, path: JsonPath) -> tuple[list[Any], int]:
        out: list[Any] = []
        index = self.skip(index)
        if self.text.startswith("]", index):
            return out, index + 1
        while True:
            item, index = self.value(index, (*path, len(out)))
            out.append(item)
            index = self.skip(index)
            if self.text.startswith(",", index):
                index = self.skip(index + 1)
            elif self.text.startswith("]", index):
                return out, index + 1
            else:
                raise JsonSyntaxError("expected ',' or ']'", index)
