"""The JSON Schema stage: every rule of every core kind, with the exact message and position."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest
from jsonschema import Draft202012Validator

from gongdan.definitions.documents import Definition
from gongdan.definitions.loader import dump_yaml, load_text
from gongdan.definitions.problems import Problem
from gongdan.definitions.schema import (
    core_kinds,
    schema_document,
    spec_schema,
    standalone_spec_schema,
    validate_document,
    validate_schema,
)
from gongdan.errors import PluginError

#: One valid definition of every core kind, using every feature the reference documents.
VALID = """\
kind: TicketType
key: repair
title: {zh: 故障报修, en: Fault repair}
description: {en: A device is broken.}
spec:
  workflow: repair_flow
  numbering: "RP-{yyyy}{mm}{dd}-{seq:4}"
  defaults: {priority: normal}
  fields:
    - key: product_model
      type: select
      title: {zh: 产品型号, en: Product model}
      help: {en: On the type plate.}
      options: product_models
      required: true
      section: device
      customer_editable: true
    - {key: symptom, type: textarea, required: true, max_length: 2000}
    - {key: fault_code, type: select, options: fault_codes, required_in_states: [diagnosing]}
    - {key: on_site, type: bool, default: false, customer_visible: false}
    - key: visit_address
      type: address
      visible_if: {field: ticket.on_site, op: eq, value: true}
      required_if:
        all:
          - {field: ticket.on_site, op: is_set}
          - not: {field: ticket.channel, op: in, value: [email, sms]}
    - key: photos
      type: attachments
      accept: [image/*, application/pdf]
      max_files: 9
      max_size_mb: 10
    - {key: labour_hours, type: decimal, min: 0, max: 24}
    - key: parts
      type: table
      columns:
        - {key: part_no, type: text}
        - {key: qty, type: int, min: 1}
    - {key: part_lines, type: spare_parts.part_lines}
  layout:
    - {key: device, title: {zh: 设备信息, en: Device}, collapsed: false}
  derive:
    charge_class:
      - {when: {fn: billing.in_warranty, args: {asset: "$ticket.asset"}}, value: warranty}
      - {value: billable}
  permissions:
    create: [customer, agent]
    view: [agent, engineer]
    edit_fields: {fault_code: [engineer]}
---
kind: Workflow
key: repair_flow
spec:
  initial: new
  states:
    - key: new
      title: {zh: 新建}
      category: open
      owner: customer_service
      customer_status: {zh: 已受理, en: Received}
    - {key: diagnosing, category: open, owner: workshop}
    - {key: waiting_parts, category: paused, owner: workshop}
    - {key: resolved, category: resolved}
    - {key: closed, category: closed, final: true}
  transitions:
    - key: triage
      title: {zh: 分派, en: Triage}
      from: new
      to: diagnosing
      roles: [agent, system]
      when: {field: ticket.priority, op: ne, value: low}
      require_fields: [product_model]
      comment: optional
      actions: [{do: route, rule: workshop_pool}, {do: assign, to: "$ticket.created_by"}]
    - {key: need_parts, from: [diagnosing], to: waiting_parts}
    - {key: cancel, from: "*", to: closed, comment: required}
    - {key: fix_done, from: diagnosing, to: resolved, when: {field: ticket.fault_code, op: is_set}}
    - key: close
      from: resolved
      to: closed
      actions:
        - {do: transition, transition: close}
        - {do: send_survey, template: repair_callback}
  transfers:
    customer_service: [workshop, quality]
---
kind: RoutingRule
key: vip_first
spec:
  order: 10
  default: false
  on: [created, transferred, "state_entered:new", pm.plan_due]
  when:
    any:
      - {field: customer.tier, op: eq, value: vip}
      - {field: ticket.created_at, op: within_last, value: PT2H}
  assign:
    department: senior_support
    strategy: skill_match
    skills_any: ["$ticket.product_model", espresso_pro]
    capacity: {max_open_per_engineer: 12}
  fallback: {queue: senior_support}
---
kind: RoutingRule
key: by_region
spec:
  assign: {strategy: by_field, field: ticket.region, map: {east: east_team, north: north_team}}
---
kind: SlaPolicy
key: standard
spec:
  order: 100
  default: true
  when: {field: ticket.type, op: in, value: "$customer.types"}
  calendar: cn_workdays
  pause_states: [waiting_customer]
  targets:
    urgent: {first_response: PT30M, on_site: PT2H, resolution: PT4H}
    normal: {first_response: PT4H, resolution: P2D}
  escalations:
    - at: 80%
      metric: resolution
      actions:
        - do: notify
          template: sla_warning
          to: [assignee, "role:service_manager", "department:quality"]
    - at: 100%
      metric: resolution
      actions:
        - {do: set, field: ticket.priority, value: urgent}
        - {do: pm.reschedule, days: 2}
---
kind: Calendar
key: cn_workdays
spec:
  timezone: Asia/Shanghai
  week:
    mon: ["09:00-12:00", "13:00-18:00"]
    fri: ["09:00-24:00"]
    sat: []
  holidays_from: cn
  holidays: [2026-12-31]
  workdays: ["2026-12-27"]
  workday_hours: ["09:00-12:00"]
---
kind: SurveyTemplate
key: repair_callback
spec:
  for: [repair]
  send: {on: "state_entered:closed", delay: PT1H, channels: [sms, email], expires_after: P14D}
  questions:
    - {key: overall, type: rating, min: 1, max: 5, required: true, weight: 0.6}
    - {key: reason, type: choice, options: [{value: slow, title: {en: Slow}, score: 1}]}
    - {key: recommend, type: nps, title: {zh: 推荐意愿}}
    - {key: comment, type: textarea, visible_if: {field: answer.overall, op: le, value: 3}}
  scoring: {method: weighted}
  on_result:
    - when: {field: score, op: between, value: [0, 3]}
      actions: [{do: create_ticket, type: complaint, link: parent}]
---
kind: NotificationTemplate
key: resolved_notice
spec:
  on: ["state_entered:resolved", "field_changed:priority"]
  to: [customer]
  variables: [ticket, customer, state, url]
  channels:
    email:
      subject: {zh: "工单 {{ ticket.number }} 已解决", en: "Ticket {{ ticket.number }} resolved"}
      body:
        zh: |
          您好，{{ customer.name }}：
          您的工单已解决。
        en: |
          Hello {{ customer.name }},
          your ticket is resolved.
    sms: {body: {zh: "工单已解决"}}
    wechat: {body: {zh: "工单已解决"}}
    webhook: {body: {en: "{\\"number\\": \\"{{ ticket.number }}\\"}"}}
---
kind: Automation
key: auto_close
spec:
  on: ["state_entered:resolved"]
  when: {field: ticket.updated_at, op: older_than, value: P7D}
  actions: [{do: transition, transition: close}]
---
kind: Automation
key: nightly
spec:
  schedule: {cron: "0 9 * * 1"}
  actions: [{do: notify, template: resolved_notice}]
---
kind: OptionList
key: product_models
spec:
  options:
    - {value: cm_pro_x1, title: {zh: 咖啡机 Pro X1, en: Coffee machine Pro X1}, tags: [espresso]}
    - {value: E-01, description: {en: Legacy code}}
---
kind: Department
key: workshop
title: {zh: 维修车间}
spec: {parent: service_center, email: workshop@example.com, phone: "+86 21 5555 0100"}
---
kind: Role
key: dispatcher
spec:
  permissions: [ticket.create, ticket.view_department, ticket.dispatch]
---
kind: InboundChannel
key: sms
title: {zh: 短信网关, en: SMS gateway}
spec:
  channel: sms
  ticket_type: repair
  verify: {method: shared_secret, header: X-Gateway-Token, secret_setting: SMS_GATEWAY_SECRET}
  map:
    fields.symptom: {from: $.text, required: true}
    contact.phone: {from: $.from, required: true}
"""


def load(text: str, file: str = "set.yaml") -> list[Definition]:
    definitions, problems = load_text(text, file)
    assert not problems, [p.format() for p in problems]
    return definitions


def schema_problems(text: str, **options: object) -> list[Problem]:
    return [p for d in load(text) for p in validate_schema(d, **options)]  # type: ignore[arg-type]


def broken(old: str, new: str) -> list[Problem]:
    """Problems of ``VALID`` with one exact edit (``old`` must occur exactly once)."""
    assert VALID.count(old) == 1, f"{old!r} occurs {VALID.count(old)} times"
    return schema_problems(VALID.replace(old, new))


def test_the_reference_set_is_valid() -> None:
    definitions = load(VALID)
    assert {d.kind for d in definitions} == set(core_kinds())
    assert schema_problems(VALID) == []


def test_core_kinds_and_their_schemas() -> None:
    assert core_kinds() == (
        "Automation",
        "Calendar",
        "Department",
        "InboundChannel",
        "NotificationTemplate",
        "OptionList",
        "Role",
        "RoutingRule",
        "SlaPolicy",
        "SurveyTemplate",
        "TicketType",
        "Workflow",
    )
    schema = spec_schema("TicketType")
    assert "workflow" in schema["required"]
    schema["required"].append("changed")  # a copy: the validator's schema is untouched
    assert "changed" not in spec_schema("TicketType")["required"]
    with pytest.raises(KeyError):
        spec_schema("Nope")


def test_every_bundled_schema_is_a_valid_draft_2020_12_schema() -> None:
    folder = resources.files("gongdan.definitions") / "schemas"
    names = sorted(e.name for e in folder.iterdir() if e.name.endswith(".json"))
    assert len(names) == 16
    for name in names:
        Draft202012Validator.check_schema(json.loads((folder / name).read_text("utf-8")))
        assert schema_document(name.removesuffix(".json"))["$schema"].endswith("2020-12/schema")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "      required: true\n      section: device",
            "      requird: true\n      section: device",
            (
                "schema.additional_properties",
                "$.spec.fields[0].requird",
                "unknown key 'requird'",
                "did you mean 'required'?",
                15,
                7,
            ),
            id="unknown_field_key",
        ),
        pytest.param(
            "title: {zh: 故障报修, en: Fault repair}",
            "titel: {zh: 故障报修, en: Fault repair}",
            (
                "schema.additional_properties",
                "$.titel",
                "unknown key 'titel'",
                "did you mean 'title'?",
                3,
                1,
            ),
            id="unknown_envelope_key",
        ),
        pytest.param(
            "title: {zh: 维修车间}",
            "title: {cn: 维修车间}",
            (
                "schema.additional_properties",
                "$.title.cn",
                "unknown key 'cn'",
                "allowed keys: zh, en",
                203,
                9,
            ),
            id="unknown_language",
        ),
        pytest.param(
            "  workflow: repair_flow\n",
            "",
            (
                "schema.required",
                "$.spec",
                "missing required key 'workflow'",
                None,
                5,
                1,
            ),
            id="missing_workflow",
        ),
        pytest.param(
            "    urgent: {first_response: PT30M",
            "    urgen: {first_response: PT30M",
            (
                "schema.enum",
                "$.spec.targets.urgen",
                "'urgen' is not one of 'low', 'normal', 'high', 'urgent'",
                "did you mean 'urgent'?",
                118,
                5,
            ),
            id="priority_enum",
        ),
        pytest.param(
            "{key: waiting_parts, category: paused",
            "{key: waiting_parts, category: pause",
            (
                "schema.enum",
                "$.spec.states[2].category",
                "'pause' is not one of 'open', 'paused', 'resolved', 'closed'",
                "did you mean 'paused'?",
                62,
                38,
            ),
            id="category_enum",
        ),
        pytest.param(
            "max_files: 9\n",
            'max_files: "9"\n',
            (
                "schema.type",
                "$.spec.fields[5].max_files",
                "expected integer, got string '9'",
                None,
                31,
                18,
            ),
            id="type_integer",
        ),
        pytest.param(
            "  order: 10\n",
            "  order: ten\n",
            (
                "schema.type",
                "$.spec.order",
                "expected integer, got string 'ten'",
                None,
                90,
                10,
            ),
            id="type_order",
        ),
        pytest.param(
            "resolution: P2D}",
            "resolution: 2 days}",
            (
                "schema.format",
                "$.spec.targets.normal.resolution",
                "'2 days' is not an ISO 8601 duration such as PT4H or P2D",
                None,
                119,
                48,
            ),
            id="duration_words",
        ),
        pytest.param(
            "resolution: PT4H}",
            "resolution: -PT4H}",
            (
                "schema.pattern",
                "$.spec.targets.urgent.resolution",
                "'-PT4H' is not an ISO 8601 duration such as PT4H or P2D",
                None,
                118,
                64,
            ),
            id="duration_negative",
        ),
        pytest.param(
            "- at: 80%",
            "- at: 80 percent",
            (
                "schema.pattern",
                "$.spec.escalations[0].at",
                "'80 percent' is not a percentage such as 80%",
                None,
                121,
                11,
            ),
            id="percentage",
        ),
        pytest.param(
            '"13:00-18:00"',
            '"13:00-18"',
            (
                "schema.pattern",
                "$.spec.week.mon[1]",
                "'13:00-18' is not a time range such as 09:00-12:00",
                None,
                138,
                26,
            ),
            id="time_range",
        ),
        pytest.param(
            "holidays: [2026-12-31]",
            "holidays: [2026-12-32]",
            (
                "schema.format",
                "$.spec.holidays[0]",
                "'2026-12-32' is not a date such as 2026-10-01",
                None,
                142,
                14,
            ),
            id="date",
        ),
        pytest.param(
            "op: ne, value: low",
            "op: neq, value: low",
            (
                "schema.enum",
                "$.spec.transitions[0].when.op",
                (
                    "'neq' is not one of 'eq', 'ne', 'in', 'not_in', 'lt', 'le', 'gt', "
                    "'ge', 'between', 'contains', 'starts_with', 'matches', 'is_set', "
                    "'is_empty', 'changed', 'changed_to', 'changed_from', 'older_than', "
                    "'within_last'"
                ),
                "did you mean 'ne'?",
                71,
                42,
            ),
            id="operator",
        ),
        pytest.param(
            "{field: ticket.fault_code, op: is_set}",
            "{field: ticket.fault_code}",
            (
                "schema.required",
                "$.spec.transitions[3].when",
                "missing required key 'op'",
                None,
                77,
                55,
            ),
            id="leaf_without_op",
        ),
        pytest.param(
            "{field: ticket.on_site, op: is_set}",
            "{field: ticket.on_site, op: is_set, value: true}",
            (
                "schema.not",
                "$.spec.fields[4].required_if.all[0].value",
                "this operator takes no value",
                None,
                26,
                56,
            ),
            id="no_value_operator",
        ),
        pytest.param(
            "{field: ticket.on_site, op: eq, value: true}",
            "{field: ticket.on_site, op: eq}",
            (
                "schema.required",
                "$.spec.fields[4].visible_if",
                "missing required key 'value'",
                None,
                23,
                7,
            ),
            id="value_required",
        ),
        pytest.param(
            "      required_if:\n        all:",
            "      required_if:\n        alll:",
            (
                "schema.additional_properties",
                "$.spec.fields[4].required_if.alll",
                "unknown key 'alll'",
                "did you mean 'all'?",
                25,
                9,
            ),
            id="misspelt_all",
        ),
        pytest.param(
            "{field: answer.overall, op: le",
            "{feild: answer.overall, op: le",
            (
                "schema.additional_properties",
                "$.spec.questions[3].visible_if.feild",
                "unknown key 'feild'",
                "did you mean 'field'?",
                155,
                51,
            ),
            id="misspelt_field",
        ),
        pytest.param(
            "when: {field: ticket.priority, op: ne, value: low}",
            "when: {}",
            (
                "schema.min_properties",
                "$.spec.transitions[0].when",
                "an empty condition: use all, any, not, fn or field/op/value",
                None,
                71,
                13,
            ),
            id="empty_condition",
        ),
        pytest.param(
            "when: {field: ticket.updated_at, op: older_than, value: P7D}",
            'when: "ticket.updated_at > 7 days"',
            (
                "schema.type",
                "$.spec.when",
                "expected mapping, got string 'ticket.updated_at > 7 days'",
                None,
                185,
                9,
            ),
            id="condition_as_text",
        ),
        pytest.param(
            "op: between, value: [0, 3]",
            "op: between, value: 3",
            (
                "schema.type",
                "$.spec.on_result[0].when.value",
                "expected list, got integer 3",
                "'between' takes a list of two values [low, high], got 3",
                158,
                48,
            ),
            id="between_scalar",
        ),
        pytest.param(
            "op: in, value: [email, sms]",
            "op: in, value: email",
            (
                "schema.type",
                "$.spec.fields[4].required_if.all[1].not.value",
                "expected list, got string 'email'",
                (
                    "'in' and 'not_in' take a list of values or a reference such as "
                    "$customer.regions, got 'email'"
                ),
                27,
                57,
            ),
            id="in_scalar",
        ),
        pytest.param(
            "op: older_than, value: P7D",
            "op: older_than, value: 7 days",
            (
                "schema.format",
                "$.spec.when.value",
                "'7 days' is not an ISO 8601 duration such as PT4H or P2D",
                None,
                185,
                59,
            ),
            id="older_than_words",
        ),
        pytest.param(
            "fn: billing.in_warranty",
            "fn: Billing.InWarranty",
            (
                "schema.pattern",
                "$.spec.derive.charge_class[0].when.fn",
                (
                    "'Billing.InWarranty' is not a valid name: use a key such as 'text' or "
                    "a plugin name such as 'pm.next_due'"
                ),
                None,
                44,
                21,
            ),
            id="function_name",
        ),
        pytest.param(
            "[{do: transition, transition: close}]\n",
            "[{do: transition}]\n",
            (
                "schema.required",
                "$.spec.actions[0]",
                "missing required key 'transition'",
                None,
                186,
                13,
            ),
            id="action_missing_param",
        ),
        pytest.param(
            "{do: route, rule: workshop_pool}",
            "{do: route, rul: workshop_pool}",
            (
                "schema.additional_properties",
                "$.spec.transitions[0].actions[0].rul",
                "unknown key 'rul'",
                "did you mean 'rule'?",
                74,
                29,
            ),
            id="action_unknown_param",
        ),
        pytest.param(
            "to: [assignee,",
            "to: [asignee,",
            (
                "schema.pattern",
                "$.spec.escalations[0].actions[0].to[0]",
                (
                    "'asignee' is not a recipient: use customer, contact, assignee, "
                    "department_lead, watchers, role:<role> or department:<department>"
                ),
                "did you mean 'assignee'?",
                126,
                16,
            ),
            id="recipient",
        ),
        pytest.param(
            "on: [created, transferred,",
            "on: [creatd, transferred,",
            (
                "schema.pattern",
                "$.spec.on[0]",
                (
                    "'creatd' is not an event such as created, state_entered:closed or "
                    "field_changed:priority"
                ),
                "did you mean 'created'?",
                92,
                8,
            ),
            id="event",
        ),
        pytest.param(
            "{key: symptom, type: textarea,",
            "{key: symptom, type: Text Area,",
            (
                "schema.pattern",
                "$.spec.fields[1].type",
                (
                    "'Text Area' is not a valid name: use a key such as 'text' or a plugin "
                    "name such as 'pm.next_due'"
                ),
                None,
                18,
                28,
            ),
            id="field_type_name",
        ),
        pytest.param(
            "{key: symptom,",
            "{key: Symptom,",
            (
                "schema.pattern",
                "$.spec.fields[1].key",
                (
                    "'Symptom' is not a valid key: use lower-case letters, digits and _, "
                    "starting with a letter"
                ),
                None,
                18,
                13,
            ),
            id="field_key",
        ),
        pytest.param(
            'numbering: "RP-{yyyy}{mm}{dd}-{seq:4}"',
            'numbering: "RP-{yyyy}{mm}{dd}"',
            (
                "schema.pattern",
                "$.spec.numbering",
                "numbering 'RP-{yyyy}{mm}{dd}' needs a {seq} or {seq:N} counter",
                None,
                7,
                14,
            ),
            id="numbering_without_seq",
        ),
        pytest.param(
            "field: ticket.region, map: {east: east_team, north: north_team}}",
            "field: ticket.region}",
            (
                "schema.required",
                "$.spec.assign",
                "missing required key 'map'",
                None,
                107,
                3,
            ),
            id="by_field_without_map",
        ),
        pytest.param(
            '  schedule: {cron: "0 9 * * 1"}',
            '  on: [created]\n  schedule: {cron: "0 9 * * 1"}',
            (
                "schema.not",
                "$.spec.schedule",
                "an automation runs on events ('on') or on a 'schedule', not both",
                None,
                192,
                13,
            ),
            id="automation_on_and_schedule",
        ),
        pytest.param(
            '  schedule: {cron: "0 9 * * 1"}\n',
            "",
            (
                "schema.required",
                "$.spec",
                "an automation needs 'on' (events) or a 'schedule'",
                None,
                191,
                3,
            ),
            id="automation_neither",
        ),
        pytest.param(
            'schedule: {cron: "0 9 * * 1"}',
            'schedule: {cron: "0 9 * * 1", every: PT1H}',
            (
                "schema.max_properties",
                "$.spec.schedule",
                'a schedule is either {every: <duration>} or {cron: "<five fields>"}',
                None,
                191,
                13,
            ),
            id="schedule_both",
        ),
        pytest.param(
            '{cron: "0 9 * * 1"}',
            '{cron: "every monday"}',
            (
                "schema.pattern",
                "$.spec.schedule.cron",
                "'every monday' is not a cron expression of five fields such as \"0 9 * * 1\"",
                None,
                191,
                20,
            ),
            id="cron",
        ),
        pytest.param(
            "email: workshop@example.com",
            "email: workshop",
            (
                "schema.format",
                "$.spec.email",
                "'workshop' is not an e-mail address",
                None,
                204,
                39,
            ),
            id="email",
        ),
        pytest.param(
            "    fri: [",
            "    fr: [",
            (
                "schema.additional_properties",
                "$.spec.week.fr",
                "unknown key 'fr'",
                "did you mean 'fri'?",
                139,
                5,
            ),
            id="weekday",
        ),
        pytest.param(
            "roles: [agent, system]",
            "roles: [agent, agent]",
            (
                "schema.unique_items",
                "$.spec.transitions[0].roles",
                "'agent' is listed twice",
                None,
                70,
                14,
            ),
            id="unique_roles",
        ),
        pytest.param(
            (
                "    any:\n"
                "      - {field: customer.tier, op: eq, value: vip}\n"
                "      - {field: ticket.created_at, op: within_last, value: PT2H}\n"
            ),
            "    any: []\n",
            (
                "schema.min_items",
                "$.spec.when.any",
                "must not be empty",
                None,
                94,
                10,
            ),
            id="empty_any",
        ),
        pytest.param(
            "    customer_service: [workshop, quality]",
            "    CustomerService: [workshop, quality]",
            (
                "schema.pattern",
                "$.spec.transfers.CustomerService",
                (
                    "'CustomerService' is not a valid key: use lower-case letters, digits "
                    "and _, starting with a letter"
                ),
                None,
                85,
                5,
            ),
            id="transfer_key",
        ),
        pytest.param(
            "timezone: Asia/Shanghai",
            "timezone: Beijing time",
            (
                "schema.pattern",
                "$.spec.timezone",
                "'Beijing time' is not a time zone such as Asia/Shanghai",
                None,
                136,
                13,
            ),
            id="timezone",
        ),
        pytest.param(
            "{key: recommend, type: nps,",
            "{key: recommend, type: npss,",
            (
                "schema.enum",
                "$.spec.questions[2].type",
                (
                    "'npss' is not one of 'rating', 'nps', 'choice', 'multichoice', "
                    "'yes_no', 'text', 'textarea'"
                ),
                "did you mean 'nps'?",
                154,
                30,
            ),
            id="question_type",
        ),
        pytest.param(
            'from: "*"',
            'from: "**"',
            (
                "schema.pattern",
                "$.spec.transitions[2].from",
                "'**' is not a state key, a list of state keys or \"*\"",
                None,
                76,
                27,
            ),
            id="transition_from",
        ),
        pytest.param(
            "kind: Department",
            "kind: Departmnt",
            (
                "schema.unknown_kind",
                "$.kind",
                "unknown kind 'Departmnt'",
                "did you mean 'Department'?",
                201,
                7,
            ),
            id="unknown_kind",
        ),
        pytest.param(
            "key: dispatcher",
            "key: Dispatcher",
            (
                "schema.pattern",
                "$.key",
                (
                    "'Dispatcher' is not a valid key: use lower-case letters, digits and _, "
                    "starting with a letter"
                ),
                None,
                207,
                6,
            ),
            id="envelope_key",
        ),
        pytest.param(
            "ticket.dispatch]",
            "dispatch]",
            (
                "schema.pattern",
                "$.spec.permissions[2]",
                "'dispatch' is not a permission such as ticket.create",
                None,
                209,
                56,
            ),
            id="permission",
        ),
        pytest.param(
            "{value: E-01,",
            '{value: "E 01",',
            (
                "schema.pattern",
                "$.spec.options[1].value",
                "'E 01' is not an option value: use letters, digits, _, . and -",
                None,
                199,
                15,
            ),
            id="option_value",
        ),
        pytest.param(
            "spec:\n  permissions: [ticket.create, ticket.view_department, ticket.dispatch]\n",
            "",
            (
                "schema.required",
                "$",
                "missing required key 'spec'",
                None,
                206,
                1,
            ),
            id="missing_spec",
        ),
    ],
)
def test_a_broken_copy_reports_one_clear_problem(
    old: str, new: str, expected: tuple[str, str, str, str | None, int, int]
) -> None:
    problems = broken(old, new)
    assert [(p.code, p.json_path, p.message, p.hint, p.line, p.column) for p in problems] == [
        expected
    ]
    assert problems[0].file == "set.yaml"


def test_the_formatted_problem_names_file_line_column_path_and_hint() -> None:
    (problem,) = broken(
        "      required: true\n      section: device", "      requird: true\n      section: device"
    )
    assert problem.format() == (
        "set.yaml:15:7: $.spec.fields[0].requird: unknown key 'requird' (did you mean 'required'?)"
    )
    assert (problem.kind, problem.key) == ("TicketType", "repair")


def test_all_mistakes_are_reported_in_document_order() -> None:
    text = VALID.replace("max_files: 9\n", "max_files: 0\n").replace(
        "{value: billable}", "{valu: billable}"
    )
    text = text.replace("title: {zh: 维修车间}", "title: {}")
    problems = schema_problems(text)
    assert [(p.code, p.json_path, p.message) for p in problems] == [
        ("schema.minimum", "$.spec.fields[5].max_files", "0 is less than the minimum 1"),
        (
            "schema.additional_properties",
            "$.spec.derive.charge_class[1].valu",
            "unknown key 'valu'",
        ),
        ("schema.min_properties", "$.title", "must not be empty"),
    ]


def test_a_misspelt_required_key_is_reported_once() -> None:
    (problem,) = broken("{key: symptom, type: textarea,", "{key: symptom, tpye: textarea,")
    assert (problem.message, problem.hint) == ("unknown key 'tpye'", "did you mean 'type'?")


def test_durations_in_words_are_rejected_wherever_a_duration_goes() -> None:
    text = VALID.replace("delay: PT1H", "delay: 4 hours").replace(
        "{first_response: PT4H,", "{first_response: 4h,"
    )
    messages = [p.message for p in schema_problems(text)]
    assert messages == [
        "'4h' is not an ISO 8601 duration such as PT4H or P2D",
        "'4 hours' is not an ISO 8601 duration such as PT4H or P2D",
    ]


def test_dates_stay_strings_and_are_checked_by_the_schema() -> None:
    (calendar,) = [d for d in load(VALID) if d.kind == "Calendar"]
    assert calendar.spec["holidays"] == ["2026-12-31"]
    (problem,) = broken("holidays: [2026-12-31]", "holidays: [2026-02-30]")
    assert (problem.code, problem.message) == (
        "schema.format",
        "'2026-02-30' is not a date such as 2026-10-01",
    )


def test_a_condition_leaf_with_a_non_mapping_item_says_what_it_got() -> None:
    (problem,) = broken("      - {field: customer.tier, op: eq, value: vip}\n", "      - vip\n")
    assert (problem.json_path, problem.message) == (
        "$.spec.when.any[0]",
        "expected mapping, got string 'vip'",
    )


def test_unknown_kind_suggests_the_closest_and_skips_the_spec() -> None:
    problems = schema_problems("kind: SLAPolicy\nkey: x\nspec: {nonsense: 1}\n")
    assert [(p.code, p.message, p.hint, p.line, p.column) for p in problems] == [
        ("schema.unknown_kind", "unknown kind 'SLAPolicy'", "did you mean 'SlaPolicy'?", 1, 7)
    ]


def test_envelope_mistakes_are_all_reported() -> None:
    problems = schema_problems("kind: 5\nkey: Repair Flow\ntitle: 故障\nspec: []\n")
    assert [(p.code, p.json_path, p.message) for p in problems] == [
        ("schema.type", "$.kind", "expected string, got integer 5"),
        (
            "schema.pattern",
            "$.key",
            "'Repair Flow' is not a valid key: use lower-case letters, digits and _, "
            "starting with a letter",
        ),
        ("schema.type", "$.title", "expected mapping, got string '故障'"),
        ("schema.type", "$.spec", "expected mapping, got list"),
    ]


PLUGIN_SCHEMA = {
    "type": "object",
    "properties": {
        "interval": {"$ref": "common.json#/$defs/duration"},
        "for_types": {"$ref": "common.json#/$defs/keyList"},
    },
    "required": ["interval"],
    "additionalProperties": False,
}


def test_plugin_kinds_are_validated_with_their_own_schema() -> None:
    text = "kind: pm.MaintenancePlan\nkey: quarterly\nspec:\n  interval: 3 months\n  for_type: []\n"
    problems = schema_problems(text, extra_kinds={"pm.MaintenancePlan": PLUGIN_SCHEMA})
    assert [(p.code, p.message, p.hint, p.line, p.column) for p in problems] == [
        (
            "schema.format",
            "'3 months' is not an ISO 8601 duration such as PT4H or P2D",
            None,
            4,
            13,
        ),
        (
            "schema.additional_properties",
            "unknown key 'for_type'",
            "did you mean 'for_types'?",
            5,
            3,
        ),
    ]
    good = "kind: pm.MaintenancePlan\nkey: quarterly\nspec: {interval: P3M}\n"
    assert schema_problems(good, extra_kinds={"pm.MaintenancePlan": PLUGIN_SCHEMA}) == []


def test_a_plugin_kind_without_its_plugin_is_unknown() -> None:
    (problem,) = schema_problems("kind: pm.MaintenancePlan\nkey: q\nspec: {}\n")
    assert (problem.code, problem.hint) == (
        "schema.unknown_kind",
        "a plugin kind needs its plugin installed",
    )


def test_json_definitions_are_positioned_too() -> None:
    text = (
        '[\n  {"kind": "Role", "key": "agent", "spec": {"permissions": ["ticket.create"]}},\n'
        '  {"kind": "Role",\n   "key": "engineer",\n'
        '   "spec": {"permisions": ["ticket.view"]}}\n]\n'
    )
    definitions = load(text, "roles.json")
    problems = [p for d in definitions for p in validate_schema(d)]
    assert [p.format() for p in problems] == [
        "roles.json:5:13: $.spec.permisions: unknown key 'permisions'"
        " (did you mean 'permissions'?)",
    ]


def test_pack_and_sample_documents_use_the_same_translation() -> None:
    (meta,) = load("key: demo\nversion: '1.0'\ntitle: {en: Demo}\n", "pack.yaml")
    assert [(p.code, p.message, p.line, p.column) for p in validate_document("pack", meta)] == [
        ("schema.pattern", "'1.0' is not a semantic version such as 1.2.0", 2, 10)
    ]


def test_standalone_spec_schemas_need_no_registry() -> None:
    for definition in load(VALID):
        schema = standalone_spec_schema(definition.kind)
        assert "common.json" not in json.dumps(schema)
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        assert list(validator.iter_errors(definition.spec)) == []
        assert list(validator.iter_errors({**definition.spec, "titel": 1}))


def test_the_reference_set_survives_an_export_round_trip() -> None:
    definitions = load(VALID)
    reloaded = load(dump_yaml([d.document for d in definitions]), "export.yaml")
    assert [d.content_hash for d in reloaded] == [d.content_hash for d in definitions]
    assert [p for d in reloaded for p in validate_schema(d)] == []


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "objekt"}, "the JSON Schema of kind 'pm.Plan' is invalid"),
        (
            {"properties": {"a": {"$ref": "common.json#/$defs/nope"}}},
            "a definition schema refers to '/$defs/nope', which does not exist",
        ),
    ],
)
def test_a_broken_plugin_schema_is_a_plugin_error(schema: dict[str, object], message: str) -> None:
    (definition,) = load("kind: pm.Plan\nkey: q\nspec: {a: 1}\n")
    with pytest.raises(PluginError, match=re.escape(message)):
        validate_schema(definition, extra_kinds={"pm.Plan": schema})


def test_plugin_schemas_with_any_of_report_the_closest_branch() -> None:
    schema = {
        "type": "object",
        "properties": {
            "target": {
                "anyOf": [
                    {"$ref": "common.json#/$defs/duration"},
                    {"type": "integer", "minimum": 1},
                ]
            }
        },
    }
    (definition,) = load("kind: pm.Plan\nkey: q\nspec: {target: 0}\n")
    (problem,) = validate_schema(definition, extra_kinds={"pm.Plan": schema})
    assert (problem.code, problem.message, problem.line, problem.column) == (
        "schema.minimum",
        "0 is less than the minimum 1",
        3,
        16,
    )


def test_remembered_findings_follow_the_document_and_its_position() -> None:
    """Schema findings are remembered per document; an edit is validated afresh, and the same
    mistake in another file or place is reported where it is there."""
    old, new = "type: textarea, required: true,", "type: textarea, required: maybe,"
    mistake = broken(old, new)
    assert mistake and [p.format() for p in broken(old, new)] == [p.format() for p in mistake]
    moved = [
        p for d in load("\n" * 3 + VALID.replace(old, new), "other.yaml")
        for p in validate_schema(d)
    ]  # fmt: skip
    assert [(p.file, p.line - 3, p.column, p.code) for p in moved] == [
        ("other.yaml", p.line, p.column, p.code) for p in mistake
    ]
    assert broken(old, "type: textarea, required: false,") == []
