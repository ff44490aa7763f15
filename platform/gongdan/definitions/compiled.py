"""Immutable runtime objects compiled from a valid definition set.

The engine, routing, SLA, notification and survey services read these, never raw YAML data:
conditions are already :class:`~gongdan.conditions.Predicate` objects, durations parsed,
templates compiled, lists sorted. Nested data (actions, defaults) is frozen into read-only
mappings and tuples so no caller can change a cached definition by accident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2

from gongdan.conditions import EvaluationContext, Predicate
from gongdan.definitions.frozen import Duration

LocalText = Mapping[str, str]


def _matches(predicate: Predicate | None, context: EvaluationContext) -> bool:
    return predicate is None or predicate(context)


@dataclass(frozen=True, eq=False)
class CompiledField:
    """One form field of a ticket type; ``options`` are the resolved OptionList values."""

    key: str
    type: str
    title: LocalText
    required: bool = False
    required_in_states: frozenset[str] = frozenset()
    visible_if: Predicate | None = None
    required_if: Predicate | None = None
    option_list: str | None = None
    options: tuple[str, ...] | None = None
    default: Any = None
    has_default: bool = False
    section: str | None = None
    customer_visible: bool = True
    customer_editable: bool = False
    columns: tuple[CompiledField, ...] = ()
    spec: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def is_required(self, state: str | None, context: EvaluationContext | None = None) -> bool:
        """Required always, in ``state``, or because ``required_if`` holds in ``context``."""
        if self.required or (state is not None and state in self.required_in_states):
            return True
        return bool(self.required_if and context is not None and self.required_if(context))

    def is_visible(self, context: EvaluationContext | None = None) -> bool:
        """Shown unless ``visible_if`` is false in ``context``."""
        return self.visible_if is None or context is None or self.visible_if(context)


@dataclass(frozen=True, eq=False)
class CompiledDeriveRule:
    """``value`` applies when ``predicate`` holds (always without one); first match wins."""

    value: Any
    predicate: Predicate | None = None


@dataclass(frozen=True, eq=False)
class CompiledPermissions:
    """Roles that may create or view tickets of a type, and who may edit which field."""

    create: frozenset[str] = frozenset()
    view: frozenset[str] = frozenset()
    edit_fields: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class CompiledTicketType:
    """A ticket type: its form, numbering, defaults, derived values and permissions."""

    key: str
    title: LocalText
    workflow_key: str
    numbering: str | None
    fields: tuple[CompiledField, ...]
    defaults: Mapping[str, Any]
    derive: Mapping[str, tuple[CompiledDeriveRule, ...]]
    permissions: CompiledPermissions
    layout: tuple[Mapping[str, Any], ...] = ()
    revision_id: int | None = None
    content_hash: str | None = None

    def field(self, key: str) -> CompiledField | None:
        """The field called ``key``, or ``None``."""
        for candidate in self.fields:
            if candidate.key == key:
                return candidate
        return None

    def derived_value(self, key: str, context: EvaluationContext) -> tuple[bool, Any]:
        """The value of the first derive rule for ``key`` that matches.

        :returns: ``(True, value)``, or ``(False, None)`` when none matches; a rule without
            ``when`` always matches.
        """
        for rule in self.derive.get(key, ()):
            if _matches(rule.predicate, context):
                return True, rule.value
        return False, None


@dataclass(frozen=True, eq=False)
class CompiledState:
    """One workflow state."""

    key: str
    title: LocalText
    category: str
    owner: str | None = None
    final: bool = False
    customer_status: LocalText = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class CompiledTransition:
    """One transition; ``sources`` already expands ``"*"`` to every non-final state."""

    key: str
    title: LocalText
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    predicate: Predicate | None = None
    require_fields: tuple[str, ...] = ()
    comment: str = "optional"
    actions: tuple[Mapping[str, Any], ...] = ()

    def allowed_for(self, roles: frozenset[str] | set[str]) -> bool:
        """True when any of ``roles`` may take this transition (no roles listed: anyone)."""
        return not self.roles or bool(self.roles & set(roles))


@dataclass(frozen=True, eq=False)
class CompiledWorkflow:
    """A state machine and its department transfer paths."""

    key: str
    title: LocalText
    initial: str
    states: Mapping[str, CompiledState]
    transitions: tuple[CompiledTransition, ...]
    transfers: Mapping[str, frozenset[str]]
    revision_id: int | None = None
    content_hash: str | None = None

    def state(self, key: str) -> CompiledState:
        """The state ``key``; :class:`KeyError` names it when unknown."""
        return self.states[key]

    def transitions_from(self, state: str) -> tuple[CompiledTransition, ...]:
        """Transitions that may leave ``state``, in definition order."""
        return tuple(t for t in self.transitions if state in t.sources)

    def transition(self, key: str) -> CompiledTransition | None:
        """The transition called ``key``, or ``None``."""
        for candidate in self.transitions:
            if candidate.key == key:
                return candidate
        return None

    def may_transfer(self, source: str, target: str) -> bool:
        """Whether department ``source`` may hand a ticket to ``target`` directly."""
        return target in self.transfers.get(source, frozenset())


@dataclass(frozen=True, eq=False)
class CompiledRoutingRule:
    """A routing rule; ``applies_to`` says whether it fires for an event and a ticket."""

    key: str
    order: int
    default: bool
    on: frozenset[str]
    predicate: Predicate | None
    department: str | None
    strategy: str
    assign: Mapping[str, Any]
    fallback_queue: str | None = None

    def applies_to(self, event: str, context: EvaluationContext) -> bool:
        return (not self.on or event in self.on) and _matches(self.predicate, context)


@dataclass(frozen=True, eq=False)
class CompiledEscalation:
    """One rung of the ladder: at ``at_percent`` of ``metric``'s target, run ``actions``."""

    level: int
    at_percent: float
    metric: str
    actions: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, eq=False)
