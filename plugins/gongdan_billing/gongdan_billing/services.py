"""Which price list and coverage apply to a ticket, and what its work costs at list price.

The reading half of billing: the active ``billing.PriceList`` definitions, the ticket's
condition context (``customer.tier``, ``asset.in_warranty``, ``contract.level``,
``ticket.fault_code`` ...), and the :class:`~gongdan_billing.pricing.ChargeItem` lists a quote
(from the diagnosis) or a service report (labour, travel, parts consumed) is priced from.
Pricing itself is :mod:`gongdan_billing.pricing` (pure).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.conditions import EvaluationContext
from gongdan.conditions.evaluate import compile_condition
from gongdan.customers.models import Address, Customer
from gongdan.definitions.extensions import current_extensions
from gongdan.definitions.registry import active_revisions, definition_from_revision
from gongdan.definitions.semantic.conditions import functions_for
from gongdan.tickets.context import TicketFacts, context_values
from gongdan.tickets.models import Ticket
from gongdan.tickets.pinning import pinned_definitions
from gongdan_billing import pricing
from gongdan_billing.definitions import PRICE_LIST
from gongdan_billing.errors import InvalidAmount, NoPriceList
from gongdan_billing.pricing import ChargeItem, PricedLine, PriceList


def active_price_lists(session: Session) -> list[PriceList]:
    """The active price lists, compiled."""
    lists = []
    for revision in active_revisions(session, PRICE_LIST):
        definition = definition_from_revision(revision)
        lists.append(pricing.price_list_from_spec(revision.key, definition.spec, definition.title))
    return lists


def ticket_context(session: Session, ticket: Ticket) -> EvaluationContext:
    """What the price lists' and coverage rules' conditions read for ``ticket``."""
    facts = TicketFacts.of(ticket)
    facts.load_related(session)
    return EvaluationContext(context_values(facts, dict(ticket.fields or {}), None))


def holds(condition: Any, context: EvaluationContext) -> bool:
    """Evaluate a (validated) condition with the app's condition functions."""
    if condition is None:
        return True
    return compile_condition(condition, functions_for(current_extensions()))(context)


@dataclass(frozen=True)
class Pricing:
    """The list that applies to a ticket and the coverage rules whose conditions hold."""

    price_list: PriceList
    matching_rules: frozenset[str]

    def price(self, items: Iterable[ChargeItem]) -> list[PricedLine]:
        """The items after coverage."""
        return pricing.apply_coverage(items, self.price_list.coverage, self.matching_rules)


def pricing_for(session: Session, ticket: Ticket) -> Pricing:
    """Choose the price list and evaluate its coverage rules for ``ticket``.

    :raises NoPriceList: no active list applies (and none is the default).
    """
    context = ticket_context(session, ticket)
    chosen = pricing.select_price_list(
        active_price_lists(session), lambda p: holds(p.when, context)
    )
    if chosen is None:
        raise NoPriceList(f"no active price list applies to ticket {ticket.number}")
    matching = frozenset(r.key for r in chosen.coverage if holds(r.when, context))
    return Pricing(chosen, matching)


def engineer_level(price_list: PriceList, engineer: User | None) -> str | None:
    """The engineer's rate level: the first of their skills the list prices, else ``None``
    (the list's default level)."""
    for skill in (engineer.skills if engineer is not None else None) or ():
        if isinstance(skill, str) and skill in price_list.labour_rates:
            return skill
    return None


def catalogue(session: Session, numbers: Iterable[str]) -> dict[str, tuple[Decimal, Decimal]]:
    """Part number → (catalogue price, unit cost) from the spare parts plugin's catalogue.

    :raises InvalidAmount: the spare parts plugin is missing, or a number is not in it.
    """
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    try:
        from gongdan_spare_parts.models import Part
    except ImportError:
        raise InvalidAmount(
            "parts are priced from the spare parts plugin, which is not installed"
        ) from None
    rows = session.execute(
        sa.select(Part.number, Part.unit_price, Part.unit_cost).where(Part.number.in_(wanted))
    ).all()
    found = {r.number: (Decimal(r.unit_price), Decimal(r.unit_cost)) for r in rows}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise InvalidAmount(
            f"unknown part number(s) {', '.join(missing)}: not in the parts catalogue, so"
            " they cannot be priced; correct the number(s)"
        )
    return found


def part_names(session: Session, lines: Iterable[Any]) -> dict[str, str]:
    """Part number → name for the part lines among ``lines`` (one query), so a statement says
    what the part is; empty when the spare parts plugin is not installed."""
    numbers = sorted({str(line.description) for line in lines if line.kind == "part"})
    if not numbers:
        return {}
    try:
        from gongdan_spare_parts.models import Part
    except ImportError:
        return {}
    rows = session.execute(sa.select(Part.number, Part.name).where(Part.number.in_(numbers)))
    return {number: name for number, name in rows}


def _region(session: Session, ticket: Ticket) -> str | None:
    if ticket.address_id is not None:
        region = session.scalar(sa.select(Address.region).where(Address.id == ticket.address_id))
        if region:
            return str(region)
    if ticket.customer_id is not None:
        region = session.scalar(sa.select(Customer.region).where(Customer.id == ticket.customer_id))
        return str(region) if region else None
    return None


