"""The ledger's rules without a database: quantities, move effects, charging by warranty."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from gongdan_spare_parts.errors import InvalidQuantity
from gongdan_spare_parts.ledger import MOVE_EFFECTS, is_charged, move_deltas, parse_quantity


@pytest.mark.parametrize("value", [0, -1, "-2", "abc", None, True, float("nan"), "1e20", [1]])
def test_bad_quantities_are_refused_with_the_value(value: object) -> None:
    with pytest.raises(InvalidQuantity):
        parse_quantity(value, whole_units=False)


def test_a_whole_unit_part_refuses_fractions_but_a_measured_one_takes_them() -> None:
    with pytest.raises(InvalidQuantity, match="P-PUMP counted in whole units|whole units"):
        parse_quantity("1.5", whole_units=True, part_number="P-PUMP")
    assert parse_quantity("2", whole_units=True) == Decimal(2)
    assert parse_quantity("1.25", whole_units=False) == Decimal("1.25")
    with pytest.raises(InvalidQuantity, match="decimal places"):
        parse_quantity("1.2345", whole_units=False)


def test_moves_that_return_what_others_take_cancel_out() -> None:
    pairs = [("reservation", "release"), ("transfer_out", "return"), ("receipt", "write_off")]
    for taking, giving in pairs:
        total = [
            a + b
            for a, b in zip(
                move_deltas(taking, Decimal(3)), move_deltas(giving, Decimal(3)), strict=True
            )
        ]
        assert total == [0, 0, 0], (taking, giving)
    assert move_deltas("issue", Decimal(2)) == (Decimal(-2), Decimal(-2), Decimal(0))
    assert set(MOVE_EFFECTS) >= {
        "receipt",
        "transfer_in",
        "reservation",
        "issue",
        "return",
        "write_off",
    }


def test_warranty_decides_the_charge() -> None:
    day = date(2026, 12, 6)
    assert is_charged(None, day)  # no asset or no warranty known: charged
    assert not is_charged(date(2026, 12, 6), day)  # the last day of the warranty still covers
    assert is_charged(date(2026, 12, 5), day)
