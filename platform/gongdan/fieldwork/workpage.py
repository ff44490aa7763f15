"""The view-model of one ticket's work page: header, check-in, photos, report, signature, actions.

Forms are built with :func:`gongdan.forms.build_form` (audience ``engineer``) so the fields look
and parse the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan import i18n
from gongdan.accounts.models import User
from gongdan.definitions.compiled import CompiledTicketType, CompiledWorkflow
from gongdan.definitions.registry import compiled_active_set
from gongdan.fieldwork import report
from gongdan.fieldwork.pages import Callee, Place, callee_of, place_of, state_title
from gongdan.forms import AttachmentLink, FieldView, FormView, build_form
from gongdan.tickets import services as ticket_services
from gongdan.tickets.models import Ticket, TicketAttachment


@dataclass(frozen=True)
class ActionButton:
    """A workflow transition offered as a big button."""

    key: str
    title: str
    target_title: str
    comment: str
    primary: bool


@dataclass(frozen=True)
class WorkPage:
    """Everything the work page template shows."""

    ticket: Ticket
    ticket_type: CompiledTicketType
    workflow: CompiledWorkflow
    type_title: str
    state_title: str
    place: Place | None
    callee: Callee | None
    summary: FormView
    assigned_to_me: bool
    accepted: bool
    checked_in: bool
    check_in: FormView | None
    photos: FormView | None
    report_form: FormView | None
    report_keys: tuple[str, ...]
    signature: FieldView | None
    actions: tuple[ActionButton, ...]
    comment_required: bool

    @property
    def needs_comment_box(self) -> bool:
        return any(action.comment != "none" for action in self.actions)


def attachment_links(session: Session, ticket: Ticket) -> dict[int, AttachmentLink]:
    """Links to the ticket's files through the work page's file route."""
    rows = session.scalars(
        select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)
    ).all()
    return {
        row.id: AttachmentLink(
            id=row.id,
            filename=row.filename,
            url=url_for("fieldwork.attachment_file", number=ticket.number, attachment_id=row.id),
            is_image=row.content_type.startswith("image/"),
        )
        for row in rows
    }


def work_page(
    session: Session,
    user: User,
    ticket: Ticket,
    *,
    errors: Mapping[str, str] | None = None,
    submitted: Mapping[str, Any] | None = None,
) -> WorkPage:
    """Build the work page of ``ticket`` for engineer ``user``."""
    pinned = ticket_services.pinned_definitions(session, ticket)
    ticket_type, workflow = pinned.ticket_type, pinned.workflow
    roles = frozenset({user.role})
    transitions = list(ticket_services.available_transitions(session, user, ticket))
    values = {**(ticket.fields or {}), **(submitted or {})}
    option_lists = compiled_active_set(session).option_lists
    links = attachment_links(session, ticket)
    common: dict[str, Any] = {
        "values": values,
        "audience": "engineer",
        "roles": roles,
        "state": ticket.state,
        "errors": errors or {},
        "option_lists": option_lists,
        "attachments": links,
        "local": i18n.local_text,
    }

    # A closed ticket is history: the page shows it but offers nothing to fill in.
    editing = ticket.state_category != "closed"
    geo_fields = report.fields_of_type(ticket_type, "geo", roles) if editing else []
    check_in_transition = report.check_in_transition(transitions, [f.key for f in geo_fields])
    check_in = None
    if geo_fields and (check_in_transition is not None or ticket.checked_in_at is None):
        check_in = build_form(ticket_type, only=[geo_fields[0].key], **common)

    image_fields = report.image_fields(ticket_type, roles) if editing else []
    photos = build_form(ticket_type, only=[f.key for f in image_fields], **common)

    report_keys = (
        report.report_field_keys(ticket_type, workflow, ticket.state, transitions, roles)
        if editing
        else []
    )
    report_form = build_form(ticket_type, only=report_keys, **common) if report_keys else None

    signature_fields = report.fields_of_type(ticket_type, "signature", roles) if editing else []
    signature = None
    if signature_fields:
        signature_form = build_form(ticket_type, only=[signature_fields[0].key], **common)
        signature = signature_form.fields.get(signature_fields[0].key)

    summary_keys = [
        f.key
        for f in ticket_type.fields
        if f.key not in report_keys and f.type not in report.OWN_CONTROL_TYPES
    ]
    summary = build_form(ticket_type, only=summary_keys, **common)

    actions = tuple(
        ActionButton(
            key=t.key,
            title=i18n.local_text(t.title, t.key),
            target_title=state_title(workflow, t.target),
            comment=t.comment,
            # Moving the work forward is the main action; parking it (paused states) is not.
            primary=workflow.states[t.target].category != "paused",
        )
        for t in transitions
        if t is not check_in_transition
    )
    return WorkPage(
        ticket=ticket,
        ticket_type=ticket_type,
        workflow=workflow,
        type_title=i18n.local_text(ticket_type.title, ticket.type_key),
        state_title=state_title(workflow, ticket.state),
        place=place_of(session, ticket, ticket_type),
        callee=callee_of(session, ticket, ticket_type),
        summary=summary,
        assigned_to_me=ticket.assignee_id == user.id,
        accepted=ticket.accepted_at is not None,
        checked_in=ticket.checked_in_at is not None,
        check_in=check_in,
        photos=photos if image_fields else None,
        report_form=report_form,
        report_keys=tuple(report_keys),
        signature=signature,
        actions=actions,
        comment_required=any(a.comment == "required" for a in actions),
    )
