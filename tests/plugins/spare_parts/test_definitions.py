"""The plugin's definition kind, condition function and field type, through the core's
validator and compiler."""

from __future__ import annotations

from decimal import Decimal

from gongdan_spare_parts.definitions import PART_LINES
from tests.plugins.spare_parts.factories import Depot

from gongdan.conditions.context import EvaluationContext
from gongdan.conditions.evaluate import compile_condition
from gongdan.db import db
from gongdan.definitions.extensions import current_extensions, load_extensions
from gongdan.definitions.loader import load_text
from gongdan.definitions.semantic.conditions import functions_for
from gongdan.definitions.validate import validate_definitions
from gongdan_spare_parts import services

POLICIES = """\
kind: spare_parts.StockPolicy
key: filters
spec:
  order: 10
  when: {field: part.numbr, op: starts_with, value: P-FLT}
  safety_stock: 5
  reorder_quantity: 50
  max_stock: 40
---
kind: spare_parts.StockPolicy
key: everything
spec:
  order: 10
  when: {field: warehouse.kind, op: eq, value: lorry}
  safety_stock: 5
  reorder_quantity: 5
  max_stock: 5
"""


def test_stock_policy_problems_are_reported_where_they_are() -> None:
    definitions, problems = load_text(POLICIES, "policies.yaml")
    assert problems == []

    found = validate_definitions(definitions, extensions=load_extensions())

    assert [(p.key, p.line, p.json_path, p.code) for p in found] == [
        ("filters", 4, "$.spec.order", "spare_parts.order_taken"),
        ("filters", 5, "$.spec.when.field", "condition.unknown_field"),
        ("filters", 7, "$.spec.reorder_quantity", "spare_parts.reorder_above_max"),
        ("everything", 14, "$.spec.when.value", "condition.bad_value"),
        ("everything", 17, "$.spec.max_stock", "spare_parts.max_below_safety"),
    ]
    assert "StockPolicy 'everything' has the same order 10" in found[0].message
    assert "'lorry' is not a value of 'warehouse.kind'" in found[3].message


def test_without_the_plugin_a_stock_policy_names_the_missing_plugin() -> None:
    definitions, _ = load_text(POLICIES, "policies.yaml")

    found = validate_definitions(definitions)

    assert {p.code for p in found} == {"definition.plugin_missing"}
    assert "needs the plugin 'spare_parts'" in found[0].message


def test_in_stock_reads_the_balances(depot: Depot) -> None:
    with depot.site.app.app_context():
        functions = functions_for(current_extensions())
        in_stock = compile_condition(
            {"fn": "spare_parts.in_stock", "args": {"part": "$ticket.part", "quantity": 2}},
            functions,
        )
        context = EvaluationContext({"ticket": {"part": "P-FLT-02"}})
        assert not in_stock(context)

        services.receive(
            db.session, part=depot.part("filter"), warehouse=depot.warehouse("VAN-1"), quantity=5
        )
        assert not in_stock(context)  # a van's stock is its engineer's, not the company's
        services.receive(
            db.session, part=depot.part("filter"), warehouse=depot.warehouse("WH-EAST"), quantity=2
        )
        assert in_stock(context)


def test_part_lines_values_are_checked() -> None:
    good = [{"part": "P-PUMP-01", "quantity": 1}, {"part": "P-TUBE-03", "quantity": Decimal("1.5")}]
    assert PART_LINES.check_value(good, {}) is None
    assert "line 2 needs a part number" in str(PART_LINES.check_value([*good[:1], {}], {}))
    assert "more than 0" in str(PART_LINES.check_value([{"part": "X", "quantity": -1}], {}))
    assert PART_LINES.check_value("P-PUMP-01", {}) is not None
