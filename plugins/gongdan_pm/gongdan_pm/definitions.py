"""The ``pm.MaintenancePlan`` definition kind: its JSON Schema, scope and semantic checks.

A plan says which assets get preventive maintenance (a condition over ``asset.*``,
``contract.*``, ``customer.*`` and ``address.*``, run in SQL over the installed base), how
often (``every: {days|weeks|months: N}`` or ``calendar: {months: [...], day: D}``), how many
days ahead the visit's ticket is created (``lead_days``), whether the next visit is counted
from the fixed calendar or from the day the last one was done (``anchor``), which ticket type
to create, and optionally how to route it (``route: {rule: ...}`` or ``{department: ...}``).

Example::

    kind: pm.MaintenancePlan
    key: espresso_quarterly
    spec:
      assets: {field: asset.product_model, op: in, value: [es_pro_2, es_pro_3]}
      every: {months: 3}
      lead_days: 14
      ticket_type: pm_visit
"""

from __future__ import annotations

import logging
from typing import Any

from gongdan.conditions.scope import Scope, Variable
from gongdan.definitions.documents import Definition
from gongdan.definitions.problems import Problem, did_you_mean
from gongdan_pm.schedule import Recurrence

log = logging.getLogger(__name__)

MAINTENANCE_PLAN = "pm.MaintenancePlan"

#: ``lead_days`` when a plan gives none.
DEFAULT_LEAD_DAYS = 14

_KEY = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}

#: The JSON Schema of a MaintenancePlan's spec.
MAINTENANCE_PLAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "assets": {"$ref": "common.json#/$defs/condition"},
        "every": {
            "type": "object",
            "properties": {
                unit: {"type": "integer", "minimum": 0} for unit in ("days", "weeks", "months")
            },
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
        },
        "calendar": {
            "type": "object",
            "properties": {
                "months": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1, "maximum": 12},
                    "minItems": 1,
                    "uniqueItems": True,
                },
                "day": {"type": "integer", "minimum": 1, "maximum": 31},
            },
            "required": ["months"],
            "additionalProperties": False,
        },
        "lead_days": {"type": "integer", "minimum": 0},
        "anchor": {"enum": ["fixed", "completion"]},
        "start": {"enum": ["install_date", "contract_start"]},
        "ticket_type": _KEY,
        "priority": {"enum": ["low", "normal", "high", "urgent"]},
        "route": {
            "type": "object",
            "properties": {"rule": _KEY, "department": _KEY},
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
        },
    },
    "required": ["assets", "ticket_type"],
    "oneOf": [{"required": ["every"]}, {"required": ["calendar"]}],
    "additionalProperties": False,
}

#: What a plan's ``assets`` condition may read: columns of the installed base only, as the
#: schedules are derived in SQL.
PLAN_VARIABLES: tuple[Variable, ...] = (
    Variable("asset.product_model", "select"),
    Variable("asset.serial_number", "text"),
    Variable("asset.install_date", "date"),
    Variable("asset.warranty_end", "date"),
    Variable("asset.in_warranty", "bool"),
    Variable("contract.number", "text"),
    Variable("contract.level", "select", ("basic", "standard", "premium")),
    Variable("contract.active", "bool"),
    Variable("customer.code", "text"),
    Variable("customer.tier", "select"),
    Variable("customer.region", "text"),
    Variable("address.region", "text"),
    Variable("address.city", "text"),
)


def plan_scope(ctx: Any) -> Scope:
    """:data:`PLAN_VARIABLES` with the choices the definition set allows (product models,
    customer tiers), so a misspelt model is an error, not a plan that silently matches nothing."""
    from gongdan.definitions.semantic.conditions import option_lists

    lists = option_lists(ctx)
    scope = Scope(PLAN_VARIABLES)
    for name, list_key in (
        ("asset.product_model", "product_models"),
        ("customer.tier", "customer_tiers"),
    ):
        if list_key in lists:
            scope = scope.with_options(name, lists[list_key])
    return scope


def check_maintenance_plan(definition: Definition, ctx: Any) -> list[Problem]:
    """Semantic checks: the condition type-checks, the plan recurs, the lead time fits in the
    interval, the ticket type, routing rule and department exist; a warning when (in an
    application with a database) no asset matches."""
    from gongdan.definitions.semantic.conditions import check_in_scope

    spec = definition.spec
    problems = check_in_scope(
        definition, ctx, spec.get("assets"), ("spec", "assets"), plan_scope(ctx)
    )
    recurrence = Recurrence.from_spec(spec)
    gap = recurrence.shortest_gap_days()
    if gap <= 0:
        where = ("spec", "every", recurrence.unit) if recurrence.unit else ("spec", "calendar")
        problems.append(
            definition.problem(
                "pm.no_interval",
                f"the interval {recurrence.describe()!r} is zero: the plan would never recur",
                where,
                hint="give at least 1 day, week or month",
            )
        )
    lead = spec.get("lead_days", DEFAULT_LEAD_DAYS)
    if gap > 0 and isinstance(lead, int) and lead > gap:
        problems.append(
            definition.problem(
                "pm.lead_longer_than_interval",
                f"lead_days {lead} is longer than the interval ({recurrence.describe()}: at least"
                f" {gap} days): the next visit's ticket would come before this one is due",
                ("spec", "lead_days") if "lead_days" in spec else ("spec",),
                hint=f"use at most {gap} days",
            )
        )
    problems += _references(definition, ctx)
    if not any(p.severity == "error" for p in problems):
        problems += _coverage_warning(definition)
    return problems


def _references(definition: Definition, ctx: Any) -> list[Problem]:
    spec = definition.spec
    problems: list[Problem] = []
    wanted = [("TicketType", spec.get("ticket_type"), ("spec", "ticket_type"), "ticket type")]
    route = spec.get("route") or {}
    if "rule" in route:
        wanted.append(("RoutingRule", route["rule"], ("spec", "route", "rule"), "routing rule"))
    if "department" in route:
        wanted.append(
            ("Department", route["department"], ("spec", "route", "department"), "department")
        )
    for kind, key, path, noun in wanted:
        known = ctx.known.get(kind, {})
        if isinstance(key, str) and key not in known:
            problems.append(
                definition.problem(
                    f"pm.unknown_{kind.lower()}",
                    f"unknown {noun} {key!r}",
                    path,
                    hint=did_you_mean(key, known),
                )
            )
    return problems


def _coverage_warning(definition: Definition) -> list[Problem]:
    """The one read a check makes: does any asset match? Only inside an application whose
    database has the installed base; skipped (no warning) anywhere else."""
    from flask import has_app_context

    if not has_app_context():
        return []
    from sqlalchemy.exc import SQLAlchemyError

    from gongdan.db import db
    from gongdan_pm.selection import any_matching_asset

    try:
        # Its own connection: a failed read must not spoil the caller's transaction.
        with db.engine.connect() as connection:
            matching = any_matching_asset(connection, definition.spec.get("assets"))
    except SQLAlchemyError as error:
        log.warning("pm plan %s: could not count matching assets: %s", definition.key, error)
        return []
    if matching:
        return []
    return [
        definition.problem(
            "pm.matches_no_asset",
            "no asset matches this plan today: it creates no schedule until one does",
            ("spec", "assets"),
            severity="warning",
        )
    ]
