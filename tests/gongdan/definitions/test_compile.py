"""Compiling a valid set into immutable runtime objects the engine reads."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from tests.gongdan.definitions.fixtures.minimal_set import load_set

from gongdan.conditions import EvaluationContext
from gongdan.definitions.compile import CompiledSet, compile_definitions
from gongdan.errors import DefinitionError


@pytest.fixture(scope="module")
def compiled() -> CompiledSet:
    return compile_definitions(load_set(), revision_ids={("TicketType", "repair"): 7})


def ticket(**values: object) -> EvaluationContext:
    return EvaluationContext({f"ticket.{k}": v for k, v in values.items()})


def test_invalid_set_is_refused_with_every_problem() -> None:
    definitions = load_set(
        {
            "ticket_types/repair.yaml": [("workflow: repair_flow", "workflow: repair_flw")],
            "calendars/cn_workdays.yaml": [("Asia/Shanghai", "Mars/Olympus")],
        }
    )
    with pytest.raises(DefinitionError) as caught:
        compile_definitions(definitions)
    assert sorted(p.code for p in caught.value.problems) == [
        "calendar.unknown_timezone",
        "ref.unknown_workflow",
    ]
    assert "2 problem(s)" in caught.value.message


def test_ticket_type_fields_and_options(compiled: CompiledSet) -> None:
    repair = compiled.ticket_types["repair"]
    assert repair.workflow_key == "repair_flow"
    assert repair.revision_id == 7
    assert repair.content_hash == compiled.content_hashes[("TicketType", "repair")]
    model = repair.field("product_model")
    assert model is not None and model.options == ("cm_pro_x1", "cm_lite")
    assert repair.field("nope") is None
    address = repair.field("visit_address")
    assert address is not None
    assert address.is_required("new", ticket(on_site=True))
    assert not address.is_required("new", ticket(on_site=False))
    assert repair.field("fault_code").is_required("resolved")
    on_site = repair.field("on_site")
    assert on_site.has_default and on_site.default is False


def test_derive_first_matching_rule_wins(compiled: CompiledSet) -> None:
    repair = compiled.ticket_types["repair"]
    vip = EvaluationContext({"customer.tier": "vip"})
    assert repair.derived_value("priority", vip) == (True, "high")
    assert repair.derived_value("priority", EvaluationContext({})) == (True, "normal")
    assert repair.derived_value("symptom", vip) == (False, None)


def test_workflow_transitions_and_transfers(compiled: CompiledSet) -> None:
    flow = compiled.workflow_of("repair")
    assert flow.initial == "new"
    assert [t.key for t in flow.transitions_from("resolved")] == ["close", "reopen"]
    assert flow.state("closed").final
    fix_done = flow.transition("fix_done")
    assert fix_done is not None and fix_done.predicate is not None
    assert fix_done.predicate(ticket(fault_code="E1"))
    assert not fix_done.predicate(ticket())
    assert flow.transition("close").allowed_for({"system"})
    assert not flow.transition("need_parts").allowed_for({"agent"})
    assert flow.may_transfer("customer_service", "workshop")
    assert not flow.may_transfer("workshop", "customer_service")


def test_compiled_objects_are_immutable(compiled: CompiledSet) -> None:
    flow = compiled.workflows["repair_flow"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        flow.initial = "closed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        flow.states["x"] = flow.states["new"]  # type: ignore[index]
    with pytest.raises(TypeError):
        flow.transition("triage").actions[0]["rule"] = "x"  # type: ignore[index]


def test_routing_rules_in_order_default_last(compiled: CompiledSet) -> None:
    assert [r.key for r in compiled.routing_rules] == ["workshop_pool", "front_desk"]
    pro = ticket(type="repair", product_model="cm_pro_x1")
    lite = ticket(type="repair", product_model="cm_lite")
    assert compiled.matching_routing_rule("created", pro).key == "workshop_pool"
    assert compiled.matching_routing_rule("created", lite).key == "front_desk"
    # The default rule only listens to 'created'.
    assert compiled.matching_routing_rule("transferred", lite) is None


def test_sla_policies_targets_and_ladder(compiled: CompiledSet) -> None:
    assert [p.key for p in compiled.sla_policies] == ["urgent_only", "standard"]
    assert compiled.matching_sla_policy(ticket(priority="urgent")).key == "urgent_only"
    standard = compiled.matching_sla_policy(ticket(priority="normal"))
    assert standard.key == "standard"
    assert standard.target("normal", "resolution") == dt.timedelta(days=2)
    assert standard.target("normal", "on_site") is None
    assert [(s.level, s.at_percent, s.metric) for s in standard.ladder] == [
        (1, 80.0, "resolution"),
        (2, 100.0, "resolution"),
    ]
    assert standard.pause_states == frozenset({"waiting_parts"})


def test_calendar_hours_in_minutes(compiled: CompiledSet) -> None:
    calendar = compiled.calendars["cn_workdays"]
    assert calendar.week[0] == ((540, 720), (780, 1080))
    assert calendar.week[5] == ()
    assert dt.date(2026, 12, 31) in calendar.holidays


def test_survey_questions(compiled: CompiledSet) -> None:
    survey = compiled.survey_templates["repair_callback"]
    assert survey.send_on == "state_entered:closed"
    assert survey.delay == dt.timedelta(hours=1)
    nps = next(q for q in survey.questions if q.type == "nps")
    assert (nps.min, nps.max) == (0, 10)
    comment = next(q for q in survey.questions if q.key == "comment")
    assert comment.visible_if(EvaluationContext({"answer.overall": 2}))
    assert survey.on_result[0].predicate(EvaluationContext({"score": 2.5}))


def test_notification_templates_render_escaped_html_only_in_email_bodies(
    compiled: CompiledSet,
) -> None:
    template = compiled.notification_templates["sla_warning"]
    values = {"ticket": {"number": "<b>RP-1</b>", "priority": "urgent"}, "url": "https://x"}
    body = template.render("email", "body", "en", values)
    assert "Ticket &lt;b&gt;RP-1&lt;/b&gt; is due soon." in body
    assert "Urgent!" in body
    assert template.render("email", "subject", "en", values) == "Ticket <b>RP-1</b> is due soon"
    assert template.render("sms", "body", "en", values) == "工单 <b>RP-1</b> 即将超时"
    assert template.render("wechat", "body", "zh", values) is None


def test_missing_values_render_empty_instead_of_failing(compiled: CompiledSet) -> None:
    template = compiled.notification_templates["sla_warning"]
    body = template.render("email", "body", "en", {"ticket": {"number": 1}})
    assert body.splitlines()[-1] == "Open: "
