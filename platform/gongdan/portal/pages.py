"""What the customer portal shows: request forms, the list of requests, one request's page.

Only customer-visible things reach these view-models: fields marked ``customer_visible``, files
that are not internal and belong to no staff-only field, the public timeline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan import i18n
from gongdan.accounts.models import User
from gongdan.customers.models import Address, Asset, Contact
from gongdan.definitions.compiled import CompiledSet, CompiledTicketType, CompiledWorkflow
from gongdan.forms import AttachmentLink, Choice, FieldView, FormView, build_form
from gongdan.portal.timeline import TimelineEntry, customer_status, customer_timeline
from gongdan.tickets import services as ticket_services
from gongdan.tickets.models import Ticket, TicketAttachment

#: Field types a customer never fills in the portal: who the customer is (that is the
#: logged-in organisation), and what the engineer records on site.
NOT_FOR_CUSTOMERS = frozenset({"customer", "user", "department", "signature", "geo"})

#: Reference types whose choices are the organisation's own rows.
ORGANISATION_TYPES = frozenset({"contact", "asset", "address"})


def customer_field_keys(ticket_type: CompiledTicketType) -> list[str]:
    """The fields of the portal's request form, in definition order.

    Fields marked ``customer_editable``, customer-visible fields that are (or may become)
    required, and the organisation's contact, machine and address pickers.
    """
    keys = []
    for field in ticket_type.fields:
        if not field.customer_visible or field.type in NOT_FOR_CUSTOMERS:
            continue
        if (
            field.customer_editable
            or field.required
            or field.required_if is not None
            or field.type in ORGANISATION_TYPES
        ):
            keys.append(field.key)
    return keys


def creatable_types(compiled: CompiledSet, user: User) -> list[CompiledTicketType]:
    """The ticket types ``user`` may create (``permissions.create``), by title."""
    from gongdan.accounts.policy import may_create_type

    types = [t for t in compiled.ticket_types.values() if may_create_type(user, t)]
    return sorted(types, key=lambda t: i18n.local_text(t.title, t.key))


@dataclass(frozen=True)
class OrganisationChoices:
    """The organisation's contacts, machines and addresses, as select choices."""

    contacts: tuple[Choice, ...]
    assets: tuple[Choice, ...]
    addresses: tuple[Choice, ...]

    def by_type(self) -> dict[str, tuple[Choice, ...]]:
        return {"contact": self.contacts, "asset": self.assets, "address": self.addresses}


def organisation_choices(session: Session, customer_id: int) -> OrganisationChoices:
    """Choices limited to the rows of ``customer_id``."""
    contacts = session.scalars(
        select(Contact).where(Contact.customer_id == customer_id).order_by(Contact.id)
    ).all()
    assets = session.scalars(
        select(Asset).where(Asset.customer_id == customer_id).order_by(Asset.id)
    ).all()
    addresses = session.scalars(
        select(Address).where(Address.customer_id == customer_id).order_by(Address.id)
    ).all()
    return OrganisationChoices(
        contacts=tuple(Choice(str(c.id), c.name) for c in contacts),
        assets=tuple(Choice(str(a.id), f"{a.product_model} · {a.serial_number}") for a in assets),
        addresses=tuple(
            Choice(str(a.id), " ".join(p for p in (a.label, a.one_line) if p)) for a in addresses
        ),
    )


