"""Which conditions the browser may judge, and their JSON."""

from __future__ import annotations

import json

from gongdan.conditions import compile_condition
from gongdan.forms import client_condition


def exported(node: object) -> object:
    text = client_condition(compile_condition(node))
    return None if text is None else json.loads(text)


def test_leaves_on_ticket_fields_are_exported_without_the_prefix() -> None:
    node = {
        "all": [
            {"field": "ticket.kind", "op": "in", "value": ["a", "b"]},
            {"not": {"field": "ticket.count", "op": "between", "value": [1, 3]}},
            {"any": [{"field": "ticket.note", "op": "is_empty"}]},
        ]
    }
    assert exported(node) == {
        "all": [
            {"field": "kind", "op": "in", "value": ["a", "b"]},
            {"not": {"field": "count", "op": "between", "value": [1, 3]}},
            {"any": [{"field": "note", "op": "is_empty"}]},
        ]
    }


def test_conditions_the_browser_cannot_judge_stay_on_the_server() -> None:
    assert exported({"field": "customer.tier", "op": "eq", "value": "vip"}) is None
    assert exported({"field": "ticket.created_at", "op": "older_than", "value": "P1D"}) is None
    assert exported({"field": "ticket.a", "op": "eq", "value": "$ticket.b"}) is None
    mixed = {
        "any": [
            {"field": "ticket.a", "op": "eq", "value": 1},
            {"field": "asset.in_warranty", "op": "eq", "value": True},
        ]
    }
    assert exported(mixed) is None
    assert client_condition(None) is None
