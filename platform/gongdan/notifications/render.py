"""The variables a notification template sees, per recipient language and audience.

A template may only use the names it declares (``variables``); these are the values behind
them: ``ticket`` (number, subject, type title, state title, customer status, priority, url,
assignee, the form fields), ``customer``, ``engineer`` (the assignee's name and phone),
``state``, ``url``, and whatever the caller adds (``sla``, ``survey``). Titles come from the
ticket's pinned definitions in the recipient's language.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from gongdan.errors import GongdanError
from gongdan.tickets.models import Ticket

log = logging.getLogger(__name__)

#: Languages templates are written in; anything else reads Chinese.
LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def language_of(locale: str | None) -> str:
    """``en`` for English locales (``en``, ``en_US``), ``zh`` for everything else."""
    return "en" if locale and locale.lower().startswith("en") else "zh"


def _local(text: Mapping[str, str] | None, language: str, fallback: str) -> str:
    if not text:
        return fallback
    return text.get(language) or text.get("zh") or next(iter(text.values()), fallback)


def base_url(app: Flask | None = None) -> str:
    """The public address links in messages start with (``GONGDAN_BASE_URL``, config or
    environment)."""
    target = app or (current_app if has_app_context() else None)
    configured = target.config.get("GONGDAN_BASE_URL") if target is not None else None
    return str(configured or os.environ.get("GONGDAN_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def ticket_url(ticket: Ticket, audience: str) -> str:
    """The customer portal page (customers) or the agent workspace page (staff) of ``ticket``."""
    if audience == "customer":
        return f"{base_url()}/portal/tickets/{ticket.number}"
    return f"{base_url()}/tickets/{ticket.number}"


def _titles(session: Session, ticket: Ticket, language: str) -> dict[str, str]:
    """Type title, state title and customer status from the pinned definitions."""
    titles = {"type": ticket.type_key, "state": ticket.state, "customer_status": ticket.state}
    try:
        from gongdan.tickets.pinning import pinned_definitions

        pinned = pinned_definitions(session, ticket)
    except (GongdanError, KeyError):  # a message with keys beats no message
        log.warning("no pinned definitions for ticket %s; titles fall back to keys", ticket.id)
        return titles
    titles["type"] = _local(pinned.ticket_type.title, language, ticket.type_key)
    state = pinned.workflow.states.get(ticket.state)
    if state is not None:
        titles["state"] = _local(state.title, language, ticket.state)
        titles["customer_status"] = _local(state.customer_status, language, titles["state"])
    return titles


def template_variables(
    session: Session,
    ticket: Ticket,
    *,
    language: str,
    audience: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every variable a template may declare, for one recipient language and audience."""
    titles = _titles(session, ticket, language)
    url = ticket_url(ticket, audience)
    assignee = ticket.assignee
    engineer = {
        "name": assignee.display_name if assignee is not None else "",
        "phone": (assignee.phone or "") if assignee is not None else "",
    }
    customer = ticket.customer
    ticket_values: dict[str, Any] = dict(ticket.fields or {})
    ticket_values.update(
        number=ticket.number,
        subject=ticket.subject,
        type=titles["type"],
        type_key=ticket.type_key,
        state=titles["state"],
        state_key=ticket.state,
        customer_status=titles["customer_status"],
        priority=ticket.priority,
        channel=ticket.channel,
        department=ticket.department_key or "",
        assignee=engineer["name"],
        reopen_count=ticket.reopen_count or 0,
        created_at=ticket.created_at.isoformat() if ticket.created_at else "",
        url=url,
    )
    variables: dict[str, Any] = {
        "ticket": ticket_values,
        "customer": {
            "name": customer.name if customer is not None else "",
            "tier": customer.tier if customer is not None else "",
            "code": customer.code if customer is not None else "",
        },
        "engineer": engineer,
        "state": {
            "key": ticket.state,
            "title": titles["state"],
            "customer_status": titles["customer_status"],
            "category": ticket.state_category,
        },
        "url": url,
    }
    variables.update(extra or {})
    return variables
