"""Export ``visible_if`` / ``required_if`` condition trees as JSON for the browser.

``static/js/forms.js`` evaluates the exported tree over the form's current values so fields
appear and become required while the user types. Only conditions the browser can judge are
exported: leaves on ``ticket.<field>`` with the operators in :data:`CLIENT_OPERATORS` and
literal values. Anything else (``customer.tier``, functions, ``$now``, ``changed``) is left to
the server: the field keeps the visibility the server computed when the page was rendered. The
server re-checks every condition on submit in any case.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from gongdan.conditions import Predicate

#: Operators ``forms.js`` implements.
CLIENT_OPERATORS: frozenset[str] = frozenset(
    (
        "eq",
        "ne",
        "in",
        "not_in",
        "lt",
        "le",
        "gt",
        "ge",
        "is_set",
        "is_empty",
        "contains",
        "starts_with",
        "between",
    )
)

_FIELD_PREFIX = "ticket."


def _is_literal(value: object) -> bool:
    if isinstance(value, str):
        return not value.startswith("$")
    if isinstance(value, list | tuple):
        return all(_is_literal(item) for item in value)
    return value is None or isinstance(value, bool | int | float)


def _client_node(node: object) -> object | None:
    """The browser form of ``node``: leaves name the field key alone; ``None`` if not possible."""
    if not isinstance(node, Mapping):
        return None
    if "all" in node or "any" in node:
        name = "all" if "all" in node else "any"
        parts = node[name]
        if not isinstance(parts, list | tuple):
            return None
        converted = [_client_node(part) for part in parts]
        return None if any(c is None for c in converted) else {name: converted}
    if "not" in node:
        inner = _client_node(node["not"])
        return None if inner is None else {"not": inner}
    field = node.get("field")
    op = node.get("op")
    if (
        not isinstance(field, str)
        or not field.startswith(_FIELD_PREFIX)
        or op not in CLIENT_OPERATORS
    ):
        return None
    key = field[len(_FIELD_PREFIX) :]
    if "." in key:
        return None
    leaf: dict[str, object] = {"field": key, "op": op}
    if "value" in node:
        if not _is_literal(node["value"]):
            return None
        value = node["value"]
        leaf["value"] = list(value) if isinstance(value, list | tuple) else value
    return leaf


def client_condition(predicate: Predicate | None) -> str | None:
    """The JSON the browser evaluates for ``predicate``, or ``None`` when it cannot.

    Leaves are ``{"field": "<field key>", "op": ..., "value": ...}`` (the ``ticket.`` prefix
    removed); ``all``/``any``/``not`` keep their shape.
    """
    if predicate is None:
        return None
    converted = _client_node(predicate.node)
    if converted is None:
        return None
    return json.dumps(converted, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