def request_form(
    ticket_type: CompiledTicketType,
    compiled: CompiledSet,
    choices: OrganisationChoices,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> FormView:
    """The portal's request form of ``ticket_type``."""
    # Defaults count as values, so conditions on a field the customer does not see (the repair
    # type's visit_address needs service_mode, default on_site) show the field in the browser.
    defaults = {f.key: f.default for f in ticket_type.fields if f.has_default}
    return build_form(
        ticket_type,
        values={**defaults, **(values or {})},
        audience="customer",
        roles={"customer"},
        creating=True,
        errors=errors or {},
        choices=choices.by_type(),
        option_lists=compiled.option_lists,
        only=customer_field_keys(ticket_type),
        local=i18n.local_text,
    )


def has_file_field(ticket_type: CompiledTicketType) -> bool:
    """Whether the portal form of ``ticket_type`` has an attachments field of its own."""
    keys = set(customer_field_keys(ticket_type))
    return any(f.type == "attachments" and f.key in keys for f in ticket_type.fields)


def picker(key: str, title: str, options: Sequence[Choice], value: Any = None) -> FieldView:
    """A select outside the type's fields (the machine or address of a request)."""
    return FieldView(
        key=key,
        type="select",
        name=key,
        dom_id=f"field-{key}",
        title=title,
        value=value,
        choices=tuple(options),
    )


@dataclass(frozen=True)
class RequestRow:
    """One line of "my organisation's requests"."""

    number: str
    type_title: str
    subject: str
    status: str
    state_category: str
    updated_at: datetime


def request_row(
    ticket: Ticket, ticket_type: CompiledTicketType, workflow: CompiledWorkflow
) -> RequestRow:
    return RequestRow(
        number=ticket.number,
        type_title=i18n.local_text(ticket_type.title, ticket.type_key),
        subject=ticket.subject,
        status=customer_status(workflow, ticket.state),
        state_category=ticket.state_category,
        updated_at=ticket.updated_at,
    )


def visible_attachments(
    session: Session, ticket: Ticket, ticket_type: CompiledTicketType
) -> list[TicketAttachment]:
    """Files a customer may see: not internal, and in no staff-only field."""
    rows = session.scalars(
        select(TicketAttachment)
        .where(TicketAttachment.ticket_id == ticket.id, TicketAttachment.internal.is_(False))
        .order_by(TicketAttachment.id)
    ).all()
    result = []
    for row in rows:
        field = ticket_type.field(row.field_key) if row.field_key else None
        if row.field_key and (field is None or not field.customer_visible):
            continue
        result.append(row)
    return result


@dataclass(frozen=True)
class ActionButton:
    """A transition open to the customer (confirm, reopen, cancel ...)."""

    key: str
    title: str
    comment: str
    confirms: bool


@dataclass(frozen=True)
class RequestPage:
    """Everything the portal's request page shows."""

    ticket: Ticket
    type_title: str
    status: str
    timeline: list[TimelineEntry]
    fields: FormView
    files: list[AttachmentLink]
    actions: tuple[ActionButton, ...]

    @property
    def comment_required(self) -> bool:
        return any(a.comment == "required" for a in self.actions)


def request_page(session: Session, user: User, ticket: Ticket) -> RequestPage:
    """The customer's view of ``ticket``."""
    pinned = ticket_services.pinned_definitions(session, ticket)
    ticket_type, workflow = pinned.ticket_type, pinned.workflow
    attachments = visible_attachments(session, ticket, ticket_type)
    links = {
        row.id: AttachmentLink(
            id=row.id,
            filename=row.filename,
            url=url_for("portal.attachment_file", number=ticket.number, attachment_id=row.id),
            is_image=row.content_type.startswith("image/"),
        )
        for row in attachments
    }
    shown = [
        f.key
        for f in ticket_type.fields
        if f.customer_visible and f.type not in ("customer", "user", "department", "geo")
    ]
    fields = build_form(
        ticket_type,
        values=dict(ticket.fields or {}),
        audience="customer",
        roles={"customer"},
        state=ticket.state,
        choices=organisation_choices(session, ticket.customer_id or 0).by_type()
        if ticket.customer_id
        else {},
        option_lists=_option_lists(session),
        attachments=links,
        only=shown,
        local=i18n.local_text,
    )
    actions = tuple(
        ActionButton(
            key=t.key,
            title=i18n.local_text(t.title, t.key),
            comment=t.comment,
            # Confirming the fix: from a resolved state to a closed one (not cancelling).
            confirms=ticket.state_category == "resolved"
            and workflow.states[t.target].category == "closed",
        )
        for t in ticket_services.available_transitions(session, user, ticket)
    )
    return RequestPage(
        ticket=ticket,
        type_title=i18n.local_text(ticket_type.title, ticket.type_key),
        status=customer_status(workflow, ticket.state),
        timeline=customer_timeline(session, ticket, workflow),
        fields=fields,
        files=[links[row.id] for row in attachments if not row.field_key],
        actions=actions,
    )


def _option_lists(session: Session) -> Mapping[str, Any]:
    from gongdan.definitions.registry import compiled_active_set

    return compiled_active_set(session).option_lists
