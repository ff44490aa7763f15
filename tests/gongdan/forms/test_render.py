"""Field view-models of generated forms and the HTML the shared macros draw from them."""

from __future__ import annotations

import json
import re

from flask import Flask, render_template_string

from gongdan.definitions.compiled import CompiledSet
from gongdan.forms import Choice, build_form, format_value

MACROS = '{% from "forms/_fields.html" import render_form, form_attrs %}'


def test_sections_follow_the_layout_and_titles_are_localised(compiled: CompiledSet) -> None:
    form = build_form(
        compiled.ticket_types["repair"], values={}, option_lists=compiled.option_lists
    )
    assert [s.key for s in form.sections][:3] == ["customer", "device", "problem"]
    assert form.fields["symptom"].title == "故障现象"
    english = build_form(
        compiled.ticket_types["repair"],
        values={},
        local=lambda text, fallback: (text or {}).get("en", fallback),
    )
    assert english.fields["symptom"].title == "Symptom"


def test_option_titles_come_from_the_option_lists(compiled: CompiledSet) -> None:
    form = build_form(
        compiled.ticket_types["repair"],
        values={"product_model": "es_pro_2"},
        option_lists=compiled.option_lists,
    )
    model = form.fields["product_model"]
    assert "es_pro_2" in {c.value for c in model.choices}
    assert model.selected == frozenset({"es_pro_2"})
    assert model.text == next(c.title for c in model.choices if c.value == "es_pro_2")


def test_visible_if_is_judged_on_the_server_and_exported_for_the_browser(
    compiled: CompiledSet,
) -> None:
    repair = compiled.ticket_types["repair"]
    remote = build_form(repair, values={"service_mode": "remote"})
    on_site = build_form(repair, values={"service_mode": "on_site"})
    assert not remote.fields["visit_address"].visible
    assert on_site.fields["visit_address"].visible and on_site.fields["visit_address"].required
    assert json.loads(remote.fields["visit_address"].visible_if or "") == {
        "field": "service_mode",
        "op": "eq",
        "value": "on_site",
    }


def test_create_form_leaves_out_later_fields_and_customer_sees_only_hers(
    compiled: CompiledSet,
) -> None:
    installation = compiled.ticket_types["installation"]
    create = build_form(installation, values={}, creating=True, roles={"agent"})
    assert "customer_signature" not in create.fields  # signed on site
    assert "work_done" not in create.fields  # only required at review
    assert "order_no" in create.fields
    portal = build_form(installation, values={}, audience="customer")
    assert "product_line" not in portal.fields  # customer_visible: false
    assert portal.fields["preferred_date"].editable
    assert not portal.fields["order_no"].editable


def test_edit_fields_permissions_make_fields_read_only(compiled: CompiledSet) -> None:
    depot = compiled.ticket_types["depot_repair"]
    agent = build_form(depot, values={"work_done": "x"}, roles={"agent"})
    engineer = build_form(depot, values={"work_done": "x"}, roles={"engineer"})
    assert not agent.fields["work_done"].editable
    assert engineer.fields["work_done"].editable


def test_transition_form_holds_exactly_the_required_fields(compiled: CompiledSet) -> None:
    form = build_form(
        compiled.ticket_types["repair"], values={}, only=["fault_code", "visit_address"]
    )
    assert list(form.fields) == ["fault_code", "visit_address"]


def test_format_value_per_type() -> None:
    assert format_value("money", 1234.5) == "1,234.50"
    assert format_value("bool", True) == "✓"
    assert format_value("multiselect", ["a", "b"], [Choice("a", "Alpha")]) == "Alpha, b"
    assert format_value("address", {"region": "east", "city": "上海", "line": "1 号"}) == (
        "east 上海 1 号"
    )
    assert format_value("text", None) == ""


def test_macros_draw_every_field_type_with_hooks_and_escape_values(
    form_app: Flask, compiled: CompiledSet
) -> None:
    values = {
        "symptom": "<script>alert(1)</script>",
        "service_mode": "remote",
        "parts_used": [{"part_no": "P-<1>", "quantity": 2}],
    }
    with form_app.test_request_context():
        for ticket_type in compiled.ticket_types.values():
            form = build_form(
                ticket_type,
                values=values,
                errors={"symptom": "too <short>"},
                option_lists=compiled.option_lists,
                roles={"admin"},
            )
            html = render_template_string(
                MACROS + "<form {{ form_attrs(form) }}>{{ render_form(form) }}</form>", form=form
            )
            for key in form.fields:
                assert f'data-testid="field-{key}"' in html
            assert "<script>alert" not in html
    repair = build_form(
        compiled.ticket_types["repair"], values=values, errors={"symptom": "too <short>"}
    )
    with form_app.test_request_context():
        html = render_template_string(MACROS + "{{ render_form(form) }}", form=repair)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in html
    assert re.search(r'id="error-symptom"[^>]*>too &lt;short&gt;<', html)
    hidden = re.search(r'<div[^>]*id="wrap-visit_address"[^>]*>', html)
    assert hidden and " hidden" in hidden.group(0) and "data-visible-if" in hidden.group(0)
    # Inputs of a hidden field are disabled, so the browser does not submit them.
    assert re.search(r'name="f\.visit_address\.line"[^>]* disabled', html)
