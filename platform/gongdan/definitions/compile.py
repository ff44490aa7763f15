"""Compile a valid definition set into immutable runtime objects (:class:`CompiledSet`).

Compiling happens once per active revision set and per process: conditions become predicates,
durations timedeltas, templates compiled Jinja in one shared sandbox, lists sorted the way the
engine walks them. An invalid set is refused with every problem, never half-compiled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from gongdan.channels.compile import compile_inbound_channel
from gongdan.conditions import Predicate, compile_condition
from gongdan.conditions.functions import FunctionRegistry
from gongdan.definitions.compile_templates import TemplateCompiler
from gongdan.definitions.compiled import (
    CompiledAutomation,
    CompiledCalendar,
    CompiledDepartment,
    CompiledDeriveRule,
    CompiledEscalation,
    CompiledField,
    CompiledOptionList,
    CompiledPermissions,
    CompiledQuestion,
    CompiledResultRule,
    CompiledRole,
    CompiledRoutingRule,
    CompiledSet,
    CompiledSlaPolicy,
    CompiledState,
    CompiledSurveyTemplate,
    CompiledTicketType,
    CompiledTransition,
    CompiledWorkflow,
)
from gongdan.definitions.documents import Definition
from gongdan.definitions.extensions import Extensions, core_extensions
from gongdan.definitions.frozen import WEEKDAYS, duration, freeze, interval
from gongdan.definitions.semantic.conditions import functions_for
from gongdan.definitions.semantic.sla import parse_percentage
from gongdan.definitions.semantic.workflows import is_final
from gongdan.definitions.validate import has_errors, validate_definitions
from gongdan.errors import DefinitionError

__all__ = ["CompiledSet", "compile_definitions"]


def compile_definitions(
    definitions: Sequence[Definition],
    *,
    extensions: Extensions | None = None,
    revision_ids: Mapping[tuple[str, str], int] | None = None,
    validate: bool = True,
) -> CompiledSet:
    """Compile a valid definition set.

    :param revision_ids: ``(kind, key)`` → revision id, recorded on the compiled objects.
    :param validate: run :func:`~gongdan.definitions.validate.validate_definitions` first; a
        caller that has just validated the same set may skip it.
    :raises DefinitionError: the set has errors; ``problems`` lists every one.
    """
    extensions = extensions or core_extensions()
    if validate:
        problems = validate_definitions(definitions, extensions=extensions)
        if has_errors(problems):
            errors = [p for p in problems if p.severity == "error"]
            raise DefinitionError(
                f"{len(errors)} problem(s) in the definitions; first: {errors[0].format()}",
                problems,
            )
    return _Compiler(definitions, extensions, revision_ids or {}).run()


class _Compiler:
    def __init__(
        self,
        definitions: Sequence[Definition],
        extensions: Extensions,
        revision_ids: Mapping[tuple[str, str], int],
    ) -> None:
        self.by_kind: dict[str, dict[str, Definition]] = {}
        for definition in definitions:
            self.by_kind.setdefault(definition.kind, {})[definition.key] = definition
        self.functions: FunctionRegistry = functions_for(extensions)
        self.revision_ids = revision_ids
        self.templates = TemplateCompiler()
        self.option_lists = {d.key: self.option_list(d) for d in self.of("OptionList")}
        self.option_values = {key: o.values() for key, o in self.option_lists.items()}

    def of(self, kind: str) -> list[Definition]:
        return list(self.by_kind.get(kind, {}).values())

    def predicate(self, node: Any) -> Predicate | None:
        return None if node is None else compile_condition(node, self.functions)

    def revision(self, definition: Definition) -> int | None:
        return self.revision_ids.get((definition.kind, definition.key))

    def run(self) -> CompiledSet:
        routing = sorted(
            (self.routing_rule(d) for d in self.of("RoutingRule")),
            key=lambda r: (r.default, r.order, r.key),
        )
        policies = sorted(
            (self.sla_policy(d) for d in self.of("SlaPolicy")),
            key=lambda p: (p.default, p.order, p.key),
        )
        plugin = {
            kind: MappingProxyType({key: freeze(d.spec) for key, d in by_key.items()})
            for kind, by_key in self.by_kind.items()
            if "." in kind
        }
        all_definitions = [d for by_key in self.by_kind.values() for d in by_key.values()]
        return CompiledSet(
            ticket_types=self._map("TicketType", self.ticket_type),
            workflows=self._map("Workflow", self.workflow),
            routing_rules=tuple(routing),
            sla_policies=tuple(policies),
            calendars=self._map("Calendar", self.calendar),
            survey_templates=self._map("SurveyTemplate", self.survey),
            notification_templates=self._map("NotificationTemplate", self.templates.compile),
            automations=self._map("Automation", self.automation),
            option_lists=MappingProxyType(self.option_lists),
            departments=self._map("Department", self.department),
            roles=self._map("Role", self.role),
            plugin_definitions=MappingProxyType(plugin),
            inbound_channels=self._map("InboundChannel", compile_inbound_channel),
            revision_ids=MappingProxyType(dict(self.revision_ids)),
            content_hashes=MappingProxyType(
                {(d.kind, d.key): d.content_hash for d in all_definitions}
            ),
        )

    def _map(self, kind: str, build: Any) -> Mapping[str, Any]:
        return MappingProxyType({d.key: build(d) for d in self.of(kind)})

    def field(self, spec: Mapping[str, Any]) -> CompiledField:
        option_list = spec.get("options") if isinstance(spec.get("options"), str) else None
        return CompiledField(
            key=spec["key"],
            type=spec["type"],
            title=freeze(spec.get("title", {})),
            required=bool(spec.get("required", False)),
            required_in_states=frozenset(spec.get("required_in_states", ())),
            visible_if=self.predicate(spec.get("visible_if")),
            required_if=self.predicate(spec.get("required_if")),
            option_list=option_list,
            options=self.option_values.get(option_list) if option_list else None,
            default=freeze(spec.get("default")),
            has_default="default" in spec,
            section=spec.get("section"),
            customer_visible=bool(spec.get("customer_visible", True)),
            customer_editable=bool(spec.get("customer_editable", False)),
            columns=tuple(self.field(c) for c in spec.get("columns", ())),
            spec=freeze(spec),
        )

    def ticket_type(self, definition: Definition) -> CompiledTicketType:
        spec = definition.spec
        permissions = spec.get("permissions", {})
        derive = {
            name: tuple(
                CompiledDeriveRule(freeze(rule.get("value")), self.predicate(rule.get("when")))
                for rule in rules
            )
            for name, rules in spec.get("derive", {}).items()
        }
        return CompiledTicketType(
            key=definition.key,
            title=freeze(definition.title),
            workflow_key=spec["workflow"],
            numbering=spec.get("numbering"),
            fields=tuple(self.field(f) for f in spec.get("fields", ())),
            defaults=freeze(spec.get("defaults", {})),
            derive=MappingProxyType(derive),
            permissions=CompiledPermissions(
                create=frozenset(permissions.get("create", ())),
                view=frozenset(permissions.get("view", ())),
                edit_fields=MappingProxyType(
                    {k: frozenset(v) for k, v in permissions.get("edit_fields", {}).items()}
                ),
            ),
            layout=freeze(spec.get("layout", [])),
            revision_id=self.revision(definition),
            content_hash=definition.content_hash,
        )

    def workflow(self, definition: Definition) -> CompiledWorkflow:
        spec = definition.spec
        states = {
            s["key"]: CompiledState(
                key=s["key"],
                title=freeze(s.get("title", {})),
                category=s["category"],
                owner=s.get("owner"),
                final=is_final(s),
                customer_status=freeze(s.get("customer_status", {})),
            )
            for s in spec["states"]
        }
        open_states = frozenset(k for k, s in states.items() if not s.final)
        transitions = []
        for t in spec.get("transitions", ()):
            source = t["from"]
            sources = (
                open_states
                if source == "*"
                else frozenset(source if isinstance(source, list) else [source])
            )
            transitions.append(
                CompiledTransition(
                    key=t["key"],
                    title=freeze(t.get("title", {})),
                    sources=sources,
                    target=t["to"],
                    roles=frozenset(t.get("roles", ())),
                    predicate=self.predicate(t.get("when")),
                    require_fields=tuple(t.get("require_fields", ())),
                    comment=t.get("comment", "optional"),
                    actions=freeze(t.get("actions", [])),
                )
            )
        return CompiledWorkflow(
            key=definition.key,
            title=freeze(definition.title),
            initial=spec["initial"],
            states=MappingProxyType(states),
            transitions=tuple(transitions),
            transfers=MappingProxyType(
                {k: frozenset(v) for k, v in spec.get("transfers", {}).items()}
            ),
            revision_id=self.revision(definition),
            content_hash=definition.content_hash,
        )

    def routing_rule(self, definition: Definition) -> CompiledRoutingRule:
        spec = definition.spec
        assign = spec["assign"]
        return CompiledRoutingRule(
            key=definition.key,
            order=int(spec.get("order", 100)),
            default=bool(spec.get("default", False)),
            on=frozenset(spec.get("on", ("created",))),
            predicate=self.predicate(spec.get("when")),
            department=assign.get("department"),
            strategy=assign.get("strategy", "round_robin"),
            assign=freeze(assign),
            fallback_queue=spec.get("fallback", {}).get("queue"),
        )

    def sla_policy(self, definition: Definition) -> CompiledSlaPolicy:
        spec = definition.spec
        targets = {
            priority: MappingProxyType({m: duration(v) for m, v in metrics.items()})
            for priority, metrics in spec["targets"].items()
        }
        steps = [
            (parse_percentage(step["at"]) or 0.0, index, step)
            for index, step in enumerate(spec.get("escalations", ()))
        ]
        # Fire in threshold order across metrics; the list order breaks ties.
        steps.sort(key=lambda item: (item[0], item[1]))
        ladder = tuple(
            CompiledEscalation(level, at, step["metric"], freeze(step["actions"]))
            for level, (at, _, step) in enumerate(steps, start=1)
        )
        return CompiledSlaPolicy(
            key=definition.key,
            order=int(spec.get("order", 100)),
            default=bool(spec.get("default", False)),
            predicate=self.predicate(spec.get("when")),
            calendar_key=spec.get("calendar"),
            pause_states=frozenset(spec.get("pause_states", ())),
            targets=MappingProxyType(targets),
            ladder=ladder,
            revision_id=self.revision(definition),
            content_hash=definition.content_hash,
        )

    def calendar(self, definition: Definition) -> CompiledCalendar:
        spec = definition.spec
        week = spec.get("week", {})
        return CompiledCalendar(
            key=definition.key,
            timezone=spec["timezone"],
            week=MappingProxyType(
                {
                    number: tuple(sorted(interval(t) for t in week.get(day, ())))
                    for number, day in enumerate(WEEKDAYS)
                }
            ),
            holidays_from=spec.get("holidays_from", "none"),
            holidays=frozenset(dt.date.fromisoformat(d) for d in spec.get("holidays", ())),
            workdays=frozenset(dt.date.fromisoformat(d) for d in spec.get("workdays", ())),
            workday_hours=tuple(sorted(interval(t) for t in spec.get("workday_hours", ()))),
        )

    def survey(self, definition: Definition) -> CompiledSurveyTemplate:
        spec = definition.spec
        send = spec["send"]
        questions = tuple(
            CompiledQuestion(
                key=q["key"],
                type=q["type"],
                title=freeze(q.get("title", {})),
                required=bool(q.get("required", False)),
                weight=float(q.get("weight", 1.0)),
                min=0 if q["type"] == "nps" else q.get("min", 1 if q["type"] == "rating" else None),
                max=10
                if q["type"] == "nps"
                else q.get("max", 5 if q["type"] == "rating" else None),
                options=freeze(q.get("options", [])),
                visible_if=self.predicate(q.get("visible_if")),
            )
            for q in spec["questions"]
        )
        return CompiledSurveyTemplate(
            key=definition.key,
            title=freeze(definition.title),
            for_types=frozenset(spec.get("for", ())),
            send_on=send["on"],
            delay=duration(send.get("delay")),
            channels=tuple(send.get("channels", ("sms",))),
            expires_after=duration(send.get("expires_after")),
            questions=questions,
            scoring_method=spec.get("scoring", {}).get("method", "weighted"),
            on_result=tuple(
                CompiledResultRule(self.predicate(r.get("when")), freeze(r["actions"]))
                for r in spec.get("on_result", ())
            ),
            revision_id=self.revision(definition),
            content_hash=definition.content_hash,
        )

    def automation(self, definition: Definition) -> CompiledAutomation:
        spec = definition.spec
        schedule = spec.get("schedule", {})
        return CompiledAutomation(
            key=definition.key,
            on=frozenset(spec.get("on", ())),
            every=duration(schedule.get("every")),
            cron=schedule.get("cron"),
            predicate=self.predicate(spec.get("when")),
            actions=freeze(spec["actions"]),
        )

    def option_list(self, definition: Definition) -> CompiledOptionList:
        return CompiledOptionList(
            key=definition.key,
            title=freeze(definition.title),
            options=freeze(definition.spec.get("options", [])),
        )

    def department(self, definition: Definition) -> CompiledDepartment:
        spec = definition.spec
        return CompiledDepartment(
            definition.key, freeze(definition.title), spec.get("parent"), spec.get("email")
        )

    def role(self, definition: Definition) -> CompiledRole:
        return CompiledRole(
            definition.key,
            freeze(definition.title),
            frozenset(definition.spec.get("permissions", ())),
        )
