"""The variables a condition may name, with their field types: the type checker's scope.

:func:`base_scope` is the core context every condition sees. :func:`ticket_type_scope` adds the
form fields of one TicketType and narrows the core choices to what its definitions allow, which
is what semantic validation checks a TicketType's conditions against.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
CHANNELS: tuple[str, ...] = ("phone", "web", "portal", "email", "wechat", "sms", "api")
STATE_CATEGORIES: tuple[str, ...] = ("open", "paused", "resolved", "closed")


@dataclass(frozen=True, slots=True)
class Variable:
    """A name a condition can read: ``ticket.priority`` of field type ``select``.

    :param options: the allowed values when known (select, multiselect); ``None`` when any
        value of the type is acceptable.
    """

    name: str
    type: str
    options: tuple[str, ...] | None = None


class Scope(Mapping[str, Variable]):
    """An immutable mapping of variable name → :class:`Variable`."""

    __slots__ = ("_variables",)

    def __init__(self, variables: Iterable[Variable] = ()) -> None:
        self._variables: dict[str, Variable] = {v.name: v for v in variables}

    def __getitem__(self, name: str) -> Variable:
        return self._variables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._variables)

    def __len__(self) -> int:
        return len(self._variables)

    def __repr__(self) -> str:
        return f"Scope({sorted(self._variables)!r})"

    def extend(self, *variables: Variable, replace: bool = True) -> Scope:
        """A new scope with ``variables`` added; with ``replace=False`` existing names win."""
        merged = dict(self._variables)
        for variable in variables:
            if replace or variable.name not in merged:
                merged[variable.name] = variable
        return Scope(merged.values())

    def extend_types(self, types: Mapping[str, str], *, replace: bool = True) -> Scope:
        """A new scope with ``name → field type`` pairs added (the shape plugins contribute)."""
        return self.extend(*(Variable(n, t) for n, t in types.items()), replace=replace)

    def with_options(self, name: str, options: Iterable[str] | None) -> Scope:
        """A new scope where ``name`` allows only ``options`` (unchanged if ``name`` is unknown)."""
        variable = self._variables.get(name)
        if variable is None:
            return self
        values = None if options is None else tuple(options)
        return self.extend(Variable(variable.name, variable.type, values))


_BASE: tuple[Variable, ...] = (
    Variable("ticket.number", "text"),
    Variable("ticket.type", "select"),
    Variable("ticket.state", "select"),
    Variable("ticket.state_category", "select", STATE_CATEGORIES),
    Variable("ticket.priority", "select", PRIORITIES),
    Variable("ticket.channel", "select", CHANNELS),
    Variable("ticket.department", "department"),
    Variable("ticket.assignee", "user"),
    Variable("ticket.created_at", "datetime"),
    Variable("ticket.updated_at", "datetime"),
    Variable("ticket.resolved_at", "datetime"),
    Variable("ticket.reopen_count", "int"),
    Variable("ticket.charge_class", "select"),
    Variable("customer.id", "customer"),
    Variable("customer.name", "text"),
    Variable("customer.tier", "select"),
    Variable("customer.region", "text"),
    Variable("customer.code", "text"),
    Variable("contact.name", "text"),
    Variable("contact.phone", "phone"),
    Variable("contact.email", "email"),
    Variable("address.region", "text"),
    Variable("address.city", "text"),
    Variable("asset.id", "asset"),
    Variable("asset.product_model", "select"),
    Variable("asset.serial_number", "text"),
    Variable("asset.install_date", "date"),
    Variable("asset.warranty_end", "date"),
    Variable("asset.in_warranty", "bool"),
    Variable("contract.level", "select"),
    Variable("contract.active", "bool"),
    Variable("user.id", "user"),
    Variable("user.role", "select"),
    Variable("user.department", "department"),
    Variable("now", "datetime"),
)

#: Names of the core ticket variables (``ticket.<name>``) a form field may not redefine.
CORE_TICKET_FIELDS: frozenset[str] = frozenset(
    v.name.removeprefix("ticket.") for v in _BASE if v.name.startswith("ticket.")
)


def base_scope() -> Scope:
    """The core context: ticket core variables, customer, contact, address, asset, contract,
    user and ``now``."""
    return Scope(_BASE)


def ticket_type_scope(
    fields: Iterable[Mapping[str, object]],
    *,
    states: Iterable[str] | None = None,
    option_lists: Mapping[str, Sequence[str]] | None = None,
    ticket_types: Iterable[str] | None = None,
    base: Scope | None = None,
) -> Scope:
    """The scope of one TicketType's conditions.

    :param fields: the ``spec.fields`` entries (``{key, type, options}``); each becomes
        ``ticket.<key>``. Entries without a string ``key`` and ``type`` are skipped (the schema
        reports them), and a field named like a core variable does not replace it.
    :param states: the workflow's state keys: the options of ``ticket.state``.
    :param option_lists: OptionList key → its values, to resolve a field's ``options: key``.
    :param ticket_types: the known TicketType keys: the options of ``ticket.type``.
    :param base: the scope to start from (default :func:`base_scope`; pass one extended with
        plugin context variables).
    """
    scope = base if base is not None else base_scope()
    lists = option_lists or {}
    added: list[Variable] = []
    for spec in fields:
        if not isinstance(spec, Mapping):
            continue
        key, type_name = spec.get("key"), spec.get("type")
        if not isinstance(key, str) or not isinstance(type_name, str):
            continue
        added.append(Variable(f"ticket.{key}", type_name, _field_options(spec, lists)))
    scope = scope.extend(*added, replace=False)
    if states is not None:
        scope = scope.with_options("ticket.state", states)
    if ticket_types is not None:
        scope = scope.with_options("ticket.type", ticket_types)
    return scope


def _field_options(
    spec: Mapping[str, object], option_lists: Mapping[str, Sequence[str]]
) -> tuple[str, ...] | None:
    options = spec.get("options")
    if isinstance(options, str):
        values = option_lists.get(options)
        return tuple(values) if values is not None else None
    if isinstance(options, list | tuple):
        found = [o.get("value") if isinstance(o, Mapping) else o for o in options]
        return tuple(v for v in found if isinstance(v, str))
    return None
