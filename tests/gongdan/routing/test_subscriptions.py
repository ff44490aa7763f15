"""Which routing events a ticket event stands for."""

from __future__ import annotations

from typing import Any

import pytest

from gongdan.routing.subscriptions import routing_events
from gongdan.tickets.models import TicketEvent


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("created", {}, ["created"]),
        ("transferred", {"from": "a", "to": "b"}, ["transferred"]),
        (
            "transition",
            {"transition": "accept", "from": "new", "to": "diagnosing"},
            ["transition:accept", "state_entered:diagnosing"],
        ),
        ("transition", {"transition": None, "to": "on_site"}, ["state_entered:on_site"]),
        (
            "fields_changed",
            {"changes": {"priority": {"from": "normal", "to": "high"}, "impact": {}}},
            ["field_changed:impact", "field_changed:priority"],
        ),
        ("assigned", {"from": None, "to": 3}, []),
        ("commented", {}, []),
    ],
)
def test_ticket_events_map_to_routing_events(
    kind: str, data: dict[str, Any], expected: list[str]
) -> None:
    assert routing_events(TicketEvent(kind=kind, data=data)) == expected
