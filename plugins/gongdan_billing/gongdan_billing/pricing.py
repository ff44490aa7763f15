"""The pricing and coverage engine: plain data in, priced lines and totals out. No IO.

Rounding rules (the README repeats them):

* every amount is a :class:`~decimal.Decimal` rounded to the currency's minor unit (0.01) with
  ``ROUND_HALF_UP`` — never a float;
* a part's unit price is its catalogue price plus the list's markup, rounded once;
* a line's list amount is ``quantity × unit price``, rounded once;
* a discounted line pays ``list amount × (100 − discount %) / 100``, rounded once;
* tax is computed **once, on the sum** of the rounded line amounts (prices are net of tax), so
  the total never drifts by a cent from what per-line rounding would add up to differently;
  ``total = subtotal + tax``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from gongdan_billing.errors import InvalidAmount

CENT = Decimal("0.01")
HUNDRED = Decimal("100")

#: The kinds of charge line; coverage rules name them in ``lines``.
LINE_KINDS = ("labour", "travel", "part", "service", "diagnosis_fee")
#: What coverage may decide for a line.
DECISIONS = ("free", "discounted", "charged")
#: The rule named on a line no coverage rule matched: the customer pays the list price.
LIST_PRICE_RULE = "list_price"


def round_money(amount: Decimal) -> Decimal:
    """``amount`` rounded to the minor unit, half up (2.345 → 2.35)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_amount(value: object, what: str, *, allow_zero: bool = True) -> Decimal:
    """``value`` as a non-negative finite Decimal.

    :raises InvalidAmount: negative, not a number, NaN/infinite, a float-looking bool, or zero
        when ``allow_zero`` is false — the message names ``what`` and the value.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidAmount(f"{what} {value!r} is not a number")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAmount(f"{what} {value!r} is not a number") from None
    if not number.is_finite():
        raise InvalidAmount(f"{what} {value!r} is not a number")
    if number < 0:
        raise InvalidAmount(f"{what} may not be negative, not {value!r}")
    if number == 0 and not allow_zero:
        raise InvalidAmount(f"{what} must be more than 0, not {value!r}")
    return number


@dataclass(frozen=True)
class CoverageRule:
    """Warranty or contract cover: which line kinds it decides, how, when."""

    key: str
    lines: frozenset[str]
    decision: str
    when: Any = None
    discount_percent: Decimal = Decimal("0")
    reason: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RepairTemplate:
    """The usual repair for a diagnosed fault: what a quote starts from."""

    labour_hours: Decimal = Decimal("0")
    parts: tuple[tuple[str, Decimal], ...] = ()
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class PriceList:
    """A compiled ``billing.PriceList`` (see :func:`price_list_from_spec`)."""

    key: str
    order: int | None = None
    default: bool = False
    when: Any = None
    currency: str = "CNY"
    tax_rate: Decimal = Decimal("0")
    labour_rates: Mapping[str, Decimal] = field(default_factory=dict)
    default_level: str | None = None
    travel_by_region: Mapping[str, Decimal] = field(default_factory=dict)
    travel_default: Decimal | None = None
    distance_bands: tuple[tuple[Decimal, Decimal], ...] = ()
    services: Mapping[str, Decimal] = field(default_factory=dict)
    parts_markup_percent: Decimal = Decimal("0")
    diagnosis_fee: Decimal | None = None
    quote_valid_days: int = 14
    coverage: tuple[CoverageRule, ...] = ()
    repairs: Mapping[str, RepairTemplate] = field(default_factory=dict)
    title: Mapping[str, str] = field(default_factory=dict)
    #: ``"labour:<level>"`` / ``"service:<key>"`` → ``{zh, en}``: what a line's item is called.
    item_titles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def _dec(value: object) -> Decimal:
    return Decimal(str(value))


def price_list_from_spec(
    key: str, spec: Mapping[str, Any], title: Mapping[str, str] | None = None
) -> PriceList:
    """Compile a schema-valid spec into a :class:`PriceList`."""
    labour = spec.get("labour") or {}
    travel = spec.get("travel") or {}
    parts = spec.get("parts") or {}
    coverage = tuple(
        CoverageRule(
            key=str(rule["key"]),
            lines=frozenset(rule.get("lines") or LINE_KINDS),
            decision=str(rule["decision"]),
            when=rule.get("when"),
            discount_percent=_dec(rule.get("discount_percent", 0)),
            reason=dict(rule.get("reason") or {}),
        )
        for rule in spec.get("coverage") or ()
    )
    repairs = {
        str(code): RepairTemplate(
            labour_hours=_dec(repair.get("labour_hours", 0)),
            parts=tuple(
                (str(p["part"]), _dec(p.get("quantity", 1))) for p in repair.get("parts") or ()
            ),
            services=tuple(str(s) for s in repair.get("services") or ()),
        )
        for code, repair in (spec.get("repairs") or {}).items()
    }
    fee = spec.get("diagnosis_fee")
    travel_default = travel.get("default")
    item_titles = {
        **{f"labour:{k}": dict(v) for k, v in (labour.get("titles") or {}).items()},
        **{
            f"service:{k}": dict(v["title"])
            for k, v in (spec.get("services") or {}).items()
            if v.get("title")
        },
    }
    return PriceList(
        key=key,
        order=spec.get("order"),
        default=bool(spec.get("default", False)),
        when=spec.get("when"),
        currency=str(spec.get("currency", "CNY")),
        tax_rate=_dec(spec.get("tax_rate", 0)),
        labour_rates={str(k): _dec(v) for k, v in (labour.get("per_hour") or {}).items()},
        default_level=labour.get("default_level"),
        travel_by_region={str(k): _dec(v) for k, v in (travel.get("by_region") or {}).items()},
        travel_default=None if travel_default is None else _dec(travel_default),
        distance_bands=tuple(
            (_dec(b["up_to_km"]), _dec(b["fee"])) for b in travel.get("distance_bands") or ()
        ),
        services={str(k): _dec(v["price"]) for k, v in (spec.get("services") or {}).items()},
        parts_markup_percent=_dec(parts.get("markup_percent", 0)),
        diagnosis_fee=None if fee is None else _dec(fee),
        quote_valid_days=int(spec.get("quote_valid_days", 14)),
        coverage=coverage,
        repairs=repairs,
        title=dict(title or {}),
        item_titles=item_titles,
    )


def select_price_list(
    lists: Iterable[PriceList], applies: Callable[[PriceList], bool]
) -> PriceList | None:
    """The list for a ticket: the lowest ``order`` whose condition holds, else the default.

    ``applies(price_list)`` evaluates the list's ``when`` for the ticket (a list without one
    applies to every ticket).
    """
    ordered = sorted(lists, key=lambda p: (p.order is None, p.order or 0, p.key))
    for price_list in ordered:
        if not price_list.default and (price_list.when is None or applies(price_list)):
            return price_list
    return next((p for p in ordered if p.default), None)


@dataclass(frozen=True)
class ChargeItem:
    """A line at list price, before coverage: what was done or used, and its price."""

    kind: str
    ref: str
    description: str
    quantity: Decimal
    unit_price: Decimal


def labour_item(price_list: PriceList, hours: object, level: str | None = None) -> ChargeItem:
    """``hours`` of labour at the rate of ``level`` (else the list's default level).

    :raises InvalidAmount: negative hours, or the list has no rate for the level.
    """
    quantity = to_amount(hours, "labour hours", allow_zero=False)
    chosen = level if level in price_list.labour_rates else price_list.default_level
    if chosen not in price_list.labour_rates:
        raise InvalidAmount(f"price list {price_list.key!r} has no labour rate for {level!r}")
    return ChargeItem("labour", "labour", str(chosen), quantity, price_list.labour_rates[chosen])


def travel_fee(price_list: PriceList, region: str | None, distance_km: object = None) -> Decimal:
    """The call-out fee: by distance band when a distance is known, else by region, else the
    list's default.

    :raises InvalidAmount: a negative distance, or nothing in the list prices this trip.
    """
    if distance_km is not None and price_list.distance_bands:
        distance = to_amount(distance_km, "distance")
        for up_to, fee in sorted(price_list.distance_bands):
            if distance <= up_to:
                return fee
    if region and region in price_list.travel_by_region:
        return price_list.travel_by_region[region]
    if price_list.travel_default is not None:
        return price_list.travel_default
    raise InvalidAmount(
        f"price list {price_list.key!r} has no travel fee for region {region!r}"
        + (f" at {distance_km} km" if distance_km is not None else "")
    )


def travel_item(
    price_list: PriceList, region: str | None, distance_km: object = None
) -> ChargeItem:
    """One call-out (see :func:`travel_fee`)."""
    fee = travel_fee(price_list, region, distance_km)
    return ChargeItem("travel", "travel", region or "", Decimal("1"), fee)


def part_unit_price(price_list: PriceList, catalogue_price: object) -> Decimal:
    """The catalogue price plus the list's markup, rounded to the cent."""
    price = to_amount(catalogue_price, "catalogue price")
    return round_money(price * (HUNDRED + price_list.parts_markup_percent) / HUNDRED)


def part_item(
    price_list: PriceList, ref: str, number: str, quantity: object, catalogue_price: object
) -> ChargeItem:
    """``quantity`` of part ``number`` at catalogue price plus markup."""
    amount = to_amount(quantity, f"quantity of {number}", allow_zero=False)
    return ChargeItem("part", ref, number, amount, part_unit_price(price_list, catalogue_price))


def service_item(price_list: PriceList, key: str) -> ChargeItem:
    """A fixed-price service (installation, descaling ...).

    :raises InvalidAmount: the list has no such service.
    """
    if key not in price_list.services:
        raise InvalidAmount(f"price list {price_list.key!r} has no fixed-price service {key!r}")
    return ChargeItem("service", f"service:{key}", key, Decimal("1"), price_list.services[key])


def diagnosis_fee_item(price_list: PriceList) -> ChargeItem | None:
    """The diagnosis fee of a declined quote, if the list defines one."""
    if price_list.diagnosis_fee is None:
        return None
    return ChargeItem(
        "diagnosis_fee", "diagnosis_fee", "diagnosis_fee", Decimal("1"), price_list.diagnosis_fee
    )


@dataclass(frozen=True)
class PricedLine:
    """A charge line after coverage: the decision, the rule behind it, what the customer pays."""

    kind: str
    ref: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    list_amount: Decimal
    decision: str
    rule: str
    discount_percent: Decimal
    amount: Decimal

    def as_json(self) -> dict[str, str]:
        """Strings only (Decimals exactly as they are), for storage and hashing."""
        return {k: str(v) for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> PricedLine:
        """The inverse of :meth:`as_json`."""
        decimals = {"quantity", "unit_price", "list_amount", "discount_percent", "amount"}
        return cls(**{k: _dec(v) if k in decimals else str(v) for k, v in data.items()})


def apply_coverage(
    items: Iterable[ChargeItem], rules: Sequence[CoverageRule], matching: Iterable[str]
) -> list[PricedLine]:
    """Decide each line: the first rule (in list order) that covers its kind and whose
    condition held for the ticket (``matching`` rule keys) decides; else list price."""
    held = set(matching)
    lines = []
    for item in items:
        list_amount = round_money(item.quantity * item.unit_price)
        rule = next((r for r in rules if item.kind in r.lines and r.key in held), None)
        if rule is None:
            decision, key, percent, amount = "charged", LIST_PRICE_RULE, Decimal("0"), list_amount
        elif rule.decision == "free":
            decision, key, percent, amount = "free", rule.key, HUNDRED, Decimal("0.00")
        elif rule.decision == "discounted":
            percent = rule.discount_percent
            amount = round_money(list_amount * (HUNDRED - percent) / HUNDRED)
            decision, key = "discounted", rule.key
        else:
            decision, key, percent, amount = "charged", rule.key, Decimal("0"), list_amount
        lines.append(
            PricedLine(
                kind=item.kind,
                ref=item.ref,
                description=item.description,
                quantity=item.quantity,
                unit_price=item.unit_price,
                list_amount=list_amount,
                decision=decision,
                rule=key,
                discount_percent=percent,
                amount=amount,
            )  # fmt: skip
        )
    return lines


@dataclass(frozen=True)
class Totals:
    """What the customer pays: net subtotal, tax on it, total."""

    subtotal: Decimal
    tax: Decimal
    total: Decimal


def totals(lines: Iterable[PricedLine], tax_rate: Decimal) -> Totals:
    """Subtotal of the (rounded) line amounts, tax once on it, total (see the module doc)."""
    subtotal = round_money(sum((line.amount for line in lines), Decimal("0")))
    tax = round_money(subtotal * tax_rate)
    return Totals(subtotal=subtotal, tax=tax, total=subtotal + tax)


def content_hash(lines: Iterable[PricedLine], sums: Totals, currency: str) -> str:
    """A fingerprint of exactly what the customer is asked to accept (lines, totals,
    currency): a quote whose fingerprint changed since it was sent is not the one sent."""
    document = {
        "currency": currency,
        "lines": [line.as_json() for line in lines],
        "totals": {k: str(v) for k, v in asdict(sums).items()},
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
