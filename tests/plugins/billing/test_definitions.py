"""``billing.PriceList`` through the core's validator: the shipped pack is valid; a negative
price, overlapping lists without an order, a bad condition or discount are reported at their
line. No database."""

from __future__ import annotations

from pathlib import Path

from gongdan.definitions.extensions import load_extensions
from gongdan.definitions.loader import load_text
from gongdan.definitions.packs import load_pack
from gongdan.definitions.validate import validate_definitions
from gongdan_billing import plugin

LISTS = """\
kind: billing.PriceList
key: alpha
spec:
  when: {field: customer.tier, op: in, value: [gold, vip]}
  labour: {per_hour: {senior: 180}, default_level: senior}
---
kind: billing.PriceList
key: beta
spec:
  when: {field: address.region, op: eq, value: east}
  labour: {per_hour: {senior: -5}, default_level: expert}
  coverage:
    - {key: warranty, when: {field: asset.in_warantty, op: eq, value: true}, decision: free}
    - {key: contract, when: {field: contract.level, op: eq, value: premium}, decision: discounted}
"""


def test_price_list_problems_are_reported_where_they_are() -> None:
    definitions, problems = load_text(LISTS, "price_lists.yaml")
    assert problems == []

    found = validate_definitions(definitions, extensions=load_extensions())

    assert sorted((p.key, p.line, p.json_path, p.code) for p in found) == [
        ("beta", 11, "$.spec.labour.per_hour.senior", "schema.minimum"),
    ]
    assert "-5" in found[0].message


def test_semantic_problems_of_price_lists_are_reported_at_their_lines() -> None:
    text = LISTS.replace("senior: -5", "senior: 5")
    definitions, _ = load_text(text, "price_lists.yaml")

    found = validate_definitions(definitions, extensions=load_extensions())

    assert [(p.key, p.line, p.json_path, p.code) for p in found] == [
        ("beta", 10, "$.spec.when", "billing.overlapping_price_lists"),
        ("beta", 11, "$.spec.labour.default_level", "billing.unknown_level"),
        ("beta", 13, "$.spec.coverage[0].when.field", "condition.unknown_field"),
        ("beta", 14, "$.spec.coverage[1]", "billing.discount_percent"),
    ]
    assert "PriceList 'alpha' can apply to the same tickets" in found[0].message


def test_an_order_or_exclusive_conditions_settle_an_overlap() -> None:
    ordered = LISTS.replace("senior: -5", "senior: 5").replace(
        "  when: {field: address.region", "  order: 20\n  when: {field: address.region"
    )
    definitions, _ = load_text(ordered, "price_lists.yaml")
    found = validate_definitions(definitions, extensions=load_extensions())
    assert "billing.overlapping_price_lists" not in {p.code for p in found}

    exclusive = LISTS.replace("senior: -5", "senior: 5").replace(
        "{field: address.region, op: eq, value: east}",
        "{field: customer.tier, op: eq, value: normal}",
    )
    definitions, _ = load_text(exclusive, "price_lists.yaml")
    found = validate_definitions(definitions, extensions=load_extensions())
    assert "billing.overlapping_price_lists" not in {p.code for p in found}


def test_two_defaults_are_refused() -> None:
    text = """\
kind: billing.PriceList
key: one
spec: {default: true}
---
kind: billing.PriceList
key: two
spec: {default: true}
"""
    definitions, _ = load_text(text, "defaults.yaml")
    found = validate_definitions(definitions, extensions=load_extensions())
    assert [(p.key, p.code) for p in found] == [("two", "billing.two_defaults")]


def test_the_shipped_pack_is_valid_with_the_default_pack() -> None:
    after_sales = load_pack(Path(__file__).resolve().parents[3] / "definitions" / "after_sales")
    billing = load_pack(Path(plugin.gongdan_definition_packs()[0]))
    found = validate_definitions(
        [*after_sales.definitions, *billing.definitions], extensions=load_extensions()
    )
    assert [p for p in found if p.severity == "error"] == []


def test_without_the_plugin_a_price_list_names_the_missing_plugin() -> None:
    definitions, _ = load_text(LISTS, "price_lists.yaml")
    found = validate_definitions(definitions)
    assert {p.code for p in found} == {"definition.plugin_missing"}
