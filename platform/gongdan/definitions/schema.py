"""The JSON Schema stage: check each definition's envelope and spec against its kind's schema.

Schemas live in ``schemas/*.json`` (Draft 2020-12), one per core kind plus ``envelope.json``
and the shared ``common.json``; plugin kinds bring their spec schema through the
``gongdan_definition_kinds`` hook and are passed in as ``extra_kinds``. Validators are built
once per process. Every jsonschema error becomes a :class:`Problem` with a stable code
(``schema.required``, ``schema.enum`` ...), a message that names the bad value and, where it
helps, a did-you-mean hint — positioned with the definition's :class:`SourceMap`.

Schemas may carry two annotations of our own: ``x-message`` (replaces the generic message;
``{value}`` is the offending value) and ``x-suggest`` (names to suggest a correction from).
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError, best_match
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from gongdan.definitions.documents import Definition, canonical_json
from gongdan.definitions.problems import JsonPath, Problem, did_you_mean
from gongdan.errors import PluginError

__all__ = [
    "SCHEMA_BASE",
    "core_kinds",
    "schema_document",
    "spec_schema",
    "standalone_spec_schema",
    "validate_document",
    "validate_schema",
]

SCHEMA_BASE = "https://schemas.gongdan.dev/"

#: Schema files that describe something other than a core kind's spec.
_NOT_KINDS = frozenset({"common", "envelope", "pack", "sample"})

_JSON_TYPES = {
    "object": "mapping",
    "array": "list",
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}


def _kind_of(stem: str) -> str:
    """``sla_policy`` → ``SlaPolicy``: schema file names are the snake-case kind names."""
    return "".join(part.capitalize() for part in stem.split("_"))


@functools.cache
def _schemas() -> dict[str, dict[str, Any]]:
    """Every bundled schema by file stem, read once."""
    folder = resources.files("gongdan.definitions") / "schemas"
    out: dict[str, dict[str, Any]] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            out[entry.name.removesuffix(".json")] = json.loads(entry.read_text(encoding="utf-8"))
    return out


@functools.cache
def _registry() -> Registry:
    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
        for schema in _schemas().values()
    )


@functools.cache
def _validator(stem: str) -> Draft202012Validator:
    return Draft202012Validator(
        _schemas()[stem],
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


@functools.lru_cache(maxsize=256)
def _plugin_validator(kind: str, schema_json: str) -> Draft202012Validator:
    schema = json.loads(schema_json)
    # Without an $id of ours, a plugin schema could not say ``common.json#/$defs/key``.
    schema.setdefault("$id", f"{SCHEMA_BASE}{kind}.json")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        raise PluginError(f"the JSON Schema of kind {kind!r} is invalid: {error.message}") from None
    return Draft202012Validator(
        schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@functools.cache
def _core_stems() -> dict[str, str]:
    return {_kind_of(stem): stem for stem in sorted(_schemas()) if stem not in _NOT_KINDS}


def core_kinds() -> tuple[str, ...]:
    """The kinds the core defines, e.g. ``("Automation", "Calendar", ...)``, sorted."""
    return tuple(sorted(_core_stems()))


def spec_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a core kind's ``spec`` (a copy; ``$ref`` to ``common.json`` kept)."""
    stem = _core_stems().get(kind)
    if stem is None:
        raise KeyError(kind)
    return json.loads(json.dumps(_schemas()[stem]))


def standalone_spec_schema(kind: str) -> dict[str, Any]:
    """A core kind's spec schema with the shared definitions inlined: no ``$ref`` leaves it.

    For editors in the browser (the admin GUI) that cannot fetch ``common.json``: the shared
    ``$defs`` are copied in as ``common.<name>``.
    """
    common_prefix = "common.json#/$defs/"

    def rewrite(node: Any, inside_common: bool) -> Any:
        if isinstance(node, dict):
            out = {name: rewrite(value, inside_common) for name, value in node.items()}
            ref = out.get("$ref")
            if isinstance(ref, str) and ref.startswith(common_prefix):
                out["$ref"] = "#/$defs/common." + ref.removeprefix(common_prefix)
            elif isinstance(ref, str) and inside_common and ref.startswith("#/$defs/"):
                out["$ref"] = "#/$defs/common." + ref.removeprefix("#/$defs/")
            return out
        if isinstance(node, list):
            return [rewrite(item, inside_common) for item in node]
        return node

    schema = rewrite(spec_schema(kind), inside_common=False)
    schema.pop("$id", None)
    common = rewrite(_schemas()["common"]["$defs"], inside_common=True)
    defs = schema.setdefault("$defs", {})
    defs.update({f"common.{name}": value for name, value in common.items()})
    return schema


