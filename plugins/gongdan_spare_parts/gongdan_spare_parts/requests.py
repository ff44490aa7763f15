"""Parts on tickets: request (van first, else a warehouse), approve, reserve, issue, consume,
release, and return the faulty part.

A line's life: ``requested`` → ``approved`` (waiting for stock) → ``reserved`` → ``issued`` →
``consumed``; or ``rejected``, ``released`` (reservation given back) and ``returned`` (issued but
unused, back on the shelf). A part from the engineer's own van needs no approval: it is reserved
at once. Who may take each step, and from which status, is the pack's ``part_request_flow``
Workflow definition (its transitions' ``roles`` and ``from``), so approvers change without code.
Each step records a ticket event (``spare_parts.requested`` … ``spare_parts.arrived``), which
notification templates and automations can use like any core event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.customers.models import Asset
from gongdan.db import utcnow
from gongdan.definitions.registry import compiled_active_set
from gongdan.tickets.events import record_event
from gongdan.tickets.models import Ticket
from gongdan_spare_parts.errors import (
    ExceedsReservation,
    InsufficientStock,
    NotAllowed,
    SerialNotInWarehouse,
    StockError,
    WrongLineStatus,
)
from gongdan_spare_parts.ledger import is_charged, parse_quantity
from gongdan_spare_parts.models import (
    FaultyReturn,
    Part,
    PartLine,
    SerialNumber,
    StockBalance,
    Warehouse,
)
from gongdan_spare_parts.services import (
    apply_move,
    check_van,
    in_one_transaction,
    serials_in,
    stock_of,
)


def van_of(session: Session, engineer: User) -> Warehouse | None:
    """The engineer's van stock, if they have one."""
    return session.scalar(
        sa.select(Warehouse)
        .where(Warehouse.kind == "van", Warehouse.owner_id == engineer.id)
        .order_by(Warehouse.id)
        .limit(1)
    )


def choose_source(session: Session, part: Part, quantity: Decimal, engineer: User) -> Warehouse:
    """Where a request is served from: the engineer's van when it has enough, else the regional
    or central warehouse with the most available, else the central warehouse (to wait there)."""
    van = van_of(session, engineer)
    if van is not None and stock_of(session, part.id, van.id).available >= quantity:
        return van
    balance = StockBalance.__table__
    available = balance.c.on_hand - balance.c.reserved
    best = session.scalar(
        sa.select(Warehouse)
        .join(balance, balance.c.warehouse_id == Warehouse.id)
        .where(balance.c.part_id == part.id, Warehouse.kind != "van", available >= quantity)
        .order_by(available.desc(), Warehouse.id)
        .limit(1)
    )
    if best is not None:
        return best
    central = session.scalar(
        sa.select(Warehouse).where(Warehouse.kind == "central").order_by(Warehouse.id).limit(1)
    )
    if central is None:
        raise StockError("there is no central warehouse to order parts from")
    return central


def _ticket(session: Session, line: PartLine) -> Ticket:
    ticket = session.get(Ticket, line.ticket_id)
    assert ticket is not None  # a foreign key
    return ticket


def _event(session: Session, line: PartLine, kind: str, actor: User | None, **data: object) -> None:
    payload = {"line": line.id, "part": line.part.number, "quantity": str(line.quantity), **data}
    record_event(session, _ticket(session, line), f"spare_parts.{kind}", actor, payload)


def _expect(line: PartLine, *statuses: str) -> None:
    if line.status not in statuses:
        wanted = " or ".join(statuses)
        raise WrongLineStatus(
            f"part line {line.id} ({line.part.number}) is {line.status}, not {wanted}"
        )


#: The Workflow definition (in the plugin's pack) a part line follows.
APPROVAL_FLOW = "part_request_flow"


def authorise(session: Session, line: PartLine, step: str, actor: User | None) -> None:
    """Check that ``actor`` may take ``step`` of the approval flow from the line's status.

    :raises StockError: the flow is not installed.
    :raises WrongLineStatus: the step does not leave the line's status.
    :raises NotAllowed: the actor's role may not take the step.
    """
    workflow = compiled_active_set(session).workflows.get(APPROVAL_FLOW)
    if workflow is None:
        raise StockError(
            f"the Workflow {APPROVAL_FLOW!r} is not installed: install the spare_parts pack"
        )
    transition = workflow.transition(step)
    if transition is None or line.status not in transition.sources:
        raise WrongLineStatus(f"part line {line.id} is {line.status}: it cannot be {step}d now")
    roles = {actor.role} if actor is not None else {"system"}
    # As the ticket engine: an admin may take any step a person may take.
    if not transition.allowed_for(roles) and not (
        "admin" in roles and bool(transition.roles - {"system"})
    ):
        who = actor.username if actor is not None else "the system"
        raise NotAllowed(f"{who} ({', '.join(sorted(roles))}) may not {step} part line {line.id}")


