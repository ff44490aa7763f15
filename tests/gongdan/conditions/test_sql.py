"""Conditions compiled to SQL give the same answers as in Python, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.services import missing_service, postgres_problem, postgres_url

from gongdan.conditions import (
    OPERATORS,
    EvaluationContext,
    compile_condition,
    compile_condition_sql,
)
from gongdan.db import JSONType, UTCDateTime
from gongdan.errors import ConditionError

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CST = timezone(timedelta(hours=8))

COLUMNS = {
    "ticket.number": "number",
    "ticket.priority": "priority",
    "ticket.symptom": "symptom",
    "ticket.reopen_count": "reopen_count",
    "ticket.amount": "amount",
    "ticket.on_site": "on_site",
    "ticket.created_at": "created_at",
    "ticket.resolved_at": "resolved_at",
    "asset.warranty_end": "warranty_end",
    "ticket.tags": "tags",
}

ROWS: list[dict[str, object]] = [
    {
        "id": 1,
        "number": "RP-20260301-0001",
        "priority": "high",
        "symptom": "Pump leaks water",
        "reopen_count": 0,
        "amount": Decimal("120.50"),
        "on_site": True,
        "created_at": datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
        "resolved_at": datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
        "warranty_end": date(2026, 6, 30),
    },
    {
        "id": 2,
        "number": "RP_2%",
        "priority": "urgent",
        "symptom": "机器漏水，leak",
        "reopen_count": 2,
        "amount": Decimal("0.00"),
        "on_site": False,
        "created_at": datetime(2026, 3, 2, 7, 0, tzinfo=CST),
        "resolved_at": None,
        "warranty_end": date(2026, 3, 1),
    },
    {
        "id": 3,
        "number": "",
        "priority": "low",
        "symptom": "",
        "reopen_count": 5,
        "amount": Decimal("99.99"),
        "on_site": None,
        "created_at": NOW - timedelta(hours=3),
        "resolved_at": NOW - timedelta(hours=1),
        "warranty_end": date(2026, 3, 10),
    },
    {
        "id": 4,
        "number": None,
        "priority": None,
        "symptom": None,
        "reopen_count": None,
        "amount": None,
        "on_site": None,
        "created_at": None,
        "resolved_at": None,
        "warranty_end": None,
    },
    {
        "id": 5,
        "number": "CS-1",
        "priority": "normal",
        "symptom": "LEAK at valve E-042",
        "reopen_count": 1,
        "amount": Decimal("1000"),
        "on_site": True,
        "created_at": NOW - timedelta(days=40),
        "resolved_at": NOW - timedelta(days=39),
        "warranty_end": date(2025, 12, 31),
    },
]


def leaf(field: str, op: str, value: object = None) -> dict[str, object]:
    node: dict[str, object] = {"field": field, "op": op}
    if op not in ("is_set", "is_empty", "changed"):
        node["value"] = value
    return node


CONDITIONS: list[object] = [
    leaf("ticket.priority", "eq", "high"),
    leaf("ticket.priority", "ne", "high"),
    leaf("ticket.priority", "in", ["high", "urgent"]),
    leaf("ticket.priority", "not_in", ["high", "urgent"]),
    leaf("ticket.priority", "in", []),
    leaf("ticket.priority", "not_in", []),
    leaf("ticket.priority", "eq", "$ticket.number"),
    leaf("ticket.number", "is_set"),
    leaf("ticket.number", "is_empty"),
    leaf("ticket.number", "starts_with", "RP-"),
    leaf("ticket.number", "starts_with", "RP_"),
    leaf("ticket.number", "starts_with", ""),
    leaf("ticket.symptom", "contains", "leak"),
    leaf("ticket.symptom", "contains", "漏水"),
    leaf("ticket.symptom", "contains", "%"),
    leaf("ticket.symptom", "matches", r"E-\d{3}"),
    leaf("ticket.symptom", "matches", "(?i)^leak"),
    leaf("ticket.symptom", "matches", "^$"),
    leaf("ticket.reopen_count", "gt", 0),
    leaf("ticket.reopen_count", "le", 2),
    leaf("ticket.reopen_count", "between", [1, 4]),
    leaf("ticket.reopen_count", "ne", 0),
    leaf("ticket.reopen_count", "is_set"),
    leaf("ticket.reopen_count", "eq", "two"),
    leaf("ticket.amount", "ge", 99.99),
    leaf("ticket.amount", "eq", 0),
    leaf("ticket.amount", "lt", "$ticket.reopen_count"),
    leaf("ticket.on_site", "eq", True),
    leaf("ticket.on_site", "eq", False),
    leaf("ticket.on_site", "ne", True),
    leaf("ticket.on_site", "is_set"),
    leaf("ticket.created_at", "eq", "2026-03-01"),
    leaf("ticket.created_at", "le", "2026-03-01"),
    leaf("ticket.created_at", "gt", "2026-03-01"),
    leaf("ticket.created_at", "lt", "2026-03-02"),
    leaf("ticket.created_at", "ge", "2026-03-02"),
    leaf("ticket.created_at", "lt", "2026-03-01T23:30:00Z"),
    leaf("ticket.created_at", "le", "2026-03-02T07:30:00+08:00"),
    leaf("ticket.created_at", "between", ["2026-03-01", "2026-03-02"]),
    leaf("ticket.created_at", "older_than", "P7D"),
    leaf("ticket.created_at", "older_than", "P1M"),
    leaf("ticket.created_at", "within_last", "PT4H"),
    leaf("ticket.created_at", "lt", "$now"),
    leaf("ticket.resolved_at", "gt", "$ticket.created_at"),
    leaf("ticket.resolved_at", "is_empty"),
    leaf("asset.warranty_end", "lt", "$now"),
    leaf("asset.warranty_end", "eq", "2026-03-10T23:00:00+00:00"),
    leaf("asset.warranty_end", "ge", "2026-03-01"),
    leaf("asset.warranty_end", "within_last", "P30D"),
    leaf("now", "gt", "$ticket.created_at"),
    {"all": []},
    {"any": []},
    {"not": {"any": []}},
    {
        "all": [
            leaf("ticket.priority", "in", ["high", "urgent", "normal"]),
            {"any": [leaf("ticket.on_site", "eq", True), leaf("ticket.reopen_count", "ge", 2)]},
            {"not": leaf("ticket.symptom", "contains", "valve")},
        ]
    },
    {"not": {"all": [leaf("ticket.priority", "eq", "low"), leaf("ticket.amount", "gt", 10)]}},
    {"not": leaf("ticket.created_at", "older_than", "P7D")},
]


def python_matches(node: object, rows: list[dict[str, object]] = ROWS) -> set[int]:
    predicate = compile_condition(node)
    matched = set()
    for row in rows:
        values = {name: row.get(column) for name, column in COLUMNS.items()}
        if predicate(EvaluationContext(values, now=NOW)):
            matched.add(int(row["id"]))  # type: ignore[call-overload]
    return matched


def _table(schema: str | None) -> sa.Table:
    return sa.Table(
        "condition_rows",
        sa.MetaData(schema=schema),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(50)),
        sa.Column("priority", sa.String(20)),
        sa.Column("symptom", sa.Text),
        sa.Column("reopen_count", sa.Integer),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("on_site", sa.Boolean),
        sa.Column("created_at", UTCDateTime),
        sa.Column("resolved_at", UTCDateTime),
        sa.Column("warranty_end", sa.Date),
        sa.Column("tags", JSONType),
    )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database(request: pytest.FixtureRequest) -> Iterator[tuple[sa.Engine, sa.Table]]:
    """An empty rows table in an in-memory SQLite or in a throw-away PostgreSQL schema."""
    if request.param == "sqlite":
        engine = sa.create_engine("sqlite://")
        schema = None
    else:
        problem = postgres_problem()
        if problem:
            missing_service(problem)
        engine = sa.create_engine(postgres_url())
        schema = f"conditions_{uuid.uuid4().hex[:12]}"
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    rows_table = _table(schema)
    try:
        with engine.begin() as connection:
            rows_table.metadata.create_all(connection)
        yield engine, rows_table
    finally:
        if schema is not None:
            with engine.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@contextmanager
def holding(
    database: tuple[sa.Engine, sa.Table], rows: list[dict[str, object]]
) -> Iterator[sa.Connection]:
    """A connection that sees exactly ``rows`` (inserted in a transaction rolled back after)."""
    engine, rows_table = database
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(rows_table.delete())
            connection.execute(rows_table.insert(), rows)
            yield connection
        finally:
            transaction.rollback()


def sql_matches(connection: sa.Connection, rows_table: sa.Table, node: object) -> set[int]:
    columns = {name: rows_table.c[column] for name, column in COLUMNS.items()}
    where = compile_condition_sql(node, columns, now=NOW)
    return set(connection.scalars(sa.select(rows_table.c.id).where(where)))


def test_sql_agrees_with_python(database: tuple[sa.Engine, sa.Table]) -> None:
    disagreements = []
    with holding(database, ROWS) as connection:
        for node in CONDITIONS:
            expected = python_matches(node, ROWS)
            got = sql_matches(connection, database[1], node)
            if expected != got:
                disagreements.append((node, expected, got))
    assert disagreements == []


def test_the_equivalence_test_is_not_vacuous() -> None:
    results = [python_matches(node) for node in CONDITIONS]
    assert python_matches(leaf("ticket.symptom", "contains", "leak")) == {1, 2}
    assert python_matches(leaf("ticket.created_at", "eq", "2026-03-01")) == {1, 2}
    assert python_matches(leaf("ticket.priority", "ne", "high")) == {2, 3, 4, 5}
    assert sum(1 for r in results if r and r != {1, 2, 3, 4, 5}) > len(CONDITIONS) * 0.7


def test_columns_may_be_a_function() -> None:
    rows_table = _table(None)
    where = compile_condition_sql(
        leaf("ticket.priority", "eq", "high"),
        lambda name: rows_table.c.priority if name == "ticket.priority" else None,
        now=NOW,
    )
    assert "priority" in str(where)


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (
            leaf("ticket.priority", "changed_to", "high"),
            "condition at $.op: operator 'changed_to' compares a change and cannot be compiled to "
            "SQL",
        ),
        (
            {"all": [{"fn": "text.contains_any", "args": {}}]},
            "condition at $.all[0]: function 'text.contains_any' cannot be compiled to SQL",
        ),
        (
            leaf("customer.tier", "eq", "vip"),
            "condition at $.field: field 'customer.tier' has no column to compile to SQL",
        ),
        (
            leaf("ticket.tags", "is_set"),
            "condition at $.field: field 'ticket.tags' is stored as JSON and cannot be compared in "
            "SQL",
        ),
        (
            leaf("ticket.reopen_count", "contains", "1"),
            "condition at $.value: operator 'contains' needs a text column in SQL",
        ),
        (
            leaf("ticket.created_at", "older_than", "soon"),
            "condition at $.value: 'soon' is not an ISO 8601 duration",
        ),
    ],
)
def test_what_sql_cannot_express_is_a_condition_error(node: object, message: str) -> None:
    rows_table = _table(None)
    columns = {name: rows_table.c[column] for name, column in COLUMNS.items()}
    with pytest.raises(ConditionError) as caught:
        compile_condition_sql(node, columns, now=NOW)
    assert caught.value.message == message


# Property: for random rows and random well-typed conditions, SQL and Python agree.

_MOMENTS = [
    datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 3, 2, 7, 0, tzinfo=CST),
    NOW - timedelta(hours=1),
    NOW - timedelta(days=7),
    NOW - timedelta(days=7, seconds=1),
    NOW - timedelta(days=45),
    NOW,
    NOW + timedelta(days=1),
]
_DAYS = [date(2026, 3, 1), date(2026, 3, 3), date(2026, 3, 10), date(2026, 2, 8), date(2025, 1, 1)]
_POOLS: dict[str, list[object]] = {
    "number": [None, "", "RP-1", "rp-1", "RP_1%", "漏水", "a"],
    "priority": [None, "", "low", "high", "urgent"],
    "symptom": [None, "", "Leak", "leak here", "机器漏水", "%_", "E-042"],
    "reopen_count": [None, 0, 1, 2, -3],
    "amount": [None, Decimal("0"), Decimal("1.50"), Decimal("99.99")],
    "on_site": [None, True, False],
    "created_at": [None, *_MOMENTS],
    "resolved_at": [None, *_MOMENTS],
    "warranty_end": [None, *_DAYS],
}
_TEXT_OPS = ["eq", "ne", "in", "not_in", "contains", "starts_with", "matches", "is_set", "is_empty"]
_NUMBER_OPS = ["eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "between", "is_set", "is_empty"]
_TIME_OPS = [*_NUMBER_OPS[:2], *_NUMBER_OPS[4:], "older_than", "within_last"]
_TEMPORAL_LITERALS = [
    "2026-03-01",
    "2026-03-02",
    "2026-03-10",
    "2026-03-01T00:00:00Z",
    "2026-03-02T07:00:00+08:00",
    "2026-03-10T12:00:00+00:00",
    "$now",
]
_FIELDS: dict[str, tuple[list[str], list[object]]] = {
    "ticket.number": (_TEXT_OPS, ["", "RP-1", "RP", "rp", "RP_", "%", "$ticket.priority"]),
    "ticket.priority": (_TEXT_OPS, ["", "low", "high", "urgent", "$ticket.number"]),
    "ticket.symptom": (_TEXT_OPS, ["", "leak", "Leak", "漏", "%_", "$ticket.number"]),
    "ticket.reopen_count": (_NUMBER_OPS, [0, 1, 2, -3, 1.5, "$ticket.amount"]),
    "ticket.amount": (_NUMBER_OPS, [0, 1.5, 99.99, 100, "$ticket.reopen_count"]),
    "ticket.on_site": (["eq", "ne", "is_set"], [True, False]),
    "ticket.created_at": (_TIME_OPS, [*_TEMPORAL_LITERALS, "$ticket.resolved_at"]),
    "ticket.resolved_at": (_TIME_OPS, [*_TEMPORAL_LITERALS, "$ticket.created_at"]),
    "asset.warranty_end": (_TIME_OPS, _TEMPORAL_LITERALS),
}
_PATTERNS = ["^RP", "(?i)leak", "漏", "^$", "[0-9]", "_"]
_DURATIONS = ["PT1H", "P1D", "P7D", "P1M"]


@st.composite
def _leaves(draw: st.DrawFn) -> dict[str, object]:
    name = draw(st.sampled_from(sorted(_FIELDS)))
    operators, literals = _FIELDS[name]
    op = draw(st.sampled_from(operators))
    node: dict[str, object] = {"field": name, "op": op}
    if op in ("in", "not_in"):
        node["value"] = draw(st.lists(st.sampled_from(literals), max_size=3))
    elif op == "between":
        node["value"] = draw(st.lists(st.sampled_from(literals), min_size=2, max_size=2))
    elif op == "matches":
        node["value"] = draw(st.sampled_from(_PATTERNS))
    elif op in ("older_than", "within_last"):
        node["value"] = draw(st.sampled_from(_DURATIONS))
    elif op not in ("is_set", "is_empty"):
        node["value"] = draw(st.sampled_from(literals))
    return node


_conditions = st.recursive(
    _leaves(),
    lambda inner: (
        st.lists(inner, max_size=3).map(lambda items: {"all": items})
        | st.lists(inner, max_size=3).map(lambda items: {"any": items})
        | inner.map(lambda item: {"not": item})
    ),
    max_leaves=6,
)
_rows = st.lists(
    st.fixed_dictionaries({column: st.sampled_from(pool) for column, pool in _POOLS.items()}),
    min_size=1,
    max_size=6,
).map(lambda rows: [{"id": index, **row} for index, row in enumerate(rows, start=1)])


@settings(max_examples=150, deadline=None)
@given(rows=_rows, node=_conditions)
def test_sql_agrees_with_python_on_random_conditions(
    database: tuple[sa.Engine, sa.Table], rows: list[dict[str, object]], node: object
) -> None:
    with holding(database, rows) as connection:
        assert sql_matches(connection, database[1], node) == python_matches(node, rows)


_garbage = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(["$now", "$ticket.amount", "$ticket.nope", "P1D", "2026-03-01", "("]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["all", "any", "not", "field", "op", "value", "fn"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    node=_garbage
    | st.fixed_dictionaries(
        {
            "field": st.sampled_from([*COLUMNS, "now", "nope"]),
            "op": st.sampled_from(OPERATORS),
            "value": _garbage,
        }
    )
)
def test_compile_sql_raises_only_condition_errors(node: object) -> None:
    rows_table = _table(None)
    columns = {name: rows_table.c[column] for name, column in COLUMNS.items()}
    try:
        where = compile_condition_sql(node, columns, now=NOW)
    except ConditionError:
        return
    assert isinstance(where, sa.ColumnElement)
