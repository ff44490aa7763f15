"""Translate jsonschema errors into the findings an admin reads.

jsonschema's own messages ("Additional properties are not allowed ('titel' was unexpected)")
are written for programmers. Here each error becomes a :class:`Finding`: a stable code
(``schema.<validator>``), a short message naming the bad value, a did-you-mean hint where one
helps, and whether it should point at a mapping key rather than a value.

Schemas may steer the wording with annotations of our own: ``x-message`` (replaces the
message; ``{value}`` is the offending value), ``x-suggest`` (names to suggest a correction
from), ``x-allowed`` (the keys to suggest instead of ``properties``) and ``x-hint`` (the hint
for an unknown key when no name is close).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing.exceptions import Unresolvable

from gongdan.definitions.documents import canonical_json
from gongdan.definitions.problems import JsonPath, did_you_mean
from gongdan.errors import PluginError

__all__ = ["Finding", "findings"]

_JSON_TYPES = {
    "object": "mapping",
    "array": "list",
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}


def _show(value: Any) -> str:
    """A short rendering of an offending value for messages."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, bool) or value is None:
        text = json.dumps(value)
    elif isinstance(value, int | float):
        text = repr(value)
    else:
        text = canonical_json(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "mapping"


def _code(validator: str) -> str:
    return "schema." + re.sub(r"(?<!^)(?=[A-Z])", "_", validator).lower()


@dataclass(frozen=True, slots=True)
class Finding:
    """One translated error, before it is positioned in the file."""

    path: JsonPath
    code: str
    message: str
    hint: str | None = None
    of_key: bool = False
    suggestion: str | None = None  # the key a misspelt unknown key probably meant
    missing: str | None = None  # the key a ``required`` finding is about


def _allowed_keys(schema: Mapping[str, Any]) -> list[str]:
    allowed = schema.get("x-allowed")
    if isinstance(allowed, list):
        return [str(name) for name in allowed]
    return [str(name) for name in schema.get("properties", {})]


def _closest(name: str, candidates: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _unknown_key(
    path: JsonPath, name: str, allowed: list[str], fallback: str | None = None
) -> Finding:
    hint = did_you_mean(name, allowed) or fallback
    if hint is None and allowed and len(allowed) <= 12:
        hint = "allowed keys: " + ", ".join(allowed)
    elif hint is None and not allowed:
        hint = "no keys are allowed here"
    return Finding(
        (*path, name),
        "schema.additional_properties",
        f"unknown key {name!r}",
        hint,
        of_key=True,
        suggestion=_closest(name, allowed),
    )


def _unknown_keys(error: ValidationError, path: JsonPath) -> Iterable[Finding]:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    allowed = _allowed_keys(schema)
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    for name in instance:
        if name not in allowed and not any(p.search(name) for p in patterns):
            fallback = schema.get("x-hint")
            yield _unknown_key(path, name, allowed, fallback if isinstance(fallback, str) else None)


def _translate(error: ValidationError, base: JsonPath) -> Iterable[Finding]:
    """Turn one jsonschema error into the findings an admin should read."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        # The branch that got furthest says what is really wrong; a branch of another type
        # ("expected string") rarely is the one the admin meant.
        typed = [e for e in error.context if e.validator != "type"]
        yield from _translate(best_match(typed or error.context), base)
        return
    path: JsonPath = (*base, *error.absolute_path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    validator = str(error.validator)
    value = error.instance
    of_key = False
    if "propertyNames" in error.relative_schema_path:
        # A bad mapping key: point at the key itself, not at the whole mapping.
        path = (*path, str(value))
        of_key = True
    custom = schema.get("x-message")
    if validator == "additionalProperties" and not isinstance(custom, str):
        yield from _unknown_keys(error, path)
        return
    if validator == "unevaluatedProperties":
        for name in _unexpected(error):
            yield _unknown_key(path, name, [])
        return
    code = _code(validator)
    suggest = schema.get("x-suggest")
    hint = did_you_mean(value, suggest) if isinstance(suggest, list) else None
    if validator == "required" and not isinstance(custom, str):
        for name in error.validator_value:
            if isinstance(value, Mapping) and name not in value:
                # At the key that opens the incomplete mapping (``spec:``), where one looks.
                message = f"missing required key {name!r}"
                yield Finding(path, code, message, hint, of_key=True, missing=name)
        return
    if isinstance(custom, str):
        text = custom.replace("{value}", _show(value))
        if validator == "type":
            # "expected string, got integer 5" first; the schema's own wording as the hint.
            yield Finding(path, code, _message(error), text, of_key)
        else:
            yield Finding(path, code, text, hint, of_key)
        return
    yield Finding(path, code, _message(error), hint or _enum_hint(error), of_key)


def _unexpected(error: ValidationError) -> list[str]:
    found = re.findall(r"'([^']*)'", error.message.split("(")[-1])
    return found or ["?"]


def _enum_hint(error: ValidationError) -> str | None:
    if error.validator == "enum":
        return did_you_mean(
            error.instance, [v for v in error.validator_value if isinstance(v, str)]
        )
    return None


def _message(error: ValidationError) -> str:
    """The friendly text for a standard keyword."""
    value = error.instance
    expected = error.validator_value
    validator = error.validator
    if validator == "enum":
        return f"{_show(value)} is not one of {', '.join(_show(v) for v in expected)}"
    if validator == "const":
        return f"expected {_show(expected)}, got {_show(value)}"
    if validator == "type":
        names = expected if isinstance(expected, list) else [expected]
        wanted = " or ".join(_JSON_TYPES.get(n, n) for n in names)
        got = _type_name(value)
        shown = f" {_show(value)}" if got not in ("mapping", "list") else ""
        return f"expected {wanted}, got {got}{shown}"
    if validator == "format":
        return f"{_show(value)} is not a valid {expected}"
    if validator == "pattern":
        return f"{_show(value)} does not match the pattern {expected}"
    if validator in ("minItems", "minProperties", "minLength"):
        unit = {"minItems": "item", "minProperties": "key", "minLength": "character"}[validator]
        if expected == 1:
            return "must not be empty"
        return f"needs at least {expected} {unit}s"
    if validator in ("maxItems", "maxProperties", "maxLength"):
        unit = {"maxItems": "item", "maxProperties": "key", "maxLength": "character"}[validator]
        return f"allows at most {expected} {unit}{'s' if expected != 1 else ''}"
    if validator == "uniqueItems":
        seen: list[Any] = []
        for item in value:
            if item in seen:
                return f"{_show(item)} is listed twice"
            seen.append(item)
        return "items must be unique"
    if validator == "minimum":
        return f"{_show(value)} is less than the minimum {expected}"
    if validator == "maximum":
        return f"{_show(value)} is more than the maximum {expected}"
    if validator == "exclusiveMinimum":
        return f"{_show(value)} must be greater than {expected}"
    if validator == "exclusiveMaximum":
        return f"{_show(value)} must be less than {expected}"
    if validator in ("not", "false"):
        return f"{_show(value)} is not allowed here"
    return error.message


def findings(validator: Draft202012Validator, instance: Any, base: JsonPath) -> list[Finding]:
    """Every mistake in ``instance``, once each, with paths prefixed by ``base``."""
    found: list[Finding] = []
    seen: set[tuple[JsonPath, str]] = set()
    try:
        errors = list(validator.iter_errors(instance))
    except Unresolvable as error:  # only a plugin's schema can point nowhere
        raise PluginError(
            f"a definition schema refers to {error.ref!r}, which does not exist"
        ) from None
    for error in errors:
        for finding in _translate(error, base):
            # ``format`` and ``pattern`` often say the same thing about one value: say it once.
            mark = (finding.path, finding.message)
            if mark not in seen:
                seen.add(mark)
                found.append(finding)
    # ``feild`` reported as unknown (did you mean 'field'?) already explains the missing 'field'.
    misspelt = {(f.path[:-1], f.suggestion) for f in found if f.suggestion}
    return [f for f in found if not (f.missing and (f.path, f.missing) in misspelt)]