def schema_document(name: str) -> dict[str, Any]:
    """A bundled schema by file stem (``common``, ``envelope``, ``pack``, ``sample``, ...)."""
    return json.loads(json.dumps(_schemas()[name]))


def validate_document(name: str, definition: Definition) -> list[Problem]:
    """Check a whole loaded document against a bundled schema (``pack``, ``sample``).

    The document's own envelope is not involved: this is for files that are not definitions
    but are read by the same loader (``pack.yaml``, pack samples).
    """
    findings = _findings(_validator(name), definition.document, ())
    return sorted(_problems(definition, findings), key=lambda p: (p.line, p.column))


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
class _Finding:
    """One translated error before it is positioned in the file."""

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
) -> _Finding:
    hint = did_you_mean(name, allowed) or fallback
    if hint is None and allowed and len(allowed) <= 12:
        hint = "allowed keys: " + ", ".join(allowed)
    elif hint is None and not allowed:
        hint = "no keys are allowed here"
    return _Finding(
        (*path, name),
        "schema.additional_properties",
        f"unknown key {name!r}",
        hint,
        of_key=True,
        suggestion=_closest(name, allowed),
    )


def _unknown_keys(error: ValidationError, path: JsonPath) -> Iterable[_Finding]:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    allowed = _allowed_keys(schema)
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    for name in instance:
        if name not in allowed and not any(p.search(name) for p in patterns):
            fallback = schema.get("x-hint")
            yield _unknown_key(path, name, allowed, fallback if isinstance(fallback, str) else None)


def _translate(error: ValidationError, base: JsonPath) -> Iterable[_Finding]:
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
                yield _Finding(path, code, message, hint, of_key=True, missing=name)
        return
    if isinstance(custom, str):
        text = custom.replace("{value}", _show(value))
        if validator == "type":
            # "expected string, got integer 5" first; the schema's own wording as the hint.
            yield _Finding(path, code, _message(error), text, of_key)
        else:
            yield _Finding(path, code, text, hint, of_key)
        return
    yield _Finding(path, code, _message(error), hint or _enum_hint(error), of_key)


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


def _findings(validator: Draft202012Validator, instance: Any, base: JsonPath) -> list[_Finding]:
    found: list[_Finding] = []
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


def _problems(definition: Definition, findings: Iterable[_Finding]) -> list[Problem]:
    return [
        definition.problem(f.code, f.message, f.path, hint=f.hint, of_key=f.of_key)
        for f in findings
    ]


def validate_schema(
    definition: Definition, *, extra_kinds: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Problem]:
    """Check a definition's envelope and spec against the JSON Schemas; report every mistake.

    :param extra_kinds: plugin kinds → the JSON Schema of their ``spec``.
    :returns: problems in document order, one per mistake; empty when the definition is valid.
    """
    document = definition.document
    problems = _problems(definition, _findings(_validator("envelope"), document, ()))
    if not isinstance(document, Mapping):
        return problems
    kind = document.get("kind")
    if not isinstance(kind, str) or any(p.path[:1] == ("kind",) for p in problems):
        return problems
    extra = dict(extra_kinds or {})
    stem = _core_stems().get(kind)
    if stem is None and kind not in extra:
        problems.append(
            definition.problem(
                "schema.unknown_kind",
                f"unknown kind {kind!r}",
                ("kind",),
                hint=did_you_mean(kind, [*_core_stems(), *extra])
                or "a plugin kind needs its plugin installed",
            )
        )
        return problems
    spec = document.get("spec")
    if not isinstance(spec, Mapping):
        return problems
    if stem is not None:
        validator = _validator(stem)
    else:
        validator = _plugin_validator(kind, canonical_json(extra[kind]))
    problems.extend(_problems(definition, _findings(validator, spec, ("spec",))))
    return sorted(problems, key=lambda p: (p.line, p.column))
