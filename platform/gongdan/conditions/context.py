"""What a compiled condition reads: the values of one ticket (and its state before a change)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from gongdan.conditions.values import as_utc

_MISSING = object()


def flatten(values: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """Nested mappings to dotted names: ``{"ticket": {"priority": "high"}}`` →
    ``{"ticket.priority": "high"}``.

    Only mappings are walked; lists (multiselect values, attachments) and leaf mappings inside
    ``address``-like objects stay whole under their own name too, so ``ticket.visit_address``
    and ``ticket.visit_address.city`` are both present.
    """
    flat: dict[str, object] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        flat[name] = value
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
    return flat


def lookup(values: Mapping[str, object], name: str) -> object:
    """The value of ``name`` in flat or nested ``values``; ``None`` when missing."""
    value = values.get(name, _MISSING)
    if value is not _MISSING:
        return value
    current: object = values
    for part in name.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


@dataclass(frozen=True, slots=True)
class EvaluationContext:
    """The values a condition is evaluated against.

    :param values: dotted names (``"ticket.priority"``) or nested mappings to values.
    :param before: the same values before the change being judged (for ``changed*``), or
        ``None`` when there was no change (``changed*`` are then false).
    :param now: the time ``$now``, ``older_than`` and ``within_last`` refer to; the current
        time when ``None``.
    """

    values: Mapping[str, object]
    before: Mapping[str, object] | None = None
    now: datetime | None = None

    def current_time(self) -> datetime:
        """``now`` as an aware UTC datetime."""
        return as_utc(self.now) if self.now is not None else datetime.now(UTC)

    def value(self, name: str) -> object:
        """The current value of a variable (``now`` is the context's time unless given)."""
        value = lookup(self.values, name)
        if value is None and name == "now":
            return self.current_time()
        return value

    def previous(self, name: str) -> object:
        """The value of a variable before the change (``None`` without one)."""
        return None if self.before is None else lookup(self.before, name)
