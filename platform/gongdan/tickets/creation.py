"""Creating a ticket: pinned revisions, number, initial state, defaults, derived values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.accounts.policy import actor_roles, is_customer, may_create_type
from gongdan.customers import models as customer_models
from gongdan.customers.models import Customer
from gongdan.db import utcnow
from gongdan.definitions.compiled import CompiledTicketType
from gongdan.definitions.extensions import current_field_types
from gongdan.errors import DefinitionNotFound, PermissionDenied, ValidationFailed
from gongdan.tickets.context import TicketFacts, context_builder
from gongdan.tickets.events import record_event
from gongdan.tickets.fieldrefs import address_parts, resolve_address_refs
from gongdan.tickets.models import CHANNELS, PRIORITIES, Ticket
from gongdan.tickets.numbering import next_number
from gongdan.tickets.pinning import active_type_revisions, compile_pinned
from gongdan.tickets.transaction import attach_actor, ticket_transaction
from gongdan.transaction_memo import keep_alive
from gongdan.workflow.forms import clean_fields

#: Ticket columns that reference installed-base rows, by field type and model name.
_REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("customer", "customer_id", "Customer"),
    ("contact", "contact_id", "Contact"),
    ("asset", "asset_id", "Asset"),
)


def create_ticket(
    session: Session,
    actor: User | None,
    *,
    type_key: str,
    channel: str,
    fields: Mapping[str, Any],
    priority: str | None = None,
    subject: str | None = None,
    customer_id: int | None = None,
    contact_id: int | None = None,
    address_id: int | None = None,
    asset_id: int | None = None,
    department: str | None = None,
) -> Ticket:
    """Create a ticket of the active TicketType ``type_key`` and record ``created``.

    :raises ValidationFailed: unknown type or channel or priority, invalid fields, references
        to rows that do not exist or belong to another customer.
    :raises PermissionDenied: the actor's role may not create this type.
    """
    with ticket_transaction(session):
        actor = attach_actor(session, actor)
        problems: dict[str, str] = {}
        if channel not in CHANNELS:
            problems["channel"] = f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})"
        if priority is not None and priority not in PRIORITIES:
            problems["priority"] = f"unknown priority {priority!r} (one of {', '.join(PRIORITIES)})"
        try:
            type_revision, workflow_revision = active_type_revisions(session, type_key)
        except DefinitionNotFound as missing:
            problems["type"] = missing.message
            raise ValidationFailed(_summary(problems), problems) from None
        pinned = compile_pinned(session, type_revision, workflow_revision)
        ticket_type, workflow = pinned.ticket_type, pinned.workflow
        if not may_create_type(actor, ticket_type):
            raise PermissionDenied(f"you may not create {type_key!r} tickets")
        submitted = dict(fields)
        references = {"customer_id": customer_id, "contact_id": contact_id, "asset_id": asset_id}
        if is_customer(actor):
            assert actor is not None
            if customer_id is not None and customer_id != actor.customer_id:
                raise PermissionDenied("customers may only create tickets for themselves")
            references["customer_id"] = actor.customer_id
        _sync_references(ticket_type, submitted, references, problems)
        submitted, chosen_address = resolve_address_refs(
            session, ticket_type, submitted, references["customer_id"]
        )
        references["address_id"] = address_id if address_id is not None else chosen_address
        if address_id is not None:
            _fill_address_field(session, ticket_type, submitted, address_id)
        _check_references(session, references, problems)
        if department is not None and not _department_exists(session, department):
            problems["department"] = f"unknown department {department!r}"
        if problems:
            raise ValidationFailed(_summary(problems), problems)

        initial = workflow.state(workflow.initial)
        facts = TicketFacts(
            type_key=type_key,
            state=initial.key,
            state_category=initial.category,
            priority=priority or str(ticket_type.defaults.get("priority", "normal")),
            channel=channel,
            department=department or initial.owner,
            created_at=utcnow(),
            **references,
        )
        facts.load_related(session)
        defaults = _defaults(ticket_type, submitted)
        roles = actor_roles(actor)
        build = context_builder(facts, actor)
        values = clean_fields(
            ticket_type,
            submitted,
            state=initial.key,
            existing=defaults,
            context_builder=build,
            roles=roles,
            for_customer=is_customer(actor),
            creating=True,
            registry=current_field_types(),  # plugins add field types
        )
        derived = _derive(ticket_type, values, submitted, build)
        if "priority" in derived and (priority is None or is_customer(actor)):
            facts.priority = str(derived["priority"])
        if "charge_class" in derived:
            facts.charge_class = str(derived["charge_class"])
        if facts.priority not in PRIORITIES:
            facts.priority = "normal"
        for key, value in derived.items():
            if ticket_type.field(key) is not None and key not in submitted:
                values[key] = value

        now = facts.created_at
        assert now is not None
        ticket = Ticket(
            number=next_number(session, ticket_type.numbering, type_key, now),
            type_key=type_key,
            ticket_type_revision_id=type_revision,
            workflow_revision_id=workflow_revision,
            state=initial.key,
            state_category=initial.category,
            priority=facts.priority,
            channel=channel,
            customer_id=facts.customer_id,
            contact_id=facts.contact_id,
            address_id=facts.address_id,
            asset_id=facts.asset_id,
            charge_class=values.get("charge_class", facts.charge_class),
            department_key=facts.department,
            created_by_id=actor.id if actor is not None else None,
            subject=_subject(subject, ticket_type, values),
            fields=values,
            created_at=now,
            updated_at=now,
            reopen_count=0,
        )
        session.add(ticket)
        session.flush()
        record_event(
            session,
            ticket,
            "created",
            actor,
            {
                "number": ticket.number,
                "type": type_key,
                "state": ticket.state,
                "department": ticket.department_key,
                "channel": channel,
                "priority": ticket.priority,
                "fields": values,
                "derived": derived,
            },
        )
    return ticket


def _summary(problems: Mapping[str, str]) -> str:
    first = next(iter(problems.items()))
    return f"cannot create the ticket: {first[0]}: {first[1]}" + (
        f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    )


def _sync_references(
    ticket_type: CompiledTicketType,
    submitted: dict[str, Any],
    references: dict[str, int | None],
    problems: dict[str, str],
) -> None:
    """Keep reference columns and the type's reference fields (``customer``...) in step."""
    for field_type, column, _model in _REFERENCES:
        for field in ticket_type.fields:
            if field.type != field_type:
                continue
            given = submitted.get(field.key)
            if isinstance(given, str) and given.strip().isdigit():
                given = int(given.strip())
            if (
                references[column] is None
                and isinstance(given, int)
                and not isinstance(given, bool)
            ):
                references[column] = given
            elif references[column] is not None and given in (None, ""):
                submitted[field.key] = references[column]
            elif references[column] is not None and given != references[column]:
                problems[field.key] = f"does not match {column} {references[column]}"
            break


