"""Compile a condition tree to a SQLAlchemy boolean expression, for sweeps over many tickets.

The expression gives the same answer as the Python predicate for the same values
(:mod:`gongdan.conditions.values`): every leaf is two-valued (never SQL ``NULL``), so a missing
value makes a comparison false and ``not``/``ne``/``not_in`` true, exactly as in Python.

* ``contains``/``starts_with`` are case-sensitive on both databases (``instr``/``strpos`` and
  ``substr``, not ``LIKE``, which ignores ASCII case on SQLite).
* ``matches`` uses ``~`` on PostgreSQL and ``REGEXP`` on SQLite, where SQLAlchemy's pysqlite
  dialect registers Python's ``re.search`` on every connection; PostgreSQL's regular expressions
  differ from Python's in details, so keep patterns to the common subset.
* A date literal against a datetime column is compared by UTC day (``eq 2026-01-01`` is the whole
  day), a datetime against a date column by its UTC date.
* ``changed``/``changed_to``/``changed_from`` and function calls need a before/after pair or
  Python code and raise :class:`ConditionError`; so does a JSON column (multiselect,
  attachments) under any operator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from gongdan.conditions.durations import before, parse_duration
from gongdan.conditions.operators import (
    CHANGE_OPERATORS,
    OPERATORS,
    literal_value,
    looks_like_reference,
    node_type,
    reference_name,
)
from gongdan.conditions.typecheck import MAX_DEPTH
from gongdan.conditions.values import as_utc, parse_temporal
from gongdan.definitions.problems import format_json_path
from gongdan.errors import ConditionError

ColumnSource = (
    Callable[[str], "ColumnElement[object] | None"] | Mapping[str, "ColumnElement[object]"]
)
Path = tuple[str | int, ...]
Bool = ColumnElement[bool]


class _position(FunctionElement[int]):
    """1-based position of a substring, 0 when absent (``instr`` / ``strpos``)."""

    type = sa.Integer()
    inherit_cache = True
    name = "instr"


@compiles(_position)
def _position_default(element: _position, compiler: SQLCompiler, **kw: object) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(_position, "postgresql")
def _position_postgresql(element: _position, compiler: SQLCompiler, **kw: object) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


def compile_condition_sql(
    node: object, columns: ColumnSource, *, now: datetime
) -> ColumnElement[bool]:
    """A boolean SQL expression equivalent to ``compile_condition(node)`` at time ``now``.

    :param columns: field name → column expression (a mapping or a function returning
        ``None`` for fields without a column). ``now`` needs no column.
    :raises ConditionError: the condition is malformed or uses something SQL cannot express.
    """
    lookup = columns.get if isinstance(columns, Mapping) else columns
    return _SqlCompiler(lookup, as_utc(now)).node(node, (), 0)


def _fail(path: Path, message: str) -> ConditionError:
    return ConditionError(f"condition at {format_json_path(path)}: {message}")


def _kind(expression: ColumnElement[object]) -> str:
    column_type = expression.type
    if isinstance(column_type, sa.TypeDecorator):
        column_type = column_type.impl_instance
    for sql_type, kind in (
        (sa.DateTime, "datetime"),
        (sa.Date, "date"),
        (sa.JSON, "json"),
        (sa.String, "text"),
        (sa.Boolean, "bool"),
        (sa.Numeric, "number"),
        (sa.Integer, "number"),
    ):
        if isinstance(column_type, sql_type):
            return kind
    return "other"


def _is_numeric(expression: ColumnElement[object]) -> bool:
    column_type = expression.type
    if isinstance(column_type, sa.TypeDecorator):
        column_type = column_type.impl_instance
    return isinstance(column_type, sa.Numeric) and not isinstance(column_type, sa.Float)


def _fits(kind: str, value: object) -> bool:
    if kind == "text":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    return True


def _temporal(value: object) -> date | None:
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_temporal(value)
    return None


def _apply(op: str, left: ColumnElement[object], right: object) -> Bool:
    if op == "eq":
        return left == right
    if op == "lt":
        return left < right
    if op == "le":
        return left <= right
    if op == "gt":
        return left > right
    return left >= right


class _SqlCompiler:
    def __init__(
        self, columns: Callable[[str], ColumnElement[object] | None], now: datetime
    ) -> None:
        self.columns, self.now = columns, now

    def node(self, node: object, path: Path, depth: int) -> Bool:
        if depth > MAX_DEPTH:
            raise _fail(path, f"condition nested deeper than {MAX_DEPTH}")
        kind = node_type(node)
        if kind is None or not isinstance(node, Mapping):
            raise _fail(path, "a condition needs exactly one of all, any, not, field, fn")
        if kind in ("all", "any"):
            items = node[kind]
            if not isinstance(items, list | tuple):
                raise _fail((*path, kind), f"{kind!r} needs a list of conditions")
            parts = [self.node(n, (*path, kind, i), depth + 1) for i, n in enumerate(items)]
            if kind == "all":
                return sa.and_(*parts) if parts else sa.true()
            return sa.or_(*parts) if parts else sa.false()
        if kind == "not":
            return sa.not_(self.node(node["not"], (*path, "not"), depth + 1))
        if kind == "fn":
            raise _fail(path, f"function {node.get('fn')!r} cannot be compiled to SQL")
        return self.leaf(node, path)

    def column(self, name: str, path: Path) -> ColumnElement[object]:
        if name == "now":
            return sa.literal(self.now, sa.DateTime(timezone=True))
        column = self.columns(name)
        if column is None:
            raise _fail(path, f"field {name!r} has no column to compile to SQL")
        if _kind(column) == "json":
            raise _fail(path, f"field {name!r} is stored as JSON and cannot be compared in SQL")
        return column

    def operand(self, value: object, path: Path) -> ColumnElement[object] | object:
        """A column for a ``$reference`` (the time for ``$now``), else the literal value."""
        if looks_like_reference(value):
            name = reference_name(value)
            if name is None:
                raise _fail(path, f"invalid reference {value!r}")
            return self.now if name == "now" else self.column(name, path)
        return literal_value(value)

    def leaf(self, node: Mapping[str, object], path: Path) -> Bool:
        name, op = node.get("field"), node.get("op")
        if not isinstance(name, str):
            raise _fail((*path, "field"), "'field' must be a variable name")
        if not isinstance(op, str) or op not in OPERATORS:
            raise _fail((*path, "op"), f"unknown operator {op!r}")
        if op in CHANGE_OPERATORS:
            raise _fail(
                (*path, "op"), f"operator {op!r} compares a change and cannot be compiled to SQL"
            )
        column = self.column(name, (*path, "field"))
        if op in ("is_set", "is_empty"):
            present = column.is_not(None)
            if _kind(column) == "text":
                present = sa.and_(present, column != "")
            return present if op == "is_set" else sa.not_(present)
        if "value" not in node:
            raise _fail(path, f"operator {op!r} needs a value")
        value, value_path = node["value"], (*path, "value")
        if op in ("in", "not_in"):
            if not isinstance(value, list | tuple):
                raise _fail(value_path, f"operator {op!r} needs a list of values")
            items = [self.operand(v, (*value_path, i)) for i, v in enumerate(value)]
            member = sa.or_(*(self.compare("eq", column, i) for i in items)) if items else None
            member = sa.false() if member is None else member
            return member if op == "in" else sa.not_(member)
        if op == "between":
            if not isinstance(value, list | tuple) or len(value) != 2:
                raise _fail(value_path, "operator 'between' needs a list of two values")
            low, high = (self.operand(v, (*value_path, i)) for i, v in enumerate(value))
            return sa.and_(self.compare("ge", column, low), self.compare("le", column, high))
        if op in ("older_than", "within_last"):
            try:
                threshold = before(self.now, parse_duration(value))  # type: ignore[arg-type]
            except (ValueError, TypeError) as exc:
                raise _fail(value_path, f"{value!r} is not an ISO 8601 duration") from exc
            if op == "older_than":
                return self.compare("lt", column, threshold)
            return sa.and_(
                self.compare("ge", column, threshold), self.compare("le", column, self.now)
            )
        operand = self.operand(value, value_path)
        if op in ("eq", "lt", "le", "gt", "ge"):
            return self.compare(op, column, operand)
        if op == "ne":
            return sa.not_(self.compare("eq", column, operand))
        return self.text_test(op, column, operand, value_path)

    def text_test(
        self, op: str, column: ColumnElement[object], operand: object, path: Path
    ) -> Bool:
        if _kind(column) != "text":
            raise _fail(path, f"operator {op!r} needs a text column in SQL")
        if isinstance(operand, ColumnElement):
            guards: list[Bool] = [column.is_not(None), operand.is_not(None)]
            part: object = operand
        elif isinstance(operand, str):
            guards, part = [column.is_not(None)], operand
        else:
            return sa.false()
        if op == "contains":
            return sa.and_(*guards, _position(column, part) > 0)
        if op == "starts_with":
            prefix = sa.func.substr(column, 1, sa.func.length(sa.cast(part, sa.String)))
            return sa.and_(*guards, prefix == part)
        if op == "matches":
            if not isinstance(operand, str):
                raise _fail(path, "'matches' needs a regular expression")
            return sa.and_(*guards, column.regexp_match(operand))
        raise _fail(path, f"operator {op!r} cannot be compiled to SQL")

    def compare(self, op: str, column: ColumnElement[object], operand: object) -> Bool:
        """``column <op> operand`` that is false (not NULL) when either side is missing."""
        kind = _kind(column)
        if isinstance(operand, ColumnElement):
            other = _kind(operand)
            if {kind, other} == {"date", "datetime"}:
                raise ConditionError("cannot compare a date column with a datetime column in SQL")
            return sa.and_(column.is_not(None), operand.is_not(None), _apply(op, column, operand))
        if operand is None or not _fits(kind, operand):
            return sa.false()
        if kind in ("date", "datetime"):
            return self.compare_temporal(op, column, kind, _temporal(operand))
        if isinstance(operand, float) and _is_numeric(column):
            # Bind 99.99 as the decimal written, as Python compares it with a Decimal.
            operand = Decimal(repr(operand))
        return sa.and_(column.is_not(None), _apply(op, column, operand))

    def compare_temporal(
        self, op: str, column: ColumnElement[object], kind: str, moment: date | None
    ) -> Bool:
        if moment is None:
            return sa.false()
        guard = column.is_not(None)
        if kind == "date":
            day = moment.date() if isinstance(moment, datetime) else moment
            return sa.and_(guard, _apply(op, column, day))
        if isinstance(moment, datetime):
            return sa.and_(guard, _apply(op, column, moment))
        # A whole UTC day against a datetime column.
        start = datetime.combine(moment, time(), UTC)
        end = start + timedelta(days=1)
        if op == "eq":
            return sa.and_(guard, column >= start, column < end)
        bound = {
            "lt": column < start,
            "le": column < end,
            "gt": column >= end,
            "ge": column >= start,
        }
        return sa.and_(guard, bound[op])
