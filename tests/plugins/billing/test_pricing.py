"""The pricing and coverage engine, on plain data: hand-computed lines, rounding and totals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from gongdan_billing.errors import InvalidAmount
from gongdan_billing.pricing import CoverageRule, PriceList

from gongdan_billing import pricing

D = Decimal

STANDARD = pricing.price_list_from_spec(
    "standard",
    {
        "default": True,
        "tax_rate": 0.13,
        "labour": {"per_hour": {"junior": 120, "senior": 180}, "default_level": "senior"},
        "travel": {
            "by_region": {"east": 80},
            "default": 150,
            "distance_bands": [{"up_to_km": 20, "fee": 50}, {"up_to_km": 60, "fee": 100}],
        },
        "services": {"installation": {"price": 300}},
        "parts": {"markup_percent": 10},
        "diagnosis_fee": 80,
        "coverage": [
            {"key": "warranty", "when": {"field": "asset.in_warranty", "op": "eq", "value": True},
             "decision": "free", "reason": {"zh": "保修期内免费"}},
            {"key": "contract_parts", "when": {"field": "contract.level", "op": "eq",
             "value": "premium"}, "lines": ["part"], "decision": "discounted",
             "discount_percent": 30},
            {"key": "contract_labour", "when": {"field": "contract.level", "op": "eq",
             "value": "standard"}, "lines": ["labour"], "decision": "discounted",
             "discount_percent": 50},
        ],
    },
)  # fmt: skip


def test_the_demo_quote_adds_up_to_777_44() -> None:
    items = [
        pricing.labour_item(STANDARD, "1.5"),  # 1.5 h × 180 = 270.00
        pricing.part_item(STANDARD, "p1", "P-BURR-64", 1, "320"),  # 320 + 10 % = 352.00
        pricing.part_item(STANDARD, "p2", "P-MOTOR-BRG", 1, "60"),  # 60 + 10 % = 66.00
    ]
    lines = pricing.apply_coverage(items, STANDARD.coverage, matching=())
    assert [line.amount for line in lines] == [D("270.00"), D("352.00"), D("66.00")]
    assert {(line.decision, line.rule) for line in lines} == {("charged", "list_price")}
    sums = pricing.totals(lines, STANDARD.tax_rate)
    # 688.00 × 13 % = 89.44
    assert (sums.subtotal, sums.tax, sums.total) == (D("688.00"), D("89.44"), D("777.44"))


def test_tax_is_rounded_half_up_once_on_the_subtotal() -> None:
    items = [
        pricing.labour_item(STANDARD, 1),  # 180.00
        pricing.part_item(STANDARD, "t", "P-TUBE-SIL", 2, "18"),  # 19.80 × 2 = 39.60
    ]
    sums = pricing.totals(pricing.apply_coverage(items, (), ()), STANDARD.tax_rate)
    # 219.60 × 0.13 = 28.548 → 28.55 (half up)
    assert (sums.subtotal, sums.tax, sums.total) == (D("219.60"), D("28.55"), D("248.15"))


def test_round_money_is_half_up_not_bankers() -> None:
    assert pricing.round_money(D("0.125")) == D("0.13")
    assert pricing.round_money(D("0.135")) == D("0.14")
    assert pricing.round_money(D("2.345")) == D("2.35")
    assert pricing.round_money(D("2.344")) == D("2.34")


def test_markup_is_rounded_once_per_unit_price() -> None:
    # 33.33 + 10 % = 36.663 → 36.66; × 3 = 109.98 (not 3 × 36.663 = 109.989 → 109.99)
    item = pricing.part_item(STANDARD, "x", "P-X", 3, "33.33")
    assert item.unit_price == D("36.66")
    [line] = pricing.apply_coverage([item], (), ())
    assert line.list_amount == D("109.98")


def test_warranty_makes_every_line_free_and_says_why() -> None:
    items = [
        pricing.labour_item(STANDARD, 2),
        pricing.travel_item(STANDARD, "east"),
        pricing.part_item(STANDARD, "p", "P-BREW-UNIT", 1, "760"),
    ]
    lines = pricing.apply_coverage(items, STANDARD.coverage, matching={"warranty"})
    assert [(line.decision, line.rule, line.amount) for line in lines] == [
        ("free", "warranty", D("0.00")),
        ("free", "warranty", D("0.00")),
        ("free", "warranty", D("0.00")),
    ]
    assert [line.list_amount for line in lines] == [D("360.00"), D("80.00"), D("836.00")]
    assert pricing.totals(lines, STANDARD.tax_rate).total == D("0.00")


def test_contract_rules_decide_per_line_kind() -> None:
    items = [
        pricing.labour_item(STANDARD, "1.5"),  # 270.00
        pricing.part_item(STANDARD, "p", "P-BURR-64", 1, "320"),  # 352.00
        pricing.travel_item(STANDARD, "north"),  # no region fee: default 150.00
    ]
    premium = pricing.apply_coverage(items, STANDARD.coverage, {"contract_parts"})
    # Parts 30 % off: 352 × 0.7 = 246.40; labour and travel at list price.
    assert [(x.decision, x.rule, x.amount) for x in premium] == [
        ("charged", "list_price", D("270.00")),
        ("discounted", "contract_parts", D("246.40")),
        ("charged", "list_price", D("150.00")),
    ]
    standard = pricing.apply_coverage(items, STANDARD.coverage, {"contract_labour"})
    assert standard[0].amount == D("135.00") and standard[0].discount_percent == D("50")


def test_the_first_matching_rule_wins() -> None:
    rules = (
        CoverageRule("consumable", frozenset({"part"}), "charged"),
        CoverageRule("warranty", frozenset({"part", "labour"}), "free"),
    )
    item = pricing.part_item(STANDARD, "f", "P-FLT", 1, "35")
    [line] = pricing.apply_coverage([item], rules, {"consumable", "warranty"})
    assert (line.decision, line.rule, line.amount) == ("charged", "consumable", D("38.50"))


def test_travel_by_distance_band_then_region_then_default() -> None:
    assert pricing.travel_fee(STANDARD, "east", 12) == D("50")
    assert pricing.travel_fee(STANDARD, "east", 20) == D("50")
    assert pricing.travel_fee(STANDARD, "east", "20.5") == D("100")
    assert pricing.travel_fee(STANDARD, "east", 80) == D("80")  # beyond the bands: region
    assert pricing.travel_fee(STANDARD, "west") == D("150")


def test_labour_rate_by_level_with_the_default_level_otherwise() -> None:
    assert pricing.labour_item(STANDARD, 1, "junior").unit_price == D("120")
    assert pricing.labour_item(STANDARD, 1, "unknown").unit_price == D("180")
    assert pricing.labour_item(STANDARD, 1, None).unit_price == D("180")


@pytest.mark.parametrize("bad", ["-1", -0.5, "abc", "NaN", "Infinity", None, True])
def test_negative_or_non_numeric_quantities_and_prices_are_refused(bad: object) -> None:
    with pytest.raises(InvalidAmount):
        pricing.part_item(STANDARD, "p", "P-X", bad, "10")
    with pytest.raises(InvalidAmount):
        pricing.part_item(STANDARD, "p", "P-X", 1, bad)
    with pytest.raises(InvalidAmount):
        pricing.labour_item(STANDARD, bad)


def test_zero_quantity_is_refused_with_the_value_in_the_message() -> None:
    with pytest.raises(InvalidAmount, match="quantity of P-X must be more than 0, not 0"):
        pricing.part_item(STANDARD, "p", "P-X", 0, "10")
    with pytest.raises(InvalidAmount, match="may not be negative, not '-2'"):
        pricing.labour_item(STANDARD, "-2")


def test_unknown_service_and_missing_travel_fee_are_refused() -> None:
    with pytest.raises(InvalidAmount, match="no fixed-price service 'repaint'"):
        pricing.service_item(STANDARD, "repaint")
    bare = PriceList(key="bare")
    with pytest.raises(InvalidAmount, match="no travel fee"):
        pricing.travel_fee(bare, "east")
    assert pricing.service_item(STANDARD, "installation").unit_price == D("300")
    assert pricing.diagnosis_fee_item(bare) is None
    fee = pricing.diagnosis_fee_item(STANDARD)
    assert fee is not None and fee.unit_price == D("80")


def test_the_lowest_order_whose_condition_holds_wins_else_the_default() -> None:
    default = PriceList(key="standard", default=True)
    vip = PriceList(key="vip", order=10, when={"field": "customer.tier", "op": "eq"})
    region = PriceList(key="east", order=20, when={"field": "address.region", "op": "eq"})
    lists = [default, region, vip]
    assert pricing.select_price_list(lists, lambda p: True).key == "vip"
    assert pricing.select_price_list(lists, lambda p: p.key == "east").key == "east"
    assert pricing.select_price_list(lists, lambda p: False).key == "standard"
    assert pricing.select_price_list([vip], lambda p: False) is None


def test_the_fingerprint_changes_with_any_amount() -> None:
    items = [pricing.labour_item(STANDARD, 1)]
    lines = pricing.apply_coverage(items, (), ())
    sums = pricing.totals(lines, STANDARD.tax_rate)
    same = pricing.content_hash(lines, sums, "CNY")
    assert same == pricing.content_hash(
        [pricing.PricedLine.from_json(x.as_json()) for x in lines], sums, "CNY"
    )
    dearer = pricing.apply_coverage([pricing.labour_item(STANDARD, 2)], (), ())
    assert pricing.content_hash(dearer, sums, "CNY") != same
    assert pricing.content_hash(lines, sums, "USD") != same
