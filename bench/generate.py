"""A fast generator of realistic ticket data for the benchmarks (PostgreSQL ``COPY``).

``python -m bench generate --tickets 1000000`` tops the history database up to that many
tickets (``--backlog`` the SLA backlog database instead). What it writes looks like a busy
after-sales desk:

* customers with a long tail (a few key accounts raise most tickets), tiers and regions;
* engineers in every department that owns workflow states;
* tickets of every installed type, weighted (repairs most), priorities mostly normal, channels
  as a call centre sees them, created over two years with more recent volume, in office hours;
* states that fit the age: old tickets mostly closed, recent ones spread over the open states of
  their workflow, each with the department that owns its state and an engineer of it;
* SLA clocks copied from real ones: for each type and priority one ticket is created through the
  real service first, and its clocks (policy and calendar revisions, targets, ladder level) are
  the pattern the generated clocks follow, shifted to each ticket's creation time.

Rows go in through ``COPY`` in chunks of 50 000, each its own transaction, with a progress bar.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from bench.progress import ProgressBar
from gongdan.accounts.models import Department, User
from gongdan.customers.models import Asset, Contact, Customer
from gongdan.db import db
from gongdan.errors import ValidationFailed
from gongdan.sla.models import SlaClock
from gongdan.tickets.creation import create_ticket
from gongdan.tickets.models import Ticket
from gongdan.tickets.pinning import active_type_revisions, compile_pinned

CHUNK = 50_000
#: Relative weight of each ticket type (types the pack does not have are skipped).
TYPE_WEIGHTS = {
    "repair": 50,
    "consultation": 20,
    "installation": 9,
    "upgrade": 8,
    "complaint": 6,
    "depot_repair": 7,
}
PRIORITY_WEIGHTS = {"low": 10, "normal": 60, "high": 22, "urgent": 8}
CHANNEL_WEIGHTS = {
    "phone": 38,
    "wechat": 17,
    "portal": 14,
    "email": 12,
    "web": 9,
    "api": 7,
    "sms": 3,
}
TIERS = {"normal": 80, "gold": 15, "vip": 5}
REGIONS = ("east", "north", "south", "southwest", "northwest", "northeast", "central")
CITIES = ("上海", "北京", "广州", "深圳", "成都", "杭州", "南京", "武汉", "西安", "重庆", "沈阳")
TRADES = ("咖啡", "茶饮", "烘焙", "餐饮", "酒店", "便利店", "医院", "学校", "工厂", "超市")
SYMPTOMS = (
    "开机无反应",
    "出水温度不够",
    "蒸汽压力不足",
    "研磨异响",
    "显示屏报错 E{code}",
    "漏水",
    "制冰机不制冰",
    "压缩机频繁启停",
    "门封老化",
    "打印机卡纸",
    "网络连接中断",
    "固件升级失败",
)
HISTORY_DAYS = 730


@dataclass(frozen=True)
class ClockPattern:
    """One clock of a ticket created through the real service, as offsets from its creation."""

    metric: str
    policy_key: str
    policy_revision_id: int
    calendar_revision_id: int | None
    target_seconds: int
    next_level: int | None
    due_after: timedelta | None
    fire_after: timedelta | None


@dataclass(frozen=True)
class TypePattern:
    """What the generator needs of one ticket type: revisions, states, fields, clocks."""

    type_key: str
    type_revision_id: int
    workflow_revision_id: int
    initial: str
    open_states: tuple[tuple[str, str, str | None], ...]  # key, category, owner
    done_states: tuple[tuple[str, str, str | None], ...]
    fields: dict[str, Any]
    options: dict[str, tuple[str, ...]]
    clocks: dict[str, tuple[ClockPattern, ...]]  # by priority
    sla_revision_ids: dict[str, int | None]
    customer_field: str | None
    contact_field: str | None
    asset_field: str | None


def _weighted(rng: random.Random, weights: dict[str, int], count: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=count)


def _raw(engine: sa.Engine) -> Any:
    return engine.raw_connection()


def ensure_reference_data(app: Flask, customers: int, engineers: int) -> None:
    """Customers (with a contact each) and engineers up to the given numbers."""
    with app.app_context():
        engine = db.engine
        have = db.session.scalar(sa.select(sa.func.count(Customer.id))) or 0
        rng = random.Random(7)
        if have < customers:
            raw = _raw(engine)
            try:
                with raw.cursor() as cursor:
                    first = have + 1
                    with cursor.copy(
                        "COPY customers (code, name, tier, region, phone, email, notes, active,"
                        " created_at) FROM STDIN"
                    ) as copy:
                        tiers = _weighted(rng, TIERS, customers - have)
                        for n, tier in zip(range(first, customers + 1), tiers, strict=True):
                            city = rng.choice(CITIES)
                            copy.write_row(
                                (
                                    f"B{n:07d}",
                                    f"{city}{rng.choice(TRADES)}客户{n:06d}号",
                                    tier,
                                    rng.choice(REGIONS),
                                    f"0{rng.randint(10, 99)}{n:08d}",
                                    f"service{n}@bench.example.cn",
                                    "",
                                    True,
                                    datetime.now(UTC),
                                )
                            )
                    # Two machines per customer, half of them still in warranty.
                    cursor.execute(
                        "INSERT INTO assets (customer_id, product_model, serial_number,"
                        " install_date, warranty_end, notes, created_at)"
                        " SELECT c.id, (ARRAY['es_pro_2','es_pro_3','es_compact','bc_600',"
                        "'bc_900_milk','gr_64','ic_120'])[1 + (c.id * n) % 7],"
                        " 'SN' || lpad(c.id::text, 7, '0') || '-' || n,"
                        " current_date - (c.id % 900), current_date + (c.id % 730) - 365, '',"
                        " now() FROM customers c CROSS JOIN generate_series(1, 2) AS n"
                        " WHERE c.code LIKE 'B%' AND NOT EXISTS"
                        " (SELECT 1 FROM assets a WHERE a.customer_id = c.id)"
                    )
                    cursor.execute(
                        "INSERT INTO contacts (customer_id, name, phone, mobile, is_primary,"
                        " created_at) SELECT id, '联系人' || code, phone,"
                        " '13' || lpad((id % 1000000000)::text, 9, '0'), true, now()"
                        " FROM customers WHERE code LIKE 'B%' AND NOT EXISTS"
                        " (SELECT 1 FROM contacts WHERE contacts.customer_id = customers.id)"
                    )
                raw.commit()
            finally:
                raw.close()
        session = db.session
        departments = list(session.scalars(sa.select(Department).order_by(Department.key)))
        have_engineers = (
            session.scalar(
                sa.select(sa.func.count(User.id)).where(User.username.like("bench_engineer_%"))
            )
            or 0
        )
        for n in range(have_engineers + 1, engineers + 1):
            department = departments[n % len(departments)]
            user = User(
                username=f"bench_engineer_{n:04d}",
                display_name=f"工程师{n:04d}",
                role="engineer",
                department=department,
                capacity=12,
            )
            user.password_hash = "!"  # cannot log in
            session.add(user)
        session.commit()


def type_patterns(app: Flask) -> list[TypePattern]:
    """One pattern per installed ticket type; creates its template tickets on the first run."""
    patterns = []
    with app.app_context():
        session = db.session
        customer = session.scalar(sa.select(Customer).where(Customer.code == "C-RUIKA"))
        if customer is None:
            raise SystemExit("the benchmark database has no demo customer: run with --fresh")
        for type_key in TYPE_WEIGHTS:
            try:
                revisions = active_type_revisions(session, type_key)
            except Exception:  # a pack without this type: generate the others
                session.rollback()
                continue
            patterns.append(_pattern(session, type_key, revisions, customer))
    return patterns


def _pattern(session: Session, type_key: str, revisions: Any, customer: Customer) -> TypePattern:
    from gongdan.tickets.seeding import demo_fields

    pinned = compile_pinned(session, *revisions)
    ticket_type, workflow = pinned.ticket_type, pinned.workflow
    clocks: dict[str, tuple[ClockPattern, ...]] = {}
    sla_ids: dict[str, int | None] = {}
    fields: dict[str, Any] = {}
    # A machine of the customer's, so a serial number field names a real asset.
    asset = session.scalar(sa.select(Asset).where(Asset.customer_id == customer.id).limit(1))
    own: dict[str, Any] = {}
    if asset is not None:
        own = {f.key: asset.id for f in ticket_type.fields if f.type == "asset"}
        own["serial_no"] = asset.serial_number
    for priority in PRIORITY_WEIGHTS:
        subject = f"bench template {type_key} {priority}"
        ticket = session.scalar(sa.select(Ticket).where(Ticket.subject == subject))
        if ticket is None:
            values = demo_fields(session, ticket_type, customer, subject, own)
            ticket = _create_template(session, type_key, values, priority, subject, customer)
        fields = dict(ticket.fields)
        sla_ids[priority] = ticket.sla_policy_revision_id
        rows = session.scalars(sa.select(SlaClock).where(SlaClock.ticket_id == ticket.id))
        clocks[priority] = tuple(
            ClockPattern(
                metric=row.metric,
                policy_key=row.policy_key,
                policy_revision_id=row.policy_revision_id,
                calendar_revision_id=row.calendar_revision_id,
                target_seconds=row.target_seconds,
                next_level=row.next_level,
                due_after=row.due_at - row.started_at if row.due_at else None,
                fire_after=row.next_fire_at - row.started_at if row.next_fire_at else None,
            )
            for row in rows
        )
    states = list(workflow.states.values())
    by_kind = {f.type: f.key for f in ticket_type.fields}
    return TypePattern(
        type_key=type_key,
        type_revision_id=revisions[0],
        workflow_revision_id=revisions[1],
        initial=workflow.initial,
        open_states=tuple(
            (s.key, s.category, s.owner) for s in states if s.category in ("open", "paused")
        ),
        done_states=tuple(
            (s.key, s.category, s.owner) for s in states if s.category in ("resolved", "closed")
        ),
        fields=fields,
        options={f.key: f.options for f in ticket_type.fields if f.options},
        clocks=clocks,
        sla_revision_ids=sla_ids,
        customer_field=by_kind.get("customer"),
        contact_field=by_kind.get("contact"),
        asset_field=by_kind.get("asset"),
    )


def _create_template(
    session: Session,
    type_key: str,
    values: dict[str, Any],
    priority: str,
    subject: str,
    customer: Customer,
) -> Ticket:
    """A ticket through the real service; placeholder values it rejects are left out."""
    for _ in range(3):
        try:
            return create_ticket(
                session, None, type_key=type_key, channel="phone", fields=values,
                priority=priority, subject=subject, customer_id=customer.id,
            )  # fmt: skip
        except ValidationFailed as invalid:
            values = {k: v for k, v in values.items() if k not in invalid.fields}
    raise SystemExit(f"cannot create a {type_key!r} template ticket: {values}")


@dataclass(frozen=True)
class Shape:
    """How the generated tickets are spread: history (mostly closed) or an open backlog."""

    open_backlog: bool = False
    #: Share of open tickets whose next escalation rung is already due (backlog only).
    due_share: float = 0.01


def generate(app: Flask, total: int, shape: Shape, *, customers: int = 20_000) -> int:
    """Top the database of ``app`` up to ``total`` tickets; returns how many were written."""
    ensure_reference_data(app, customers=customers, engineers=300)
    patterns = type_patterns(app)
    with app.app_context():
        engine = db.engine
        session = db.session
        have = session.scalar(sa.select(sa.func.count(Ticket.id))) or 0
        wanted = total - have
        if wanted <= 0:
            return 0
        customer_rows = session.execute(
            sa.select(Customer.id, sa.func.min(Contact.id), sa.func.min(Asset.id))
            .join(Contact, Contact.customer_id == Customer.id)
            .outerjoin(Asset, Asset.customer_id == Customer.id)
            .where(Customer.code.like("B%"))
            .group_by(Customer.id)
            .order_by(Customer.id)
        ).all()
        engineers: dict[str | None, list[int]] = {}
        for user_id, key in session.execute(
            sa.select(User.id, Department.key)
            .join(Department, User.department_id == Department.id)
            .where(User.role == "engineer")
        ):
            engineers.setdefault(key, []).append(user_id)
        creator_ids = list(
            session.scalars(sa.select(User.id).where(User.role.in_(("agent", "dispatcher"))))
        ) or [None]
        next_id = (session.scalar(sa.select(sa.func.max(Ticket.id))) or 0) + 1
        session.rollback()
    bar = ProgressBar("tickets", wanted)
    rng = random.Random(next_id)
    now = datetime.now(UTC).replace(microsecond=0)
    # Tickets arrive in time order, so ids follow creation times (and the open, recent ones
    # lie together at the end of the table, as in a real database).
    moments = sorted(_created_at(rng, now, shape) for _ in range(wanted))
    written = 0
    while written < wanted:
        count = min(CHUNK, wanted - written)
        rows = _ticket_rows(
            rng, next_id, moments[written : written + count], now, shape, patterns,
            customer_rows, engineers, creator_ids,
        )  # fmt: skip
        _copy_chunk(engine, rows, patterns, shape, now, rng)
        next_id += count
        written += count
        bar.advance(count)
    bar.close()
    with engine.begin() as connection:
        connection.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), :n)"),
            {"n": next_id - 1},
        )
    # What autovacuum does to a table after a bulk load, at once: statistics for the planner
    # and the visibility map that lets index-only scans skip the table.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    return written


@dataclass
class _Row:
    values: tuple[Any, ...]
    pattern: TypePattern
    priority: str
    created_at: datetime
    category: str
    due: bool
    resolved_at: datetime | None
    first_response_at: datetime | None


def _created_at(rng: random.Random, now: datetime, shape: Shape) -> datetime:
    days = (
        rng.random() * 14 if shape.open_backlog else HISTORY_DAYS * rng.random() ** 1.6
    )  # more volume recently
    moment = now - timedelta(days=days)
    # Office hours mostly: calls come in between 08:00 and 20:00 Beijing time (00–12 UTC).
    hour = min(int(abs(rng.gauss(4.5, 3.0))), 23)
    return moment.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))


def _ticket_rows(
    rng: random.Random,
    first_id: int,
    moments: Sequence[datetime],
    now: datetime,
    shape: Shape,
    patterns: Sequence[TypePattern],
    customers: Sequence[Any],
    engineers: dict[str | None, list[int]],
    creators: Sequence[int | None],
) -> list[_Row]:
    count = len(moments)
    weights = [TYPE_WEIGHTS[p.type_key] for p in patterns]
    chosen = rng.choices(list(patterns), weights=weights, k=count)
    priorities = _weighted(rng, PRIORITY_WEIGHTS, count)
    channels = _weighted(rng, CHANNEL_WEIGHTS, count)
    rows = []
    for offset, (pattern, priority, channel) in enumerate(
        zip(chosen, priorities, channels, strict=True)
    ):
        ticket_id = first_id + offset
        created = moments[offset]
        # A long tail: the square of a uniform number favours the first (key account) rows.
        customer_id, contact_id, asset_id = customers[int(len(customers) * rng.random() ** 2)]
        if not pattern.asset_field or rng.random() < 0.3:
            asset_id = None  # a machine not (yet) in the installed base
        age_days = (now - created).total_seconds() / 86400
        still_open = shape.open_backlog or rng.random() < (0.75 if age_days < 7 else 0.02)
        if still_open or not pattern.done_states:
            state, category, owner = (
                rng.choice(pattern.open_states)
                if rng.random() < 0.85
                else next(s for s in pattern.open_states if s[0] == pattern.initial)
            )
        else:
            state, category, owner = rng.choice(pattern.done_states)
        owners = engineers.get(owner) or []
        assignee = rng.choice(owners) if owners and state != pattern.initial else None
        fields = dict(pattern.fields)
        if pattern.customer_field:
            fields[pattern.customer_field] = customer_id
        if pattern.contact_field:
            fields[pattern.contact_field] = contact_id
        if pattern.asset_field:
            fields[pattern.asset_field] = asset_id
        symptom = rng.choice(SYMPTOMS).format(code=rng.randint(10, 99))
        for key, options in pattern.options.items():
            if key in fields or key in ("product_model", "fault_code"):
                fields[key] = rng.choice(options)
        if "symptom" in fields:
            fields["symptom"] = symptom
        model = fields.get("product_model", "")
        responded = created + timedelta(minutes=rng.randint(3, 240))
        resolved = closed = None
        if category in ("resolved", "closed"):
            resolved = created + timedelta(hours=rng.uniform(2, 96))
        if resolved is not None and category == "closed":
            closed = resolved + timedelta(hours=rng.uniform(1, 72))
        last = closed or resolved or responded
        values = (
            ticket_id,
            f"BN-{created:%Y%m%d}-{ticket_id:08d}",
            pattern.type_key,
            pattern.type_revision_id,
            pattern.workflow_revision_id,
            pattern.sla_revision_ids.get(priority),
            state,
            category,
            priority,
            channel,
            customer_id,
            contact_id,
            asset_id,
            owner,
            assignee,
            rng.choice(creators),
            f"{model} {symptom}".strip()[:300],
            json.dumps(fields, ensure_ascii=False),
            1 + (state != pattern.initial) + (assignee is not None),
            created,
            min(last, now),
            resolved,
            closed,
            responded if state != pattern.initial else None,  # first response
            responded if assignee is not None else None,  # accepted
            0,
        )
        due = shape.open_backlog and rng.random() < shape.due_share
        first_response = responded if state != pattern.initial else None
        rows.append(
            _Row(values, pattern, priority, created, category, due, resolved, first_response)
        )
    return rows


TICKET_COLUMNS = (
    "id, number, type_key, ticket_type_revision_id, workflow_revision_id,"
    " sla_policy_revision_id, state, state_category, priority, channel, customer_id, contact_id,"
    " asset_id, department_key, assignee_id, created_by_id, subject, fields, version, created_at,"
    " updated_at, resolved_at, closed_at, first_response_at, accepted_at, reopen_count"
)
CLOCK_COLUMNS = (
    "ticket_id, metric, policy_key, policy_revision_id, calendar_revision_id, priority,"
    " target_seconds, started_at, running_since, due_at, paused_at,"
    " business_seconds_used_before_pause, stopped_at, met, breached, next_level, next_fire_at,"
    " version, updated_at"
)


def _clock_rows(row: _Row, now: datetime, shape: Shape, rng: random.Random) -> Iterator[tuple]:
    ticket_id = row.values[0]
    created = row.created_at
    finished = row.category in ("resolved", "closed")
    for clock in row.pattern.clocks.get(row.priority, ()):
        stopped = finished or (
            clock.metric == "first_response" and row.first_response_at is not None
        )
        if stopped:
            stop_at = row.resolved_at or row.first_response_at or created
            due = created + clock.due_after if clock.due_after else None
            yield (
                ticket_id, clock.metric, clock.policy_key, clock.policy_revision_id,
                clock.calendar_revision_id, row.priority, clock.target_seconds, created, None,
                None, None, float(min(clock.target_seconds, 3600)), stop_at,
                due is None or stop_at <= due, due is not None and stop_at > due, None, None, 2,
                stop_at,
            )  # fmt: skip
            continue
        if shape.open_backlog:
            # A desk that keeps up: rungs lie ahead, but for the due share, just passed.
            fire = (
                now - timedelta(minutes=rng.uniform(1, 120))
                if row.due
                else (now + timedelta(minutes=rng.uniform(30, 14 * 24 * 60)))
            )
        else:
            fire = created + clock.fire_after if clock.fire_after else None
        due_at = created + clock.due_after if clock.due_after else None
        level = clock.next_level if fire else None
        if row.category == "paused":  # waiting for the customer or parts: the clock stands
            paused = created + timedelta(hours=1)
            yield (
                ticket_id, clock.metric, clock.policy_key, clock.policy_revision_id,
                clock.calendar_revision_id, row.priority, clock.target_seconds, created, None,
                None, paused, 1800.0, None, None, None, level, None, 2, paused,
            )  # fmt: skip
            continue
        yield (
            ticket_id, clock.metric, clock.policy_key, clock.policy_revision_id,
            clock.calendar_revision_id, row.priority, clock.target_seconds, created, created,
            due_at, None, 0.0, None, None, None, level, fire, 1, created,
        )  # fmt: skip


def _copy_chunk(
    engine: sa.Engine,
    rows: list[_Row],
    patterns: Sequence[TypePattern],
    shape: Shape,
    now: datetime,
    rng: random.Random,
) -> None:
    raw = _raw(engine)
    try:
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY tickets ({TICKET_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row.values)
            with cursor.copy(f"COPY sla_clocks ({CLOCK_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    for clock in _clock_rows(row, now, shape, rng):
                        copy.write_row(clock)
        raw.commit()
    finally:
        raw.close()
