"""What a condition may say in one definition being edited: the rule builder's vocabulary (IO-free).

The variables come from the same scopes the validator checks conditions against
(:mod:`gongdan.definitions.semantic.conditions`), the operators each variable allows from its
field type (:mod:`gongdan.workflow.fields`) and the shape of each operator's value from
:mod:`gongdan.conditions.operators`, so the builder never offers what Validate would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from gongdan.conditions.operators import (
    DURATION_OPERATORS,
    LIST_OPERATORS,
    NO_VALUE_OPERATORS,
    OPERATORS,
)
from gongdan.conditions.scope import Scope
from gongdan.definitions.documents import Definition
from gongdan.definitions.extensions import Extensions
from gongdan.definitions.semantic.conditions import (
    scope_for_fields,
    survey_answer_scope,
    survey_result_scope,
    ticket_type_scope,
    union_scope,
)
from gongdan.definitions.semantic.context import SemanticContext, items
from gongdan.definitions.semantic.fieldtypes import field_type_registry
from gongdan.definitions.validate import active_set
from gongdan.workflow.fields import FieldTypeRegistry

ValueShape = Literal["none", "single", "list", "pair", "duration", "pattern"]

#: Where the builder groups a variable, by the first part of its name (others: ``other``).
GROUPS: tuple[str, ...] = (
    "ticket",
    "customer",
    "contact",
    "address",
    "asset",
    "contract",
    "user",
    "answer",
    "other",
)

#: The kinds whose documents hold conditions, and so get the builder.
CONDITION_KINDS: tuple[str, ...] = (
    "TicketType",
    "Workflow",
    "RoutingRule",
    "SlaPolicy",
    "Automation",
    "SurveyTemplate",
)


def operator_shape(op: str) -> ValueShape:
    """What the ``value`` of ``op`` looks like: nothing, one value, a list, two values ..."""
    if op in NO_VALUE_OPERATORS:
        return "none"
    if op in LIST_OPERATORS:
        return "list"
    if op in DURATION_OPERATORS:
        return "duration"
    if op == "between":
        return "pair"
    if op == "matches":
        return "pattern"
    return "single"


def takes_references(op: str) -> bool:
    """Whether a value of ``op`` may be a ``$reference`` to another variable."""
    return operator_shape(op) in ("single", "list", "pair")


@dataclass(frozen=True, slots=True)
class VariableChoice:
    """One variable the builder offers: its type, operators, options and title.

    :param value_kind: the field type's kind (``choice``, ``number``, ``date`` ...), which
        decides the value widget; ``unknown`` when the type is not registered.
    :param title: the form field's ``{zh, en}`` title, for ``ticket.<field>`` variables.
    """

    name: str
    type: str
    value_kind: str
    operators: tuple[str, ...]
    options: tuple[str, ...] | None
    group: str
    title: Mapping[str, str] | None = None
    option_titles: Mapping[str, Mapping[str, str]] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape the builder reads."""
        return {
            "name": self.name,
            "type": self.type,
            "kind": self.value_kind,
            "operators": list(self.operators),
            "options": list(self.options) if self.options is not None else None,
            "group": self.group,
        }


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The variables of each scope a definition's conditions run in (``scope name → choices``)."""

    scopes: Mapping[str, tuple[VariableChoice, ...]]

    def variable(self, scope: str, name: str) -> VariableChoice | None:
        """The choice called ``name`` in ``scope``, or ``None``."""
        return next((v for v in self.scopes.get(scope, ()) if v.name == name), None)


def group_of(name: str) -> str:
    """The builder group of a variable name: ``customer.tier`` → ``customer``."""
    head = name.split(".", 1)[0]
    return head if head in GROUPS and "." in name else "other"


def choices(
    scope: Scope,
    types: FieldTypeRegistry,
    titles: Mapping[str, Any],
    option_titles: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
) -> tuple[VariableChoice, ...]:
    """Every variable of ``scope`` with the operators its field type allows, by group and name.

    :param titles: variable name → its ``{zh, en}`` title (form fields).
    :param option_titles: variable name → option value → the option's ``{zh, en}`` title.
    """
    found = []
    for name, variable in scope.items():
        field_type = types.get(variable.type)
        operators = (
            tuple(op for op in OPERATORS if op in field_type.operators) if field_type else ()
        )
        title = titles.get(name)
        found.append(
            VariableChoice(
                name=name,
                type=variable.type,
                value_kind=field_type.value_kind if field_type else "unknown",
                operators=operators,
                options=variable.options,
                group=group_of(name),
                title=title if isinstance(title, Mapping) else None,
                option_titles=(option_titles or {}).get(name),
            )
        )
    order = {group: index for index, group in enumerate(GROUPS)}
    return tuple(sorted(found, key=lambda v: (order[v.group], v.name)))


