"""Stock services: every change to stock is a move appended to the ledger, applied to its balance.

Each public function checks its input first, then applies its moves with one conditional
``UPDATE`` of the balance row per move (``... WHERE on_hand + Δ >= 0 AND reserved + Δ <= ...``),
then commits. The conditional update is what makes two engineers reserving the last unit safe:
on PostgreSQL the second ``UPDATE`` waits for the first one's row lock and re-checks its
condition against the committed row; SQLite runs one writer at a time. The loser gets
:class:`~gongdan_spare_parts.errors.InsufficientStock` and its transaction is rolled back, so
the ledger never records what the balance refused. CHECK constraints back this up.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan_spare_parts.errors import (
    InsufficientStock,
    NotYourVan,
    SerialNotInWarehouse,
    StockError,
)
from gongdan_spare_parts.ledger import move_deltas, parse_quantity
from gongdan_spare_parts.models import (
    Part,
    SerialNumber,
    StockBalance,
    StockMove,
    Warehouse,
)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class StockLevel:
    """One part × warehouse balance as read now."""

    on_hand: Decimal
    reserved: Decimal
    in_transit: Decimal

    @property
    def available(self) -> Decimal:
        """What can still be reserved."""
        return self.on_hand - self.reserved


def in_one_transaction(function: Callable[P, R]) -> Callable[P, R]:
    """Commit after ``function`` (whose first argument is the session); roll back if it raises.

    A refused move therefore leaves nothing behind: no ledger row, no balance change.
    """

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session: Session = args[0]  # type: ignore[assignment]  (or Flask-SQLAlchemy's scoped one)
        try:
            result = function(*args, **kwargs)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return result

    return wrapper


def stock_of(session: Session, part_id: int, warehouse_id: int) -> StockLevel:
    """The balance of ``part_id`` in ``warehouse_id`` (zero when nothing ever moved)."""
    table = StockBalance.__table__
    row = session.execute(
        sa.select(table.c.on_hand, table.c.reserved, table.c.in_transit).where(
            table.c.part_id == part_id, table.c.warehouse_id == warehouse_id
        )
    ).first()
    if row is None:
        return StockLevel(Decimal(0), Decimal(0), Decimal(0))
    return StockLevel(Decimal(row.on_hand), Decimal(row.reserved), Decimal(row.in_transit))


def available_anywhere(session: Session, part_number: str, warehouse_code: str = "") -> Decimal:
    """The most available of a part in one warehouse: ``warehouse_code``, or any central or
    regional one when empty (vans are their engineers'). One indexed read."""
    balance = StockBalance.__table__
    available = balance.c.on_hand - balance.c.reserved
    query = (
        sa.select(sa.func.max(available))
        .join(Part, Part.id == balance.c.part_id)
        .join(Warehouse, Warehouse.id == balance.c.warehouse_id)
        .where(Part.number == part_number)
    )
    if warehouse_code:
        query = query.where(Warehouse.code == warehouse_code)
    else:
        query = query.where(Warehouse.kind != "van")
    return Decimal(session.scalar(query) or 0)


def balance_mismatches(session: Session) -> list[tuple[int, int]]:
    """Part × warehouse pairs whose balance differs from the sum of their moves (in SQL).

    Empty whenever the ledger and the balances agree, which every service keeps true.
    """
    moves = (
        sa.select(
            StockMove.part_id,
            StockMove.warehouse_id,
            sa.func.sum(StockMove.d_on_hand).label("on_hand"),
            sa.func.sum(StockMove.d_reserved).label("reserved"),
            sa.func.sum(StockMove.d_in_transit).label("in_transit"),
        )
        .group_by(StockMove.part_id, StockMove.warehouse_id)
        .subquery()
    )
    balance = StockBalance.__table__
    joined = balance.outerjoin(
        moves,
        sa.and_(
            moves.c.part_id == balance.c.part_id, moves.c.warehouse_id == balance.c.warehouse_id
        ),
    )
    rows = session.execute(
        sa.select(balance.c.part_id, balance.c.warehouse_id)
        .select_from(joined)
        .where(
            sa.or_(
                sa.func.coalesce(moves.c.on_hand, 0) != balance.c.on_hand,
                sa.func.coalesce(moves.c.reserved, 0) != balance.c.reserved,
                sa.func.coalesce(moves.c.in_transit, 0) != balance.c.in_transit,
            )
        )
    )
    orphans = session.execute(
        sa.select(moves.c.part_id, moves.c.warehouse_id)
        .select_from(moves.outerjoin(balance, sa.and_(
            moves.c.part_id == balance.c.part_id,
            moves.c.warehouse_id == balance.c.warehouse_id,
        )))
        .where(balance.c.part_id.is_(None))
    )  # fmt: skip
    return sorted({(r[0], r[1]) for r in [*rows, *orphans]})


def _ensure_balance_row(session: Session, part_id: int, warehouse_id: int) -> None:
    """Create the zero balance of a pair on its first move (a no-op when it exists)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(
        insert(StockBalance.__table__)
        .values(part_id=part_id, warehouse_id=warehouse_id, on_hand=0, reserved=0, in_transit=0)
        .on_conflict_do_nothing()
    )


def apply_move(
    session: Session,
    *,
    kind: str,
    part: Part,
    warehouse: Warehouse,
    quantity: Decimal,
    actor: User | None = None,
    **details: Any,
) -> StockMove:
    """Apply one move to its balance and append it to the ledger (no commit).

    ``details`` are the move's other columns (``ticket_id``, ``part_line_id``, ``serial``,
    ``transfer_id``, ``note``).

    :raises InsufficientStock: the balance would go negative or reserve more than is on hand.
    """
    d_on_hand, d_reserved, d_in_transit = move_deltas(kind, quantity)
    _ensure_balance_row(session, part.id, warehouse.id)
    table = StockBalance.__table__
    on_hand, reserved = table.c.on_hand + d_on_hand, table.c.reserved + d_reserved
    in_transit = table.c.in_transit + d_in_transit
    result = session.execute(
        sa.update(table)
        .where(
            table.c.part_id == part.id,
            table.c.warehouse_id == warehouse.id,
            on_hand >= 0,
            reserved >= 0,
            in_transit >= 0,
            reserved <= on_hand,
        )
        .values(on_hand=on_hand, reserved=reserved, in_transit=in_transit)
    )
    if result.rowcount != 1:
        level = stock_of(session, part.id, warehouse.id)
        raise InsufficientStock(
            f"{part.number} in {warehouse.code}: {kind} of {quantity} refused — on hand "
            f"{level.on_hand}, reserved {level.reserved}, available {level.available}"
        )
    move = StockMove(
        kind=kind,
        part_id=part.id,
        warehouse_id=warehouse.id,
        quantity=quantity,
        d_on_hand=d_on_hand,
        d_reserved=d_reserved,
        d_in_transit=d_in_transit,
        actor_id=actor.id if actor is not None else None,
        **details,
    )
    session.add(move)
    session.flush()
    return move


def check_van(warehouse: Warehouse, engineer: User | None) -> None:
    """An engineer may take parts out of their own van only.

    :raises NotYourVan: ``warehouse`` is another engineer's van.
    """
    if warehouse.kind == "van" and (engineer is None or warehouse.owner_id != engineer.id):
        who = engineer.username if engineer is not None else "nobody"
        raise NotYourVan(f"{warehouse.code} is another engineer's van; {who} cannot use it")


def serials_in(
    session: Session, part: Part, warehouse: Warehouse, serials: Sequence[str]
) -> list[SerialNumber]:
    """The in-stock units of ``part`` in ``warehouse`` with these serial numbers.

    :raises SerialNotInWarehouse: one is unknown, elsewhere, already issued, or listed twice.
    """
    wanted = [str(serial).strip() for serial in serials]
    if len(set(wanted)) != len(wanted):
        raise SerialNotInWarehouse(f"serial numbers of {part.number} listed twice: {wanted!r}")
    found = {
        unit.serial: unit
        for unit in session.scalars(
            sa.select(SerialNumber).where(
                SerialNumber.part_id == part.id,
                SerialNumber.serial.in_(wanted),
                SerialNumber.warehouse_id == warehouse.id,
                SerialNumber.status == "in_stock",
            )
        )
    }
    missing = [serial for serial in wanted if serial not in found]
    if missing:
        raise SerialNotInWarehouse(
            f"serial number {missing[0]!r} of {part.number} is not in stock in {warehouse.code}"
        )
    return [found[serial] for serial in wanted]


def _check_serial_count(part: Part, quantity: Decimal, serials: Sequence[str]) -> None:
    if part.serial_tracked and len(serials) != quantity:
        raise SerialNotInWarehouse(
            f"{part.number} is serial-tracked: {quantity} units need {quantity} serial numbers,"
            f" {len(serials)} given"
        )


@in_one_transaction
def receive(
    session: Session,
    *,
    part: Part,
    warehouse: Warehouse,
    quantity: object,
    serials: Sequence[str] = (),
    actor: User | None = None,
    note: str = "",
) -> StockMove:
    """Goods received into ``warehouse`` (a purchase, a repaired part); waiting requests of
    that part there are then served (see :func:`gongdan_spare_parts.requests.serve_waiting`)."""
    amount = parse_quantity(quantity, whole_units=part.whole_units, part_number=part.number)
    serials = [str(s).strip() for s in serials]
    _check_serial_count(part, amount, serials)
    if serials:
        taken = session.scalar(
            sa.select(SerialNumber.serial).where(
                SerialNumber.part_id == part.id, SerialNumber.serial.in_(serials)
            )
        )
        if taken is not None:
            raise SerialNotInWarehouse(f"serial number {taken!r} of {part.number} already exists")
    move = apply_move(
        session, kind="receipt", part=part, warehouse=warehouse, quantity=amount, actor=actor,
        note=note, serial=",".join(serials) or None,
    )  # fmt: skip
    session.add_all(
        SerialNumber(part_id=part.id, serial=serial, warehouse_id=warehouse.id)
        for serial in serials
    )
    _serve_waiting(session, part, warehouse)
    return move


@in_one_transaction
def transfer(
    session: Session,
    *,
    part: Part,
    source: Warehouse,
    destination: Warehouse,
    quantity: object,
    serials: Sequence[str] = (),
    actor: User | None = None,
) -> str:
    """Send stock from ``source`` to ``destination``: it is in transit there until
    :func:`arrive`. Returns the transfer's id."""
    amount = parse_quantity(quantity, whole_units=part.whole_units, part_number=part.number)
    if source.id == destination.id:
        raise StockError(f"a transfer needs two warehouses, {source.code} was given twice")
    if actor is not None and actor.role == "engineer":
        check_van(source, actor)  # the office may move van stock; an engineer only their own
    _check_serial_count(part, amount, serials)
    units = serials_in(session, part, source, serials)
    transfer_id = str(uuid.uuid4())
    common = {"part": part, "quantity": amount, "actor": actor, "transfer_id": transfer_id}
    apply_move(session, kind="transfer_out", warehouse=source, **common)
    apply_move(session, kind="transfer_in", warehouse=destination, **common)
    for unit in units:
        unit.status, unit.warehouse_id = "in_transit", destination.id
    return transfer_id


