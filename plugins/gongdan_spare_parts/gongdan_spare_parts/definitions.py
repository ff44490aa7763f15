"""What the plugin adds to the definition language, free of IO except :func:`in_stock`'s read.

* ``spare_parts.StockPolicy`` — safety stock and reorder quantity for the parts × warehouses a
  condition selects (over ``part.*`` and ``warehouse.*``), lowest ``order`` first;
* ``spare_parts.in_stock`` — a condition function: is a part available (in a warehouse)?
* ``spare_parts.part_lines`` — a ticket field type: ``[{part: "P-PUMP-01", quantity: 1}, …]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from gongdan.conditions.context import EvaluationContext
from gongdan.conditions.functions import ConditionFunction
from gongdan.conditions.scope import Scope, Variable
from gongdan.definitions.documents import Definition
from gongdan.definitions.problems import Problem
from gongdan.workflow.fields import OPERATORS_BY_KIND, FieldType
from gongdan_spare_parts.models import WAREHOUSE_KINDS

STOCK_POLICY = "spare_parts.StockPolicy"

#: The JSON Schema of a StockPolicy's spec.
STOCK_POLICY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "order": {"type": "integer", "minimum": 0},
        "when": {"$ref": "common.json#/$defs/condition"},
        "safety_stock": {"type": "number", "minimum": 0},
        "reorder_quantity": {"type": "number", "exclusiveMinimum": 0},
        "max_stock": {"type": "number", "exclusiveMinimum": 0},
        "notify": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    },
    "required": ["order", "safety_stock", "reorder_quantity"],
    "additionalProperties": False,
}

#: What a StockPolicy's condition may read: columns only, as the sweep runs it in SQL.
STOCK_SCOPE = Scope(
    [
        Variable("part.number", "text"),
        Variable("part.name", "text"),
        Variable("part.serial_tracked", "bool"),
        Variable("warehouse.code", "text"),
        Variable("warehouse.kind", "select", WAREHOUSE_KINDS),
        Variable("warehouse.region", "text"),
    ]
)


def check_stock_policy(definition: Definition, ctx: Any) -> list[Problem]:
    """Semantic checks: the condition type-checks over ``part.*``/``warehouse.*``, the levels
    are consistent, no two policies share an ``order`` (which one wins would be arbitrary)."""
    from gongdan.definitions.semantic.conditions import check_in_scope

    spec = definition.spec
    problems: list[Problem] = []
    if spec.get("when") is not None:
        problems += check_in_scope(definition, ctx, spec["when"], ("spec", "when"), STOCK_SCOPE)
    safety, maximum = spec.get("safety_stock"), spec.get("max_stock")
    if maximum is not None and safety is not None and maximum <= safety:
        problems.append(
            definition.problem(
                "spare_parts.max_below_safety",
                f"max_stock {maximum} must be above safety_stock {safety}",
                ("spec", "max_stock"),
            )
        )
    reorder = spec.get("reorder_quantity")
    if maximum is not None and reorder is not None and reorder > maximum:
        problems.append(
            definition.problem(
                "spare_parts.reorder_above_max",
                f"reorder_quantity {reorder} would overfill max_stock {maximum}",
                ("spec", "reorder_quantity"),
            )
        )
    for other in ctx.valid.get(STOCK_POLICY, {}).values():
        if other.key < definition.key and other.spec.get("order") == spec.get("order"):
            problems.append(
                definition.problem(
                    "spare_parts.order_taken",
                    f"StockPolicy {other.key!r} has the same order {spec.get('order')}",
                    ("spec", "order"),
                    hint="give each policy its own order: the lowest matching one applies",
                )
            )
    return problems


def _in_stock(args: Mapping[str, object], context: EvaluationContext) -> bool:
    """Reads the balances (a condition function may read, never write)."""
    from gongdan.db import db
    from gongdan_spare_parts.services import available_anywhere

    part, quantity, warehouse = args.get("part"), args.get("quantity"), args.get("warehouse")
    if not isinstance(part, str) or not part:
        return False
    try:
        wanted = Decimal(str(quantity))
    except InvalidOperation:
        return False
    return available_anywhere(db.session, part, str(warehouse or "")) >= wanted


IN_STOCK = ConditionFunction(
    "spare_parts.in_stock",
    {"part": "text", "quantity": "decimal", "warehouse": "text"},
    _in_stock,
    "the part (by number) has at least `quantity` available in `warehouse` (a code), or in"
    " any central or regional warehouse when no warehouse is given",
    defaults={"quantity": 1, "warehouse": ""},
)


def _check_part_lines(value: object, spec: Mapping[str, object]) -> str | None:
    if not isinstance(value, list):
        return "a list of parts such as [{part: P-PUMP-01, quantity: 1}] is expected"
    for index, line in enumerate(value, start=1):
        if not isinstance(line, Mapping) or not isinstance(line.get("part"), str):
            return f"line {index} needs a part number"
        quantity = line.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int | float | Decimal | str):
            return f"line {index}: quantity {quantity!r} is not a number"
        try:
            number = Decimal(str(quantity))
        except InvalidOperation:
            return f"line {index}: quantity {quantity!r} is not a number"
        if not number.is_finite() or number <= 0:
            return f"line {index}: quantity must be more than 0, not {quantity!r}"
    return None


PART_LINES = FieldType(
    "spare_parts.part_lines",
    "list",
    OPERATORS_BY_KIND["list"],
    _check_part_lines,
    "parts used or needed: part number and quantity per line",
)
