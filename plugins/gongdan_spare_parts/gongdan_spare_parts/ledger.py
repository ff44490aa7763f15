"""The ledger's rules, free of IO: what each kind of move does to a balance, valid quantities.

A move changes three buckets of one part × warehouse balance. ``available`` is what can still be
reserved: ``on_hand - reserved``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from gongdan_spare_parts.errors import InvalidQuantity


@dataclass(frozen=True, slots=True)
class Effect:
    """A move's change to the on-hand, reserved and in-transit quantities, per unit moved."""

    on_hand: int
    reserved: int
    in_transit: int


#: Every kind of move and its effect per unit. A transfer is ``transfer_out`` at the source plus
#: ``transfer_in`` at the destination, then ``arrival`` there; ``issue`` hands a reserved part to
#: a ticket (it leaves the warehouse); ``return`` brings an unused part back.
MOVE_EFFECTS: dict[str, Effect] = {
    "receipt": Effect(1, 0, 0),
    "transfer_out": Effect(-1, 0, 0),
    "transfer_in": Effect(0, 0, 1),
    "arrival": Effect(1, 0, -1),
    "reservation": Effect(0, 1, 0),
    "release": Effect(0, -1, 0),
    "issue": Effect(-1, -1, 0),
    "return": Effect(1, 0, 0),
    "write_off": Effect(-1, 0, 0),
}

#: Decimal places a measured quantity may have (the columns are NUMERIC(14, 3)).
QUANTITY_PLACES = 3
#: The columns' limit: NUMERIC(14, 3) holds less than 10¹¹.
MAX_QUANTITY = Decimal(10) ** 11


def move_deltas(kind: str, quantity: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """The (on hand, reserved, in transit) changes of moving ``quantity`` as ``kind``.

    :raises KeyError: ``kind`` is not a move kind (a programming error, not user input).
    """
    effect = MOVE_EFFECTS[kind]
    return (effect.on_hand * quantity, effect.reserved * quantity, effect.in_transit * quantity)


def parse_quantity(value: object, *, whole_units: bool, part_number: str = "") -> Decimal:
    """``value`` as a positive quantity of a part, or a clear error.

    Accepts numbers and numeric text (form input). A part counted in whole units takes whole
    numbers only; a measured part up to three decimals.

    :raises InvalidQuantity: not a number, not positive, fractional for a whole-unit part, or
        finer than the ledger records.
    """
    label = f" of {part_number}" if part_number else ""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise InvalidQuantity(f"quantity{label} {value!r} is not a number")
    try:
        quantity = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidQuantity(f"quantity{label} {value!r} is not a number") from None
    if not quantity.is_finite():
        raise InvalidQuantity(f"quantity{label} {value!r} is not a number")
    if quantity <= 0:
        raise InvalidQuantity(f"quantity{label} must be more than 0, not {value!r}")
    if quantity >= MAX_QUANTITY:
        raise InvalidQuantity(f"quantity{label} {value!r} is more than the ledger can hold")
    if whole_units and quantity != quantity.to_integral_value():
        raise InvalidQuantity(
            f"{part_number or 'the part'} is counted in whole units, not {value!r}"
        )
    if quantity != quantity.quantize(Decimal(1).scaleb(-QUANTITY_PLACES)):
        raise InvalidQuantity(
            f"quantity{label} {value!r} has more than {QUANTITY_PLACES} decimal places"
        )
    return quantity


def is_charged(warranty_end: date | None, day: date) -> bool:
    """Whether a part consumed on ``day`` is charged: not when the asset's warranty runs.

    A ticket without an asset (or an asset without a warranty end) is charged.
    """
    return warranty_end is None or warranty_end < day
