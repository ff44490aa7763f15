"""The closed set of condition operators and the shapes of condition nodes.

A condition node is exactly one of ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``, a leaf
``{field, op, value}`` or a function call ``{fn, args}``. A string value of the form
``$ticket.x`` (or ``$now``) is a *reference* to another variable; write ``$$`` to start a
literal text with a dollar sign.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Every operator, in the order messages list them.
OPERATORS: tuple[str, ...] = (
    "eq",
    "ne",
    "in",
    "not_in",
    "lt",
    "le",
    "gt",
    "ge",
    "between",
    "contains",
    "starts_with",
    "matches",
    "is_set",
    "is_empty",
    "changed",
    "changed_to",
    "changed_from",
    "older_than",
    "within_last",
)
#: Operators that take no ``value``.
NO_VALUE_OPERATORS = frozenset({"is_set", "is_empty", "changed"})
#: Operators whose ``value`` is a list of values.
LIST_OPERATORS = frozenset({"in", "not_in"})
#: Operators whose ``value`` is an ISO 8601 duration, measured back from now.
DURATION_OPERATORS = frozenset({"older_than", "within_last"})
#: Operators that compare a ticket before and after a change: never compiled to SQL.
CHANGE_OPERATORS = frozenset({"changed", "changed_to", "changed_from"})
#: Operators whose value is an ordered bound (literal or reference).
ORDER_OPERATORS = frozenset({"lt", "le", "gt", "ge"})

#: The keys that say what kind of node a mapping is.
NODE_KEYS: tuple[str, ...] = ("all", "any", "not", "field", "fn")
LEAF_KEYS = frozenset({"field", "op", "value"})
CALL_KEYS = frozenset({"fn", "args"})

_REFERENCE = re.compile(r"^\$([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)$")


def reference_name(value: object) -> str | None:
    """The variable a ``$reference`` names (``'$ticket.x'`` → ``'ticket.x'``), else ``None``."""
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        match = _REFERENCE.match(value)
        return match.group(1) if match else None
    return None


def looks_like_reference(value: object) -> bool:
    """True for any string starting with a single ``$`` (valid reference or not)."""
    return isinstance(value, str) and value.startswith("$") and not value.startswith("$$")


def literal_value(value: object) -> object:
    """The literal a non-reference value stands for: ``'$$5'`` → ``'$5'``."""
    if isinstance(value, str) and value.startswith("$$"):
        return value[1:]
    return value


def node_type(node: object) -> str | None:
    """Which of :data:`NODE_KEYS` a node is, or ``None`` when it is none or several of them."""
    if not isinstance(node, Mapping):
        return None
    present = [key for key in NODE_KEYS if key in node]
    return present[0] if len(present) == 1 else None
