"""The ``pm.MaintenancePlan`` kind through the core's validator: bad plans are reported at
their lines, a plan matching no asset gets a warning."""

from __future__ import annotations

from pathlib import Path

from tests.plugins.pm.factories import PmSite

from gongdan.db import db
from gongdan.definitions.extensions import load_extensions
from gongdan.definitions.loader import load_text
from gongdan.definitions.packs import load_pack
from gongdan.definitions.registry import active_definitions
from gongdan.definitions.validate import validate_definitions
from gongdan_pm import plugin

BAD_PLANS = """\
kind: pm.MaintenancePlan
key: never
spec:
  assets: {field: asset.product_model, op: eq, value: es_pro_2}
  every: {months: 0}
  ticket_type: pm_visit
---
kind: pm.MaintenancePlan
key: too_early
spec:
  assets: {field: asset.product_model, op: eq, value: es_pro_2}
  every: {weeks: 2}
  lead_days: 20
  ticket_type: pm_visit
---
kind: pm.MaintenancePlan
key: no_such_type
spec:
  assets: {field: asset.modle, op: eq, value: es_pro_2}
  calendar: {months: [3, 9], day: 15}
  ticket_type: pm_vist
  route: {department: nowhere}
"""


def _pack_definitions() -> list:
    return list(load_pack(Path(plugin.gongdan_definition_packs()[0])).definitions)


def test_bad_plans_are_reported_at_their_lines() -> None:
    definitions, problems = load_text(BAD_PLANS, "plans.yaml")
    assert problems == []

    found = validate_definitions([*_pack_definitions(), *definitions], extensions=load_extensions())
    mine = [(p.key, p.line, p.json_path, p.code) for p in found if p.file == "plans.yaml"]

    assert mine == [
        ("never", 5, "$.spec.every.months", "pm.no_interval"),
        ("too_early", 13, "$.spec.lead_days", "pm.lead_longer_than_interval"),
        ("no_such_type", 19, "$.spec.assets.field", "condition.unknown_field"),
        ("no_such_type", 21, "$.spec.ticket_type", "pm.unknown_tickettype"),
        ("no_such_type", 22, "$.spec.route.department", "pm.unknown_department"),
    ]
    messages = {p.code: p for p in found if p.file == "plans.yaml"}
    assert "lead_days 20 is longer than the interval (every 2 weeks: at least 14 days)" in (
        messages["pm.lead_longer_than_interval"].message
    )
    assert messages["pm.unknown_tickettype"].hint == "did you mean 'pm_visit'?"


def test_a_plan_matching_no_asset_is_a_warning(pm_site: PmSite) -> None:
    plan = """\
kind: pm.MaintenancePlan
key: ice_makers
spec:
  assets: {field: asset.product_model, op: eq, value: ic_300}
  every: {months: 6}
  ticket_type: pm_visit
---
kind: pm.MaintenancePlan
key: grinders
spec:
  assets: {field: asset.product_model, op: eq, value: gr_64}
  every: {months: 6}
  ticket_type: pm_visit
"""
    with pm_site.site.app.app_context():
        definitions, _ = load_text(plan, "plans.yaml")
        found = validate_definitions(
            [*active_definitions(db.session), *definitions], extensions=load_extensions()
        )
    mine = [(p.key, p.line, p.severity, p.code) for p in found if p.file == "plans.yaml"]
    # No ice maker is installed anywhere; one grinder (GR-B2) is.
    assert mine == [("ice_makers", 4, "warning", "pm.matches_no_asset")]
