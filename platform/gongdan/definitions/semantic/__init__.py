"""The semantic stage: what JSON Schema cannot see across and inside definitions.

References resolve (with did-you-mean), workflows form a sound state graph, conditions
type-check in the scope they run in, SLA targets and ladders are ordered, calendars make sense,
templates parse in the sandbox and stay safe, surveys are well formed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from gongdan.definitions.documents import Definition
from gongdan.definitions.extensions import Extensions, core_extensions
from gongdan.definitions.problems import Problem
from gongdan.definitions.semantic.channels import check_inbound_channel
from gongdan.definitions.semantic.context import SemanticContext
from gongdan.definitions.semantic.references import (
    check_automation,
    check_department,
    check_option_list,
    check_routing_rule,
)
from gongdan.definitions.semantic.sla import check_calendar, check_single_defaults, check_sla_policy
from gongdan.definitions.semantic.surveys import check_survey_template
from gongdan.definitions.semantic.templates import check_notification_template
from gongdan.definitions.semantic.ticket_types import check_ticket_type
from gongdan.definitions.semantic.workflows import check_workflow

Check = Callable[[Definition, SemanticContext], list[Problem]]

#: The semantic checks of each core kind (a plugin's kinds: ``Extensions.kind_checks``).
CHECKS: dict[str, Check] = {
    "TicketType": check_ticket_type,
    "Workflow": check_workflow,
    "RoutingRule": check_routing_rule,
    "SlaPolicy": check_sla_policy,
    "Calendar": check_calendar,
    "SurveyTemplate": check_survey_template,
    "NotificationTemplate": check_notification_template,
    "Automation": check_automation,
    "Department": check_department,
    "OptionList": check_option_list,
    "InboundChannel": check_inbound_channel,
}

__all__ = ["CHECKS", "SemanticContext", "check_semantics"]


def check_semantics(
    valid: Sequence[Definition],
    *,
    known: Iterable[Definition] | None = None,
    extensions: Extensions | None = None,
) -> list[Problem]:
    """Run every semantic check over the schema-valid ``valid`` definitions.

    :param known: every definition of the set, including schema-invalid ones, so a reference
        to one of those is not reported again (default: ``valid``).
    """
    ctx = SemanticContext.build(
        valid if known is None else known, valid, extensions or core_extensions()
    )
    found: list[Problem] = []
    for definition in valid:
        check = CHECKS.get(definition.kind) or ctx.extensions.kind_checks.get(definition.kind)
        if check is not None:
            found.extend(check(definition, ctx))
    found.extend(check_single_defaults(ctx, "SlaPolicy"))
    found.extend(check_single_defaults(ctx, "RoutingRule"))
    return found
