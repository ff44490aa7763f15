"""``billing.PriceList``: its JSON Schema and semantic checks (no IO).

A price list prices labour by skill level, call-outs by region or distance band, fixed-price
services and parts (catalogue price plus markup), with a currency and a tax rate, and carries
the coverage rules that make lines free, discounted or charged. Several lists are chosen by
condition: the lowest ``order`` whose ``when`` holds, else the one ``default: true`` list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gongdan.definitions.documents import Definition
from gongdan.definitions.problems import Problem
from gongdan_billing.pricing import DECISIONS, LINE_KINDS

PRICE_LIST = "billing.PriceList"

_MONEY = {"type": "number", "minimum": 0}
_LOCAL_TEXT = {"type": "object", "additionalProperties": {"type": "string"}}

#: The JSON Schema of a PriceList's spec. ``minimum: 0`` refuses a negative price at its line.
PRICE_LIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "order": {"type": "integer", "minimum": 0},
        "default": {"type": "boolean"},
        "when": {"$ref": "common.json#/$defs/condition"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "tax_rate": {"type": "number", "minimum": 0, "maximum": 1},
        "labour": {
            "type": "object",
            "properties": {
                "per_hour": {"type": "object", "additionalProperties": _MONEY, "minProperties": 1},
                "default_level": {"type": "string"},
                "titles": {"type": "object", "additionalProperties": _LOCAL_TEXT},
            },
            "required": ["per_hour", "default_level"],
            "additionalProperties": False,
        },
        "travel": {
            "type": "object",
            "properties": {
                "by_region": {"type": "object", "additionalProperties": _MONEY},
                "default": _MONEY,
                "distance_bands": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"up_to_km": {"type": "number", "exclusiveMinimum": 0},
                                       "fee": _MONEY},
                        "required": ["up_to_km", "fee"],
                        "additionalProperties": False,
                    },
                },
            },
            "additionalProperties": False,
        },
        "services": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {"price": _MONEY, "title": _LOCAL_TEXT},
                "required": ["price"],
                "additionalProperties": False,
            },
        },
        "parts": {
            "type": "object",
            "properties": {"markup_percent": {"type": "number", "minimum": 0}},
            "additionalProperties": False,
        },
        "diagnosis_fee": _MONEY,
        "quote_valid_days": {"type": "integer", "minimum": 1},
        "coverage": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "key": {"$ref": "common.json#/$defs/key"},
                    "when": {"$ref": "common.json#/$defs/condition"},
                    "lines": {
                        "type": "array",
                        "items": {"enum": list(LINE_KINDS)},
                        "uniqueItems": True,
                        "minItems": 1,
                    },
                    "decision": {"enum": list(DECISIONS)},
                    "discount_percent": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
                    "reason": _LOCAL_TEXT,
                },
                "required": ["key", "when", "decision"],
                "additionalProperties": False,
            },
        },
        "repairs": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "labour_hours": {"type": "number", "minimum": 0},
                    "parts": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "part": {"type": "string", "minLength": 1},
                                "quantity": {"type": "number", "exclusiveMinimum": 0},
                            },
                            "required": ["part"],
                            "additionalProperties": False,
                        },
                    },
                    "services": {"type": "array", "items": {"type": "string"}},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}  # fmt: skip


def _disjoint(left: Any, right: Any) -> bool:
    """Whether two conditions provably never hold together: both ``eq``/``in`` on the same
    variable with no value in common. Anything more clever is left to ``order``."""

    def values(node: Any) -> tuple[str, frozenset[str]] | None:
        if not isinstance(node, Mapping) or node.get("op") not in ("eq", "in"):
            return None
        value = node.get("value")
        items = value if isinstance(value, list) else [value]
        return str(node.get("field")), frozenset(str(v) for v in items)

    a, b = values(left), values(right)
    return a is not None and b is not None and a[0] == b[0] and not (a[1] & b[1])


def check_price_list(definition: Definition, ctx: Any) -> list[Problem]:
    """Semantic checks: conditions type-check, the labour default level is priced, a
    discount has its percentage, rule keys are unique, and two lists that could both apply to
    one ticket have distinct orders (else which price applies would be arbitrary)."""
    from gongdan.definitions.semantic.conditions import check_global_condition

    spec = definition.spec
    problems: list[Problem] = []
    if spec.get("when") is not None:
        problems += check_global_condition(definition, ctx, spec["when"], ("spec", "when"))
    labour = spec.get("labour") or {}
    if labour and labour.get("default_level") not in (labour.get("per_hour") or {}):
        problems.append(
            definition.problem(
                "billing.unknown_level",
                f"default_level {labour.get('default_level')!r} has no rate in per_hour",
                ("spec", "labour", "default_level"),
            )
        )
    seen: set[str] = set()
    for index, rule in enumerate(spec.get("coverage") or ()):
        path = ("spec", "coverage", index)
        if rule.get("when") is not None:
            problems += check_global_condition(definition, ctx, rule["when"], (*path, "when"))
        if rule.get("key") in seen:
            problems.append(
                definition.problem(
                    "billing.duplicate_rule",
                    f"coverage rule {rule['key']!r} appears twice",
                    (*path, "key"),
                )  # fmt: skip
            )
        seen.add(rule.get("key"))
        if (rule.get("decision") == "discounted") != ("discount_percent" in rule):
            problems.append(
                definition.problem(
                    "billing.discount_percent",
                    "discount_percent goes with decision 'discounted', and only with it",
                    path,
                )
            )
    problems += _overlaps(definition, ctx)
    return problems


def _overlaps(definition: Definition, ctx: Any) -> list[Problem]:
    spec = definition.spec
    problems: list[Problem] = []
    for other in ctx.valid.get(PRICE_LIST, {}).values():
        if other.key >= definition.key:
            continue  # each pair is reported once, on the later key
        theirs = other.spec
        if spec.get("default") and theirs.get("default"):
            problems.append(
                definition.problem(
                    "billing.two_defaults",
                    f"PriceList {other.key!r} is the default already",
                    ("spec", "default"),
                )
            )
            continue
        if spec.get("default") or theirs.get("default"):
            continue  # the default applies only when no other list does
        if spec.get("order") != theirs.get("order"):
            continue
        if _disjoint(spec.get("when"), theirs.get("when")):
            continue
        where = ("spec", "order") if "order" in spec else ("spec", "when") if "when" in spec else ()
        problems.append(
            definition.problem(
                "billing.overlapping_price_lists",
                f"PriceList {other.key!r} can apply to the same tickets and has the same order"
                f" ({theirs.get('order')!r}): which prices apply would be arbitrary",
                where,
                hint="give each list its own order (the lowest matching one applies), or make"
                " the conditions exclusive",
            )
        )
    return problems
