"""The lookup tables every semantic check shares: what exists, by kind and key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gongdan.definitions.documents import Definition
from gongdan.definitions.extensions import Extensions
from gongdan.definitions.problems import JsonPath, Problem, did_you_mean

#: Roles every installation has without a Role definition.
BUILTIN_ROLES = frozenset({"system"})

#: Core ticket attributes a condition, a default or ``field_changed:`` may name.
CORE_TICKET_ATTRIBUTES = (
    "number",
    "type",
    "state",
    "state_category",
    "priority",
    "channel",
    "department",
    "assignee",
    "created_at",
    "updated_at",
    "resolved_at",
    "reopen_count",
)


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, ``[value]`` for a single item, ``[]`` for ``None``."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    """``(index, item)`` for every mapping item of a list (other items were schema errors)."""
    if not isinstance(value, list | tuple):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, Mapping)]


@dataclass
class SemanticContext:
    """The whole definition set seen by the semantic stage.

    ``known`` holds every definition, schema-valid or not, so a reference to a definition with
    schema errors is not reported a second time; ``valid`` only those whose data the checks may
    read without guarding every shape.
    """

    known: Mapping[str, Mapping[str, Definition]]
    valid: Mapping[str, Mapping[str, Definition]]
    extensions: Extensions
    _cache: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        definitions: Iterable[Definition],
        valid: Iterable[Definition],
        extensions: Extensions,
    ) -> SemanticContext:
        known: dict[str, dict[str, Definition]] = {}
        for definition in definitions:
            known.setdefault(definition.kind, {}).setdefault(definition.key, definition)
        checked: dict[str, dict[str, Definition]] = {}
        for definition in valid:
            checked.setdefault(definition.kind, {}).setdefault(definition.key, definition)
        return cls(known=known, valid=checked, extensions=extensions)

    def keys(self, kind: str) -> set[str]:
        """Keys of every definition of ``kind``, valid or not."""
        return set(self.known.get(kind, {}))

    def of_kind(self, kind: str) -> list[Definition]:
        """The schema-valid definitions of ``kind``."""
        return list(self.valid.get(kind, {}).values())

    def get(self, kind: str, key: Any) -> Definition | None:
        """The schema-valid definition ``kind/key``, or ``None``."""
        if not isinstance(key, str):
            return None
        return self.valid.get(kind, {}).get(key)

    def role_keys(self) -> set[str]:
        return self.keys("Role") | BUILTIN_ROLES

    def ticket_types_using(self, workflow_key: str) -> list[Definition]:
        """Schema-valid ticket types whose workflow is ``workflow_key``."""
        return [t for t in self.of_kind("TicketType") if t.spec.get("workflow") == workflow_key]

    def workflow_of(self, ticket_type: Definition) -> Definition | None:
        return self.get("Workflow", ticket_type.spec.get("workflow"))

    def is_partial(self, kind: str) -> bool:
        """True when some definition of ``kind`` failed its schema, so its content is unknown."""
        return set(self.known.get(kind, {})) != set(self.valid.get(kind, {}))

    def all_state_keys(self) -> set[str] | None:
        """States of every workflow; ``None`` when a workflow failed its schema."""
        return self._collect("states", "Workflow", "states")

    def all_transition_keys(self) -> set[str] | None:
        """Transitions of every workflow; ``None`` when a workflow failed its schema."""
        return self._collect("transitions", "Workflow", "transitions")

    def all_field_keys(self) -> set[str] | None:
        """Fields of every ticket type; ``None`` when a ticket type failed its schema."""
        return self._collect("fields", "TicketType", "fields")

    def _collect(self, name: str, kind: str, member: str) -> set[str] | None:
        # Do not guess what a definition with schema errors contains: that would report a
        # second, misleading problem for every reference into it.
        if self.is_partial(kind):
            return None
        if name not in self._cache:
            found: set[str] = set()
            for definition in self.of_kind(kind):
                for _, item in items(definition.spec.get(member)):
                    if isinstance(item.get("key"), str):
                        found.add(item["key"])
            self._cache[name] = found
        return self._cache[name]


def reference_problem(
    definition: Definition,
    value: Any,
    candidates: Iterable[str] | None,
    path: JsonPath,
    code: str,
    what: str,
    *,
    message: str | None = None,
) -> Problem | None:
    """A ``ref.*`` problem when ``value`` is not among ``candidates``, else ``None``.

    The message is ``unknown <what> 'value'`` unless ``message`` is given; ``candidates`` of
    ``None`` means "cannot tell" and reports nothing.
    """
    if candidates is None:
        return None
    names = set(candidates)
    if not isinstance(value, str) or value in names:
        return None
    return definition.problem(
        code, message or f"unknown {what} {value!r}", path, hint=did_you_mean(value, names)
    )


def check_references(
    definition: Definition,
    values: Sequence[tuple[Any, JsonPath]],
    candidates: Iterable[str] | None,
    code: str,
    what: str,
) -> list[Problem]:
    """:func:`reference_problem` for several ``(value, path)`` pairs against one candidate set."""
    if candidates is None:
        return []
    names = set(candidates)
    found = []
    for value, path in values:
        problem = reference_problem(definition, value, names, path, code, what)
        if problem is not None:
            found.append(problem)
    return found
