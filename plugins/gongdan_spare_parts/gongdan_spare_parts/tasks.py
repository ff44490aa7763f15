"""The plugin's periodic work (the ``gongdan_sweeps`` hook): stale reservations and safety stock.

Both are idempotent and catch up from the database: a reservation older than the limit is
released once (it is no longer ``reserved`` afterwards); a part × warehouse below its safety
stock gets one open purchase suggestion (a partial unique index) and one notification per
suggestion (the outbox's dedupe key).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.conditions.sql import compile_condition_sql
from gongdan.db import utcnow
from gongdan.definitions.registry import active_revisions, definition_from_revision
from gongdan.notifications.models import NotificationOutbox
from gongdan_spare_parts.definitions import STOCK_POLICY
from gongdan_spare_parts.models import Part, PartLine, PurchaseSuggestion, StockBalance, Warehouse
from gongdan_spare_parts.requests import release_line

log = logging.getLogger(__name__)

#: Days a reservation may wait to be issued before it is given back (config overrides).
DEFAULT_RESERVATION_DAYS = 7
#: At most this many stale reservations are released per tick (the next tick does the rest).
RELEASE_BATCH = 500

#: What a StockPolicy condition's variables are in SQL.
POLICY_COLUMNS: dict[str, sa.ColumnElement[Any]] = {
    "part.number": Part.__table__.c.number,
    "part.name": Part.__table__.c.name,
    "part.serial_tracked": Part.__table__.c.serial_tracked,
    "warehouse.code": Warehouse.__table__.c.code,
    "warehouse.kind": Warehouse.__table__.c.kind,
    "warehouse.region": Warehouse.__table__.c.region,
}


@dataclass(frozen=True)
class Policy:
    """An active StockPolicy, as the sweep needs it."""

    key: str
    order: int
    when: Any
    safety_stock: Decimal
    reorder_quantity: Decimal
    notify: tuple[str, ...]


def active_policies(session: Session) -> list[Policy]:
    """The active StockPolicy definitions, lowest ``order`` first."""
    policies = []
    for revision in active_revisions(session, STOCK_POLICY):
        spec = definition_from_revision(revision).spec
        policies.append(
            Policy(
                key=revision.key,
                order=int(spec.get("order", 0)),
                when=spec.get("when"),
                safety_stock=Decimal(str(spec["safety_stock"])),
                reorder_quantity=Decimal(str(spec["reorder_quantity"])),
                notify=tuple(spec.get("notify") or ()),
            )
        )
    return sorted(policies, key=lambda p: (p.order, p.key))


def release_stale_reservations(session: Session, now: datetime, days: int) -> int:
    """Release reservations not issued within ``days``; returns how many (commits)."""
    stale = list(
        session.scalars(
            sa.select(PartLine)
            .where(PartLine.status == "reserved", PartLine.reserved_at < now - timedelta(days=days))
            .order_by(PartLine.id)
            .limit(RELEASE_BATCH)
        )
    )
    for line in stale:
        release_line(session, line, actor=None, reason=f"not issued within {days} days")
    session.commit()
    return len(stale)


def suggest_purchases(session: Session, now: datetime) -> list[int]:
    """Open a purchase suggestion for each part × warehouse below its policy's safety stock.

    One ``INSERT … SELECT`` per policy, over the balances in SQL; a pair takes the first policy
    (lowest order) whose condition it meets. Pairs with an open suggestion are skipped.
    Returns the new suggestions' ids (commits).
    """
    balance = StockBalance.__table__
    level = balance.c.on_hand - balance.c.reserved + balance.c.in_transit
    earlier: list[sa.ColumnElement[bool]] = []
    created: list[int] = []
    for policy in active_policies(session):
        matches = (
            compile_condition_sql(policy.when, POLICY_COLUMNS, now=now)
            if policy.when is not None
            else sa.true()
        )
        open_already = sa.exists().where(
            PurchaseSuggestion.part_id == balance.c.part_id,
            PurchaseSuggestion.warehouse_id == balance.c.warehouse_id,
            PurchaseSuggestion.status == "open",
        )
        rows = session.execute(
            sa.select(balance.c.part_id, balance.c.warehouse_id, level.label("level"))
            .join(Part.__table__, Part.__table__.c.id == balance.c.part_id)
            .join(Warehouse.__table__, Warehouse.__table__.c.id == balance.c.warehouse_id)
            .where(
                matches,
                *[sa.not_(condition) for condition in earlier],
                Part.__table__.c.active.is_(True),
                level < policy.safety_stock,
                sa.not_(open_already),
            )
        ).all()
        earlier.append(matches)
        for part_id, warehouse_id, available in rows:
            suggestion = PurchaseSuggestion(
                part_id=part_id, warehouse_id=warehouse_id, quantity=policy.reorder_quantity,
                available=available, safety_stock=policy.safety_stock, policy=policy.key,
            )  # fmt: skip
            session.add(suggestion)
            session.flush()
            _notify(session, suggestion, policy)
            created.append(suggestion.id)
    session.commit()
    return created


def _notify(session: Session, suggestion: PurchaseSuggestion, policy: Policy) -> None:
    """An email to each person the policy names (``role:x`` or ``user:name``)."""
    roles = [target.split(":", 1)[1] for target in policy.notify if target.startswith("role:")]
    names = [target.split(":", 1)[1] for target in policy.notify if target.startswith("user:")]
    if not roles and not names:
        return
    people = session.scalars(
        sa.select(User).where(
            User.active.is_(True),
            User.email.is_not(None),
            sa.or_(User.role.in_(roles), User.username.in_(names)),
        )
    )
    part, warehouse = suggestion.part, suggestion.warehouse
    subject = f"备件低于安全库存 / Below safety stock: {part.number} @ {warehouse.code}"
    body = (
        f"{part.number} {part.name} @ {warehouse.code} {warehouse.name}: "
        f"{suggestion.available} < {suggestion.safety_stock}. "
        f"建议采购 / Suggested order: {suggestion.quantity} ({policy.key})"
    )
    for person in people:
        session.add(
            NotificationOutbox(
                event=f"spare_parts.below_safety:{suggestion.id}",
                template_key="spare_parts.below_safety",
                channel="email",
                recipient_kind="user",
                recipient_ref=str(person.id),
                recipient_name=person.display_name,
                recipient_address=person.email or "",
                subject=subject,
                body=body,
                dedupe_key=f"spare_parts.below_safety:{suggestion.id}:email:{person.id}",
            )
        )


def stock_sweep(now: datetime | None) -> dict[str, Any]:
    """The plugin's sweep: stale reservations, then safety stock (inside an app context)."""
    from gongdan.db import db

    moment = now or utcnow()
    days = int(current_app.config.get("SPARE_PARTS_RESERVATION_DAYS", DEFAULT_RESERVATION_DAYS))
    released = release_stale_reservations(db.session, moment, days)
    suggested = suggest_purchases(db.session, moment)
    if released or suggested:
        log.info("spare parts: %s reservations released, %s suggestions", released, suggested)
    return {"released": released, "suggestions": len(suggested)}