def try_reserve(session: Session, line: PartLine) -> bool:
    """Reserve the line's quantity if its warehouse has it available; ``False`` if not."""
    part, warehouse = line.part, line.warehouse
    if stock_of(session, part.id, warehouse.id).available < line.quantity:
        return False
    try:
        apply_move(
            session, kind="reservation", part=part, warehouse=warehouse,
            quantity=Decimal(line.quantity), ticket_id=line.ticket_id, part_line_id=line.id,
        )  # fmt: skip
    except InsufficientStock:
        return False  # taken between the read and the update; the refused update changed nothing
    line.status, line.reserved_at = "reserved", utcnow()
    return True


@in_one_transaction
def request_part(
    session: Session, *, ticket: Ticket, part: Part, quantity: object, engineer: User
) -> PartLine:
    """An engineer asks for ``quantity`` of ``part`` for ``ticket``.

    From their own van it is reserved at once; from a warehouse it waits for approval.
    """
    amount = parse_quantity(quantity, whole_units=part.whole_units, part_number=part.number)
    if not part.active:
        raise StockError(f"{part.number} is no longer stocked")
    source = choose_source(session, part, amount, engineer)
    line = PartLine(
        ticket_id=ticket.id, part=part, warehouse=source, quantity=amount,
        requested_by_id=engineer.id, status="requested",
    )  # fmt: skip
    session.add(line)
    session.flush()
    if source.kind == "van":
        authorise(session, line, "take_from_van", engineer)
        try_reserve(session, line)
    _event(session, line, "requested", engineer, warehouse=source.code, status=line.status)
    return line


@in_one_transaction
def approve(session: Session, line: PartLine, *, approver: User) -> PartLine:
    """Approve a request: reserved now if the warehouse has it, else waiting for stock."""
    authorise(session, line, "approve", approver)
    line.status, line.approved_by_id = "approved", approver.id
    try_reserve(session, line)
    _event(session, line, "approved", approver, status=line.status)
    return line


@in_one_transaction
def reject(session: Session, line: PartLine, *, approver: User, reason: str) -> PartLine:
    """Turn a request down (nothing was reserved yet)."""
    authorise(session, line, "reject", approver)
    line.status, line.approved_by_id = "rejected", approver.id
    _event(session, line, "rejected", approver, reason=reason)
    return line


def release_line(session: Session, line: PartLine, *, actor: User | None, reason: str) -> None:
    """Give a line's reservation back (no commit)."""
    if line.status == "reserved":
        apply_move(
            session, kind="release", part=line.part, warehouse=line.warehouse,
            quantity=Decimal(line.quantity), actor=actor, ticket_id=line.ticket_id,
            part_line_id=line.id, note=reason,
        )  # fmt: skip
    line.status = "released"
    _event(session, line, "released", actor, reason=reason)


@in_one_transaction
def release(session: Session, line: PartLine, *, actor: User | None, reason: str) -> PartLine:
    """Cancel a line that was not issued: its reservation, if any, is given back."""
    authorise(session, line, "release", actor)
    release_line(session, line, actor=actor, reason=reason)
    return line


def _issue(
    session: Session, line: PartLine, engineer: User, serial: str | None, quantity: object
) -> None:
    _expect(line, "reserved")
    authorise(session, line, "issue", engineer)
    check_van(line.warehouse, engineer)
    part = line.part
    amount = Decimal(line.quantity)
    if quantity is not None:
        amount = parse_quantity(quantity, whole_units=part.whole_units, part_number=part.number)
        if amount > line.quantity:
            raise ExceedsReservation(
                f"line {line.id} reserves {line.quantity} of {part.number}; cannot issue {amount}"
            )
    units: list[SerialNumber] = []
    if part.serial_tracked:
        if not serial or amount != 1:
            raise SerialNotInWarehouse(f"{part.number} is serial-tracked: issue one unit by serial")
        units = serials_in(session, part, line.warehouse, [serial])
    if amount < line.quantity:  # the rest of the reservation goes back on the shelf
        apply_move(
            session, kind="release", part=part, warehouse=line.warehouse,
            quantity=Decimal(line.quantity) - amount, actor=engineer, ticket_id=line.ticket_id,
            part_line_id=line.id, note="issued less than reserved",
        )  # fmt: skip
        line.quantity = amount
    apply_move(
        session, kind="issue", part=part, warehouse=line.warehouse, quantity=amount,
        actor=engineer, ticket_id=line.ticket_id, part_line_id=line.id, serial=serial,
    )  # fmt: skip
    for unit in units:
        unit.status, unit.warehouse_id, unit.ticket_id = "issued", None, line.ticket_id
    line.status, line.serial = "issued", serial
    _event(session, line, "issued", engineer, serial=serial)