@dataclass(frozen=True)
class CostedItem:
    """A list-price item with what it cost the company (parts at unit cost)."""

    item: ChargeItem
    cost: Decimal = Decimal("0")


def quote_items(
    session: Session,
    ticket: Ticket,
    price_list: PriceList,
    *,
    labour_hours: object = None,
    parts: Mapping[str, object] | None = None,
    services: Iterable[str] | None = None,
) -> list[CostedItem]:
    """The items of a quote: the list's usual repair for the diagnosed ``fault_code``, with
    whatever the engineer gave explicitly instead (hours, part number → quantity, services).

    :raises InvalidAmount: negative or non-numeric values, unknown parts or services, or
        nothing to quote.
    """
    template = price_list.repairs.get(str((ticket.fields or {}).get("fault_code") or ""))
    hours = labour_hours if labour_hours not in (None, "") else None
    if hours is None and template is not None:
        hours = template.labour_hours
    wanted_parts: dict[str, object] = dict(parts or {})
    if parts is None and template is not None:
        wanted_parts = {number: quantity for number, quantity in template.parts}
    wanted_services = list(
        services if services is not None else template.services if template else ()
    )
    items: list[CostedItem] = []
    if hours is not None and pricing.to_amount(hours, "labour hours") > 0:
        level = engineer_level(price_list, ticket.assignee)
        items.append(CostedItem(pricing.labour_item(price_list, hours, level)))
    prices = catalogue(session, wanted_parts)
    for number, quantity in wanted_parts.items():
        price, cost = prices[number]
        item = pricing.part_item(price_list, f"part:{number}", number, quantity, price)
        items.append(CostedItem(item, pricing.round_money(cost * item.quantity)))
    items += [CostedItem(pricing.service_item(price_list, key)) for key in wanted_services]
    if not items:
        raise InvalidAmount(
            f"nothing to quote for {ticket.number}: give labour hours, parts or services"
            " (the price list has no usual repair for this fault)"
        )
    return items


def report_items(session: Session, ticket: Ticket, price_list: PriceList) -> list[CostedItem]:
    """What the service report says was done: labour hours (else the list's standard time for
    the diagnosed fault, for types without an hours field), one call-out when the engineer
    checked in on site, and the parts: the spare parts plugin's consumed part lines, else the
    report's ``parts_used`` table."""
    fields = ticket.fields or {}
    items: list[CostedItem] = []
    hours = fields.get("labour_hours")
    template = price_list.repairs.get(str(fields.get("fault_code") or ""))
    if hours in (None, "") and template is not None and not _records_hours(session, ticket):
        hours = template.labour_hours  # a workshop repair is billed at its standard time
    if hours not in (None, "") and pricing.to_amount(hours, "labour hours") > 0:
        level = engineer_level(price_list, ticket.assignee)
        items.append(CostedItem(pricing.labour_item(price_list, hours, level)))
    if ticket.checked_in_at is not None:  # a call-out is charged when someone went on site
        items.append(CostedItem(pricing.travel_item(price_list, _region(session, ticket))))
    for ref, number, quantity, price, cost in _consumed_parts(session, ticket.id) or _table_parts(
        session, fields.get("parts_used")
    ):
        item = pricing.part_item(price_list, ref, number, quantity, price)
        items.append(CostedItem(item, pricing.round_money(cost * item.quantity)))
    return items


def _records_hours(session: Session, ticket: Ticket) -> bool:
    """Whether the ticket's type has a ``labour_hours`` field (then it, not the standard
    time, says what labour to charge: none when left empty, e.g. a remote fix)."""
    pinned = pinned_definitions(session, ticket)
    return any(field.key == "labour_hours" for field in pinned.ticket_type.fields)


def _table_parts(
    session: Session, rows: object
) -> list[tuple[str, str, Decimal, Decimal, Decimal]]:
    """The report's ``parts_used`` table (``part_no``, ``quantity``), when no part line of the
    spare parts plugin was consumed on the ticket (never both: nothing is charged twice)."""
    if not isinstance(rows, list):
        return []
    wanted = [
        (index, str(row.get("part_no") or "").strip(), row.get("quantity", 1))
        for index, row in enumerate(rows, start=1)
        if isinstance(row, Mapping) and str(row.get("part_no") or "").strip()
    ]
    prices = catalogue(session, [number for _, number, _ in wanted])
    return [
        (f"parts_used:{index}:{number}", number,
         pricing.to_amount(quantity, f"quantity of {number}"), *prices[number])
        for index, number, quantity in wanted
    ]  # fmt: skip


def _consumed_parts(
    session: Session, ticket_id: int
) -> list[tuple[str, str, Decimal, Decimal, Decimal]]:
    try:
        from gongdan_spare_parts.models import Part, PartLine
    except ImportError:  # parts are charged only with the spare parts plugin
        return []
    rows = session.execute(
        sa.select(PartLine.id, Part.number, PartLine.quantity, Part.unit_price, Part.unit_cost)
        .join(Part, Part.id == PartLine.part_id)
        .where(PartLine.ticket_id == ticket_id, PartLine.status == "consumed")
        .order_by(PartLine.id)
    ).all()
    return [
        (f"part_line:{r.id}", r.number, Decimal(r.quantity), Decimal(r.unit_price),
         Decimal(r.unit_cost))
        for r in rows
    ]  # fmt: skip
