"""The condition language (DESIGN.md §5.3): type-check, compile to Python, compile to SQL.

A condition is a tree of data — ``all``/``any``/``not``, leaves ``{field, op, value}`` and
function calls ``{fn, args}`` — never text. :func:`check_condition` reports every problem
against a :class:`Scope`; :func:`compile_condition` turns a checked tree into a
:class:`Predicate` once per revision; :func:`compile_condition_sql` turns it into a SQLAlchemy
expression for sweeps over many tickets.
"""

from __future__ import annotations

from gongdan.conditions.context import EvaluationContext, flatten
from gongdan.conditions.evaluate import Predicate, compile_condition
from gongdan.conditions.functions import (
    ConditionFunction,
    FunctionRegistry,
    core_functions,
)
from gongdan.conditions.operators import OPERATORS
from gongdan.conditions.references import referenced_fields
from gongdan.conditions.scope import Scope, Variable, base_scope, ticket_type_scope
from gongdan.conditions.sql import compile_condition_sql
from gongdan.conditions.typecheck import ConditionIssue, check_condition

__all__ = [
    "OPERATORS",
    "ConditionFunction",
    "ConditionIssue",
    "EvaluationContext",
    "FunctionRegistry",
    "Predicate",
    "Scope",
    "Variable",
    "base_scope",
    "check_condition",
    "compile_condition",
    "compile_condition_sql",
    "core_functions",
    "flatten",
    "referenced_fields",
    "ticket_type_scope",
]
