"""The small JSON path subset inbound channels map payloads with: ``$.a.b``, ``$.list[0]``.

No wildcards, filters or recursion: a mapping names exactly one value, so an admin can read
what it takes and a payload cannot make it expensive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

JsonPathStep = str | int

_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[([0-9]+)\]|\['([^']+)'\]")

#: Returned by :func:`resolve` when the payload has nothing at the path.
MISSING: Any = object()


def parse_json_path(path: str) -> tuple[JsonPathStep, ...]:
    """``"$.message.text"`` → ``("message", "text")``; :class:`ValueError` names a bad path."""
    if not path.startswith("$"):
        raise ValueError(f"JSON path {path!r} does not start with $")
    steps: list[JsonPathStep] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise ValueError(f"JSON path {path!r} is not understood at {path[position:]!r}")
        name, index, quoted = match.groups()
        steps.append(int(index) if index is not None else (name or quoted))
        position = match.end()
    return tuple(steps)


def resolve(payload: Any, steps: Sequence[JsonPathStep]) -> Any:
    """The value at ``steps`` in ``payload``, or :data:`MISSING`."""
    current = payload
    for step in steps:
        if isinstance(step, int):
            if not isinstance(current, list) or step >= len(current):
                return MISSING
            current = current[step]
        else:
            if not isinstance(current, Mapping) or step not in current:
                return MISSING
            current = current[step]
    return current
