"""The JSON Schema stage: check each definition's envelope and spec against its kind's schema.

Schemas live in ``schemas/*.json`` (Draft 2020-12), one per core kind plus ``envelope.json``
and the shared ``common.json``; plugin kinds bring their spec schema through the
``gongdan_definition_kinds`` hook and are passed in as ``extra_kinds``. Validators are built
once per process. Every jsonschema error becomes a :class:`Problem` with a stable code
(``schema.required``, ``schema.enum`` ...), a message that names the bad value and, where it
helps, a did-you-mean hint — positioned with the definition's :class:`SourceMap`.

The wording of messages lives in :mod:`gongdan.definitions.schema_errors`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from gongdan.definitions.documents import Definition, canonical_json
from gongdan.definitions.problems import JsonPath, Problem, did_you_mean
from gongdan.definitions.schema_errors import Finding, findings
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


#: (validator id, document JSON, base path) → (the validator, its findings). A definition set is
#: validated again on every install, compile and cache refresh, nearly always unchanged; the
#: schema walk is the bulk of that work. Keeping the validator in the value makes a reused id
#: of a discarded validator a miss, not a wrong hit.
_FINDINGS: dict[tuple[int, str, JsonPath], tuple[Draft202012Validator, tuple[Finding, ...]]] = {}
_FINDINGS_LIMIT = 20_000


def _findings(validator: Draft202012Validator, instance: Any, base: JsonPath) -> list[Finding]:
    """:func:`findings`, remembered per validator and JSON document.

    Findings depend on the document's data only (positions are added per definition later).
    A document that is not plain JSON (a YAML date, say) is validated without the memo: its
    JSON text would not tell it from the string it prints as.
    """
    try:
        text = canonical_json(instance)
    except (TypeError, ValueError):
        return findings(validator, instance, base)
    key = (id(validator), text, base)
    hit = _FINDINGS.get(key)
    if hit is not None and hit[0] is validator:
        return list(hit[1])
    found = findings(validator, instance, base)
    if len(_FINDINGS) >= _FINDINGS_LIMIT:
        _FINDINGS.clear()
    _FINDINGS[key] = (validator, tuple(found))
    return found


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
    found = _findings(_validator(name), definition.document, ())
    return sorted(_problems(definition, found), key=lambda p: (p.line, p.column))


def _problems(definition: Definition, found: Iterable[Finding]) -> list[Problem]:
    return [
        definition.problem(f.code, f.message, f.path, hint=f.hint, of_key=f.of_key) for f in found
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