@in_one_transaction
def arrive(session: Session, *, transfer_id: str, actor: User | None = None) -> StockMove:
    """The transfer ``transfer_id`` arrived: in transit becomes on hand; waiting requests of the
    part there are served."""
    sent = session.scalar(
        sa.select(StockMove).where(
            StockMove.transfer_id == transfer_id, StockMove.kind == "transfer_in"
        )
    )
    if sent is None:
        raise StockError(f"no transfer {transfer_id!r}")
    if session.scalar(
        sa.select(StockMove.id).where(
            StockMove.transfer_id == transfer_id, StockMove.kind == "arrival"
        )
    ):
        raise StockError(f"transfer {transfer_id!r} has already arrived")
    move = apply_move(
        session, kind="arrival", part=sent.part, warehouse=sent.warehouse,
        quantity=Decimal(sent.quantity), actor=actor, transfer_id=transfer_id,
    )  # fmt: skip
    session.execute(
        sa.update(SerialNumber)
        .where(
            SerialNumber.part_id == sent.part_id,
            SerialNumber.warehouse_id == sent.warehouse_id,
            SerialNumber.status == "in_transit",
        )
        .values(status="in_stock")
    )
    _serve_waiting(session, sent.part, sent.warehouse)
    return move


@in_one_transaction
def write_off(
    session: Session,
    *,
    part: Part,
    warehouse: Warehouse,
    quantity: object,
    serials: Sequence[str] = (),
    actor: User | None = None,
    reason: str,
) -> StockMove:
    """Remove damaged or lost stock; only what is not reserved can be written off."""
    amount = parse_quantity(quantity, whole_units=part.whole_units, part_number=part.number)
    if not reason.strip():
        raise StockError("a write-off needs a reason")
    _check_serial_count(part, amount, serials)
    units = serials_in(session, part, warehouse, serials)
    move = apply_move(
        session, kind="write_off", part=part, warehouse=warehouse, quantity=amount, actor=actor,
        note=reason, serial=",".join(serials) or None,
    )  # fmt: skip
    for unit in units:
        unit.status, unit.warehouse_id = "written_off", None
    return move


def _serve_waiting(session: Session, part: Part, warehouse: Warehouse) -> None:
    # Imported here: requests builds on this module's moves.
    from gongdan_spare_parts.requests import serve_waiting

    serve_waiting(session, part, warehouse)


def ledger_of(session: Session, part_ids: Iterable[int]) -> list[StockMove]:
    """The moves of these parts, oldest first (for pages and tests; the ledger is read-only)."""
    return list(
        session.scalars(
            sa.select(StockMove).where(StockMove.part_id.in_(list(part_ids))).order_by(StockMove.id)
        )
    )