@in_one_transaction
def issue(
    session: Session,
    line: PartLine,
    *,
    engineer: User,
    serial: str | None = None,
    quantity: object = None,
) -> PartLine:
    """Hand a reserved part to the engineer for the ticket (it leaves the warehouse).

    Issuing less than reserved gives the rest back; more is refused.
    """
    _issue(session, line, engineer, serial, quantity)
    return line


@in_one_transaction
def consume(
    session: Session,
    line: PartLine,
    *,
    engineer: User,
    serial: str | None = None,
    quantity: object = None,
    day: date | None = None,
) -> PartLine:
    """Record the part as used on the service report; warranty decides whether it is charged.

    A reserved line (typically from the van) is issued in the same step.
    """
    authorise(session, line, "consume", engineer)
    if line.status == "reserved":
        _issue(session, line, engineer, serial, quantity)
    _expect(line, "issued")
    ticket = _ticket(session, line)
    asset = session.get(Asset, ticket.asset_id) if ticket.asset_id else None
    service_day = day or utcnow().date()
    line.charged = is_charged(asset.warranty_end if asset else None, service_day)
    line.unit_price = line.part.unit_price
    line.status, line.consumed_at = "consumed", utcnow()
    _event(session, line, "consumed", engineer, charged=line.charged)
    return line


@in_one_transaction
def return_unused(session: Session, line: PartLine, *, engineer: User) -> PartLine:
    """An issued part that was not used goes back to its warehouse."""
    authorise(session, line, "return_unused", engineer)
    apply_move(
        session, kind="return", part=line.part, warehouse=line.warehouse,
        quantity=Decimal(line.quantity), actor=engineer, ticket_id=line.ticket_id,
        part_line_id=line.id, serial=line.serial,
    )  # fmt: skip
    if line.serial:
        session.execute(
            sa.update(SerialNumber)
            .where(SerialNumber.part_id == line.part_id, SerialNumber.serial == line.serial)
            .values(status="in_stock", warehouse_id=line.warehouse_id, ticket_id=None)
        )
    line.status = "returned"
    _event(session, line, "returned", engineer)
    return line


@in_one_transaction
def return_faulty(session: Session, line: PartLine, *, serial: str, engineer: User) -> FaultyReturn:
    """The faulty part the consumed one replaced starts its way back (serial tracked)."""
    _expect(line, "consumed")
    serial = (serial or "").strip()
    if not serial:
        raise SerialNotInWarehouse(f"the faulty {line.part.number} needs its serial number")
    if session.scalar(
        sa.select(FaultyReturn.id).where(
            FaultyReturn.part_id == line.part_id, FaultyReturn.serial == serial
        )
    ):
        raise StockError(f"faulty {line.part.number} {serial!r} was already returned")
    faulty = FaultyReturn(
        part_line_id=line.id, ticket_id=line.ticket_id, part_id=line.part_id, serial=serial
    )
    session.add(faulty)
    session.flush()
    _event(session, line, "faulty_returned", engineer, serial=serial)
    return faulty


@in_one_transaction
def receive_faulty(session: Session, faulty: FaultyReturn, *, outcome: str) -> FaultyReturn:
    """The faulty part's return flow: ``pending`` → ``received`` → ``repaired`` or ``scrapped``."""
    allowed = {"pending": {"received"}, "received": {"repaired", "scrapped"}}
    if outcome not in allowed.get(faulty.status, set()):
        raise WrongLineStatus(f"a faulty return that is {faulty.status} cannot become {outcome}")
    faulty.status = outcome
    return faulty


def serve_waiting(session: Session, part: Part, warehouse: Warehouse) -> list[int]:
    """Reserve stock for approved lines waiting at ``warehouse``, oldest first, while it lasts,
    and tell each ticket ``spare_parts.arrived``. Returns the ticket ids (no commit)."""
    waiting: Iterable[PartLine] = session.scalars(
        sa.select(PartLine)
        .where(
            PartLine.part_id == part.id,
            PartLine.warehouse_id == warehouse.id,
            PartLine.status == "approved",
        )
        .order_by(PartLine.id)
    )
    served = []
    for line in list(waiting):
        if not try_reserve(session, line):
            break
        _event(session, line, "arrived", None, warehouse=warehouse.code)
        served.append(line.ticket_id)
    return served