def _check_references(
    session: Session, references: Mapping[str, int | None], problems: dict[str, str]
) -> None:
    customer_id = references.get("customer_id")
    customer = session.get(Customer, customer_id) if customer_id is not None else None
    if customer_id is not None and customer is None:
        problems["customer_id"] = f"no customer with id {customer_id!r}"
    keep_alive(session, customer)  # routing, SLA and notifications read it again
    for column, model in (
        ("contact_id", "Contact"),
        ("address_id", "Address"),
        ("asset_id", "Asset"),
    ):
        row_id = references.get(column)
        cls = getattr(customer_models, model, None)
        if row_id is None:
            continue
        row = session.get(cls, row_id) if cls is not None else None
        if row is None:
            problems[column] = f"no {model.lower()} with id {row_id!r}"
            continue
        keep_alive(session, row)
        owner = getattr(row, "customer_id", None)
        if customer_id is not None and owner is not None and owner != customer_id:
            problems[column] = f"{model.lower()} {row_id} belongs to another customer"


def _fill_address_field(
    session: Session, ticket_type: CompiledTicketType, submitted: dict[str, Any], address_id: int
) -> None:
    """Give the type's first ``address`` field the parts of ``address_id`` unless it has a value."""
    address_cls = getattr(customer_models, "Address", None)
    field = next((f for f in ticket_type.fields if f.type == "address"), None)
    if address_cls is None or field is None or submitted.get(field.key) not in (None, "", {}):
        return
    address = session.get(address_cls, address_id)
    if address is not None:
        submitted[field.key] = address_parts(address)


def _department_exists(session: Session, key: str) -> bool:
    return session.scalar(select(Department.id).where(Department.key == key)) is not None


def _defaults(ticket_type: CompiledTicketType, submitted: Mapping[str, Any]) -> dict[str, Any]:
    """Field defaults (the field's own, then the type's ``defaults``) for unsubmitted fields."""
    values: dict[str, Any] = {}
    for field in ticket_type.fields:
        if field.key in submitted:
            continue
        if field.key in ticket_type.defaults:
            values[field.key] = _plain(ticket_type.defaults[field.key])
        elif field.has_default and field.default is not None:
            values[field.key] = _plain(field.default)
    return values


def _derive(
    ticket_type: CompiledTicketType,
    values: Mapping[str, Any],
    submitted: Mapping[str, Any],
    build: Any,
) -> dict[str, Any]:
    """The values the type's ``derive`` rules give for the ticket with ``values``."""
    context = build(values)
    derived: dict[str, Any] = {}
    for key in ticket_type.derive:
        if key in submitted:
            continue
        found, value = ticket_type.derived_value(key, context)
        if found:
            derived[key] = _plain(value)
    return derived


def _plain(value: Any) -> Any:
    """Frozen definition data (tuples, read-only mappings) as JSON-ready lists and dicts."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _subject(
    subject: str | None, ticket_type: CompiledTicketType, values: Mapping[str, Any]
) -> str:
    """The given subject, else the symptom or the first text field's value, else the type title."""
    text = (subject or "").strip()
    if not text:
        candidates = [f for f in ticket_type.fields if f.key in ("symptom", "subject", "summary")]
        candidates += [f for f in ticket_type.fields if f.type in ("text", "textarea")]
        for field in candidates:
            value = values.get(field.key)
            if isinstance(value, str) and value.strip():
                text = value.strip()
                break
    if not text:
        text = ticket_type.title.get("zh") or ticket_type.title.get("en") or ticket_type.key
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:299] + "…"