class CompiledSlaPolicy:
    """Targets per priority and metric (business time), pauses and the escalation ladder."""

    key: str
    order: int
    default: bool
    predicate: Predicate | None
    calendar_key: str | None
    pause_states: frozenset[str]
    targets: Mapping[str, Mapping[str, Duration]]
    ladder: tuple[CompiledEscalation, ...]
    revision_id: int | None = None
    content_hash: str | None = None

    def target(self, priority: str, metric: str) -> Duration | None:
        """The target of ``metric`` for ``priority``, or ``None`` when none is set."""
        return self.targets.get(priority, {}).get(metric)

    def matches(self, context: EvaluationContext) -> bool:
        return _matches(self.predicate, context)


@dataclass(frozen=True, eq=False)
class CompiledCalendar:
    """Business hours per weekday (0 = Monday) as ``(start, end)`` minutes after midnight."""

    key: str
    timezone: str
    week: Mapping[int, tuple[tuple[int, int], ...]]
    holidays_from: str
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    workday_hours: tuple[tuple[int, int], ...]


@dataclass(frozen=True, eq=False)
class CompiledQuestion:
    """One survey question."""

    key: str
    type: str
    title: LocalText
    required: bool
    weight: float
    min: int | None
    max: int | None
    options: tuple[Mapping[str, Any], ...]
    visible_if: Predicate | None = None


@dataclass(frozen=True, eq=False)
class CompiledResultRule:
    """A follow-up: when ``predicate`` holds for the answered survey, run ``actions``."""

    predicate: Predicate | None
    actions: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, eq=False)
class CompiledSurveyTemplate:
    """A callback survey: when it is sent, its questions, scoring and follow-ups."""

    key: str
    title: LocalText
    for_types: frozenset[str]
    send_on: str
    delay: Duration | None
    channels: tuple[str, ...]
    expires_after: Duration | None
    questions: tuple[CompiledQuestion, ...]
    scoring_method: str
    on_result: tuple[CompiledResultRule, ...]
    revision_id: int | None = None
    content_hash: str | None = None


@dataclass(frozen=True, eq=False)
class CompiledNotificationTemplate:
    """Per channel, part (subject, body) and language: a compiled sandboxed Jinja template."""

    key: str
    on: frozenset[str]
    to: tuple[str, ...]
    variables: frozenset[str]
    templates: Mapping[str, Mapping[str, Mapping[str, jinja2.Template]]]

    def channels(self) -> tuple[str, ...]:
        return tuple(self.templates)

    def render(
        self, channel: str, part: str, language: str, variables: Mapping[str, Any]
    ) -> str | None:
        """Render one part; falls back to any language the template has. ``None``: no such part.

        Only the declared variables are passed in, so a template cannot read anything else.
        """
        texts = self.templates.get(channel, {}).get(part)
        if not texts:
            return None
        template = texts.get(language) or next(iter(texts.values()))
        return template.render({k: v for k, v in variables.items() if k in self.variables})


