"""Filters, text search and sorting of ``GET /tickets``, from the query string."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import request
from sqlalchemy import Select, case

from gongdan.api.auth import api_user
from gongdan.api.errors import ApiError
from gongdan.api.openapi import Param
from gongdan.api.pagination import MAX_PAGE, MAX_PER_PAGE
from gongdan.api.schemas import MAX_ID
from gongdan.tickets.models import PRIORITIES, Ticket
from gongdan.tickets.queues import search_condition

SORTS: dict[str, Any] = {
    "created_at": Ticket.created_at,
    "updated_at": Ticket.updated_at,
    "number": Ticket.number,
    # By urgency, not alphabetically: low < normal < high < urgent.
    "priority": case({p: rank for rank, p in enumerate(PRIORITIES)}, value=Ticket.priority),
}
LIST_PARAMS = (
    Param("state", {"type": "string"}, "state key"),
    Param("state_category", {"enum": ["open", "paused", "resolved", "closed"]}),
    Param("department", {"type": "string"}, "owning department key"),
    Param("priority", {"enum": ["low", "normal", "high", "urgent"]}),
    Param("type", {"type": "string"}, "ticket type key"),
    Param("assignee", {"type": "string"}, "a user id, 'me' or 'none'"),
    Param("customer", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "customer id"),
    Param("channel", {"type": "string"}),
    Param("created_from", {"type": "string", "format": "date-time"}, "ISO date or date-time"),
    Param("created_to", {"type": "string", "format": "date-time"}, "ISO date or date-time"),
    Param(
        "q",
        {"type": "string"},
        "text in the number, subject, customer, contact, phone or serial number",
    ),
    Param("sort", {"enum": [*SORTS, *(f"-{name}" for name in SORTS)], "default": "-created_at"}),
    Param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
    Param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 25}),
)


def _moment(name: str, raw: str, problems: dict[str, str]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        problems[name] = f"{raw!r} is not an ISO date or date-time"
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def filtered_tickets(query: Select[Any]) -> Select[Any]:
    """``query`` narrowed and sorted by the request's parameters; a bad one is a 400."""
    args = request.args
    problems: dict[str, str] = {}
    for name, column in (
        ("state", Ticket.state),
        ("state_category", Ticket.state_category),
        ("department", Ticket.department_key),
        ("priority", Ticket.priority),
        ("type", Ticket.type_key),
        ("channel", Ticket.channel),
    ):
        if args.get(name):
            query = query.where(column == args[name])
    assignee = args.get("assignee")
    if assignee == "me":
        query = query.where(Ticket.assignee_id == api_user().id)
    elif assignee == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif assignee:
        if not assignee.isdigit() or int(assignee) > MAX_ID:
            problems["assignee"] = f"{assignee!r} is not a user id, 'me' or 'none'"
        else:
            query = query.where(Ticket.assignee_id == int(assignee))
    if args.get("customer"):
        if not args["customer"].isdigit() or int(args["customer"]) > MAX_ID:
            problems["customer"] = f"{args['customer']!r} is not a customer id"
        else:
            query = query.where(Ticket.customer_id == int(args["customer"]))
    if args.get("created_from"):
        start = _moment("created_from", args["created_from"], problems)
        if start is not None:
            query = query.where(Ticket.created_at >= start)
    if args.get("created_to"):
        end = _moment("created_to", args["created_to"], problems)
        if end is not None:
            query = query.where(Ticket.created_at <= end)
    condition = search_condition(args.get("q") or "")
    if condition is not None:
        query = query.where(condition)
    sort = args.get("sort") or "-created_at"
    column = SORTS.get(sort.removeprefix("-"))
    if column is None:
        problems["sort"] = f"cannot sort by {sort!r}: use one of {', '.join(SORTS)} (- for desc)"
    if problems:
        raise ApiError(400, "bad_request", "invalid filter parameters", problems)
    assert column is not None
    order = column.desc() if sort.startswith("-") else column.asc()
    return query.order_by(order, Ticket.id.desc() if sort.startswith("-") else Ticket.id)