def field_titles(ticket_types: Sequence[Definition]) -> dict[str, Any]:
    """``ticket.<field>`` → the field's title; the first ticket type naming a field wins."""
    titles: dict[str, Any] = {}
    for ticket_type in ticket_types:
        for _, field in items(ticket_type.spec.get("fields")):
            key = field.get("key")
            if isinstance(key, str):
                titles.setdefault(f"ticket.{key}", field.get("title"))
    return titles


def field_option_titles(
    ticket_types: Sequence[Definition], ctx: SemanticContext
) -> dict[str, dict[str, Mapping[str, str]]]:
    """``ticket.<field>`` → option value → title, from inline options or the OptionList."""
    found: dict[str, dict[str, Mapping[str, str]]] = {}
    for ticket_type in ticket_types:
        for _, field in items(ticket_type.spec.get("fields")):
            key, options = field.get("key"), field.get("options")
            if not isinstance(key, str) or f"ticket.{key}" in found:
                continue
            if isinstance(options, str):
                option_list = ctx.get("OptionList", options)
                options = option_list.spec.get("options") if option_list else None
            titles = {
                str(option["value"]): option["title"]
                for _, option in items(options)
                if "value" in option and isinstance(option.get("title"), Mapping)
            }
            if titles:
                found[f"ticket.{key}"] = titles
    return found


def vocabulary_for(
    draft: Definition, installed: Sequence[Definition], extensions: Extensions
) -> Vocabulary:
    """The vocabulary of ``draft`` with ``installed`` (the active set) around it.

    A TicketType's conditions see its own fields; a Workflow's those of the ticket types using
    it (or of every type when none does yet); RoutingRule, SlaPolicy and Automation conditions
    the fields of every ticket type; a SurveyTemplate has two scopes, ``answers`` for question
    ``visible_if`` and ``result`` for ``on_result``. Plugin context variables are included.
    """
    definitions = active_set(installed, [draft])
    # The draft may not pass its schema yet: the scope builders skip what they cannot read.
    ctx = SemanticContext.build(definitions, definitions, extensions)
    types = field_type_registry(ctx)
    all_types = sorted(ctx.of_kind("TicketType"), key=lambda d: d.key)
    kind = draft.kind
    if kind == "TicketType":
        scope = ticket_type_scope(ctx, draft)
        return Vocabulary(
            {
                "ticket": choices(
                    scope, types, field_titles([draft]), field_option_titles([draft], ctx)
                )
            }
        )
    if kind == "SurveyTemplate":
        answers = survey_answer_scope(ctx, draft.spec.get("questions"))
        result = survey_result_scope(ctx, draft)
        titles, options = field_titles(all_types), field_option_titles(all_types, ctx)
        return Vocabulary(
            {
                "answers": choices(answers, types, {}),
                "result": choices(result, types, titles, options),
            }
        )
    if kind == "Workflow":
        users = sorted(ctx.ticket_types_using(draft.key), key=lambda d: d.key)
        if users:
            fields = [field for user in users for _, field in items(user.spec.get("fields"))]
            states = [
                s["key"]
                for _, s in items(draft.spec.get("states"))
                if isinstance(s.get("key"), str)
            ]
            scope = scope_for_fields(fields, states, ctx)
            return Vocabulary(
                {
                    "ticket": choices(
                        scope, types, field_titles(users), field_option_titles(users, ctx)
                    )
                }
            )
    return Vocabulary(
        {
            "ticket": choices(
                union_scope(ctx),
                types,
                field_titles(all_types),
                field_option_titles(all_types, ctx),
            )
        }
    )


def operator_table() -> list[dict[str, Any]]:
    """Every operator with the shape of its value and whether it takes ``$references``."""
    return [
        {"op": op, "value": operator_shape(op), "references": takes_references(op)}
        for op in OPERATORS
    ]