@dataclass(frozen=True, eq=False)
class CompiledAutomation:
    """Events or a schedule, a condition and actions."""

    key: str
    on: frozenset[str]
    every: Duration | None
    cron: str | None
    predicate: Predicate | None
    actions: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, eq=False)
class CompiledOptionList:
    """Shared choices: ``options`` keep value, title and tags."""

    key: str
    title: LocalText
    options: tuple[Mapping[str, Any], ...]

    def values(self) -> tuple[str, ...]:
        return tuple(str(o["value"]) for o in self.options)


@dataclass(frozen=True, eq=False)
class CompiledDepartment:
    key: str
    title: LocalText
    parent: str | None
    email: str | None


@dataclass(frozen=True, eq=False)
class CompiledRole:
    key: str
    title: LocalText
    permissions: frozenset[str]


@dataclass(frozen=True, eq=False)
class CompiledInboundMapping:
    """One mapping of an inbound channel: the value at ``path`` of a payload goes to ``target``."""

    target: str
    source: str
    path: tuple[str | int, ...]
    required: bool = False


@dataclass(frozen=True, eq=False)
class CompiledInboundChannel:
    """How messages of one inbound channel (e-mail, a WeChat or SMS gateway) become tickets.

    ``verify`` is ``None`` or ``{method, header, secret_setting, prefix}``; the secret itself
    is a setting, never part of a definition. ``reply_*`` paths find the ticket a message
    answers and the text that becomes the comment.
    """

    key: str
    title: LocalText
    channel: str
    format: str
    ticket_type: str
    priority: str | None
    verify: Mapping[str, str] | None
    mappings: tuple[CompiledInboundMapping, ...]
    defaults: Mapping[str, Any]
    reply_number: CompiledInboundMapping | None = None
    reply_search: tuple[CompiledInboundMapping, ...] = ()
    reply_comment: CompiledInboundMapping | None = None
    message_id: CompiledInboundMapping | None = None


Identity = tuple[str, str]


@dataclass(frozen=True, eq=False)
class CompiledSet:
    """Every compiled definition of one active set, by kind and key.

    ``revision_ids`` and ``content_hashes`` map ``(kind, key)`` to the revision a definition
    came from (when known) and its content hash, for pinning and cache checks.
    """

    ticket_types: Mapping[str, CompiledTicketType]
    workflows: Mapping[str, CompiledWorkflow]
    routing_rules: tuple[CompiledRoutingRule, ...]
    sla_policies: tuple[CompiledSlaPolicy, ...]
    calendars: Mapping[str, CompiledCalendar]
    survey_templates: Mapping[str, CompiledSurveyTemplate]
    notification_templates: Mapping[str, CompiledNotificationTemplate]
    automations: Mapping[str, CompiledAutomation]
    option_lists: Mapping[str, CompiledOptionList]
    departments: Mapping[str, CompiledDepartment]
    roles: Mapping[str, CompiledRole]
    plugin_definitions: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    inbound_channels: Mapping[str, CompiledInboundChannel] = field(default_factory=dict)
    revision_ids: Mapping[Identity, int] = field(default_factory=dict)
    content_hashes: Mapping[Identity, str] = field(default_factory=dict)

    def routing_rule(self, key: str) -> CompiledRoutingRule | None:
        return next((r for r in self.routing_rules if r.key == key), None)

    def sla_policy(self, key: str) -> CompiledSlaPolicy | None:
        return next((p for p in self.sla_policies if p.key == key), None)

    def workflow_of(self, ticket_type: str) -> CompiledWorkflow:
        """The workflow of a ticket type; :class:`KeyError` when either is unknown."""
        return self.workflows[self.ticket_types[ticket_type].workflow_key]

    def matching_routing_rule(
        self, event: str, context: EvaluationContext
    ) -> CompiledRoutingRule | None:
        """The first rule (by order, the default last) that applies to ``event`` and the ticket."""
        return next((r for r in self.routing_rules if r.applies_to(event, context)), None)

    def matching_sla_policy(self, context: EvaluationContext) -> CompiledSlaPolicy | None:
        """The first policy (by order, the default last) whose condition holds."""
        return next((p for p in self.sla_policies if p.matches(context)), None)
