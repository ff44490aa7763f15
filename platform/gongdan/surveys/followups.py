"""The template's ``on_result`` rules, run once per answer.

:func:`run_followups` claims the answer (``followup``: ``pending`` → ``running`` by a conditional
UPDATE, so a retried job, the sweep and a second worker cannot run it twice), evaluates each
rule on ``answer.*``, ``score`` and the ticket, runs the actions — ``create_ticket`` through the
real ticket service, ``notify`` through the outbox — and records ``survey_followup`` on the
surveyed ticket, all in one transaction. If an action fails, that transaction is rolled back and
the answer is marked ``failed`` with the reason (the answer itself is kept).

A follow-up ticket is created by the system with the action's ``priority`` and ``fields``; the
fields the action does not give are taken from the surveyed ticket where the new type has them:
its customer, contact and asset, a select field of the same key with a valid value (e.g.
``product_model``), the surveyed ticket's number in a ``related_ticket`` text field, a summary
of the answers in the first required textarea, and ``other`` for a required select still empty
when its options have it. ``link: parent`` sets the new ticket's ``parent_ticket_id``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.customers.models import Contact
from gongdan.definitions.compiled import CompiledSurveyTemplate, CompiledTicketType
from gongdan.definitions.registry import compiled_active_set
from gongdan.errors import GongdanError
from gongdan.notifications.outbox import enqueue_notification
from gongdan.surveys.models import SurveyAnswer, SurveyInvitation
from gongdan.surveys.scoring import result_context, triggered_actions
from gongdan.surveys.services import pinned_template
from gongdan.tickets.context import TicketFacts, context_values
from gongdan.tickets.creation import create_ticket
from gongdan.tickets.events import record_event
from gongdan.tickets.models import Ticket
from gongdan.tickets.pinning import active_type_revisions, compile_pinned
from gongdan.tickets.transaction import ticket_transaction

log = logging.getLogger(__name__)


def answer_summary(template: CompiledSurveyTemplate, answer: SurveyAnswer) -> str:
    """The answers as lines of text (Chinese titles first), for a follow-up's description."""
    lines = [f"回访 {template.title.get('zh') or template.key}：得分 {answer.score}"]
    for question in template.questions:
        if question.key in (answer.answers or {}):
            title = question.title.get("zh") or question.title.get("en") or question.key
            lines.append(f"{title}：{answer.answers[question.key]}")
    return "\n".join(lines)


def followup_fields(
    session: Session,
    target: CompiledTicketType,
    parent: Ticket,
    given: Mapping[str, Any],
    summary: str,
) -> dict[str, Any]:
    """The new ticket's fields: ``given``, then what the surveyed ticket supplies (see above)."""
    values = dict(given)
    parent_fields = dict(parent.fields or {})
    described = False
    for field in target.fields:
        if field.key in values:
            continue
        if field.type == "customer" and parent.customer_id is not None:
            values[field.key] = parent.customer_id
        elif field.type == "contact":
            contact_id = parent.contact_id or session.scalar(
                sa.select(Contact.id)
                .where(Contact.customer_id == parent.customer_id)
                .order_by(Contact.is_primary.desc(), Contact.id)
                .limit(1)
            )
            if contact_id is not None:
                values[field.key] = contact_id
        elif field.type == "asset" and parent.asset_id is not None:
            values[field.key] = parent.asset_id
        elif field.type == "select" and field.key in parent_fields:
            value = parent_fields[field.key]
            if field.options is None or value in field.options:
                values[field.key] = value
        elif field.type == "text" and field.key == "related_ticket":
            values[field.key] = parent.number
        elif field.type == "textarea" and field.required and not described:
            values[field.key] = summary
            described = True
    for field in target.fields:
        if field.type == "select" and field.required and field.key not in values:
            if field.options and "other" in field.options:
                values[field.key] = "other"
    return values


def create_linked_ticket(
    session: Session, parent: Ticket, action: Mapping[str, Any], *, channel: str, summary: str,
    origin: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """Run a ``create_ticket`` action for ``parent`` in the caller's transaction; what it did.

    Also used by automations (``do: create_ticket``). ``origin`` is recorded on the new ticket.
    """
    type_key = str(action.get("type"))
    target = compile_pinned(session, *active_type_revisions(session, type_key)).ticket_type
    fields = followup_fields(session, target, parent, action.get("fields") or {}, summary)
    child = create_ticket(
        session, None, type_key=type_key, channel=channel,
        fields=fields, priority=action.get("priority"),
        subject=f"回访跟进 {parent.number}：{parent.subject}",
        customer_id=parent.customer_id,
        contact_id=fields.get("contact") if isinstance(fields.get("contact"), int) else None,
        asset_id=parent.asset_id,
    )  # fmt: skip
    if action.get("link") == "parent":
        child.parent_ticket_id = parent.id
    record_event(session, child, "survey_origin" if "survey" in origin else "created_from",
                 None, {"parent": parent.number, **origin}, public=False)  # fmt: skip
    return {"do": "create_ticket", "type": type_key, "ticket": child.number, "id": child.id}


def _create(
    session: Session, parent: Ticket, action: Mapping[str, Any], answer: SurveyAnswer,
    template: CompiledSurveyTemplate,
) -> dict[str, Any]:  # fmt: skip
    return create_linked_ticket(
        session, parent, action,
        channel="phone" if answer.source == "phone" else "web",
        summary=answer_summary(template, answer),
        origin={"survey": template.key, "answer": answer.id, "score": answer.score,
                "why": f"on_result of {template.key} on {parent.number}"},
    )  # fmt: skip


def _recipients(session: Session, action: Mapping[str, Any]) -> list[str]:
    """The action's ``to``, else its template's."""
    if action.get("to"):
        return [str(target) for target in action["to"]]
    template = compiled_active_set(session).notification_templates.get(str(action.get("template")))
    return list(template.to) if template is not None else []


def run_followups(session: Session, answer_id: int) -> str:
    """Run the ``on_result`` rules of one answer once; the outcome (commits).

    ``done`` (actions ran), ``none`` (no rule matched), ``failed``, or ``claimed`` when another
    run has it.
    """
    try:
        with ticket_transaction(session):
            claimed = session.execute(
                sa.update(SurveyAnswer)
                .where(SurveyAnswer.id == answer_id, SurveyAnswer.followup == "pending")
                .values(followup="running")
            ).rowcount
            if not claimed:
                return "claimed"
            answer = session.get(SurveyAnswer, answer_id, populate_existing=True)
            assert answer is not None
            invitation = session.get(SurveyInvitation, answer.invitation_id)
            ticket = session.get(Ticket, answer.ticket_id)
            assert invitation is not None and ticket is not None
            template = pinned_template(session, invitation.template_revision_id)
            facts = TicketFacts.of(ticket)
            facts.load_related(session)
            context = result_context(
                answer.answers or {}, answer.score,
                context_values(facts, dict(ticket.fields or {}), None),
            )  # fmt: skip
            done: list[dict[str, Any]] = []
            for index, action in enumerate(triggered_actions(template, context)):
                kind = action.get("do")
                if kind == "create_ticket":
                    done.append(_create(session, ticket, action, answer, template))
                elif kind == "notify":
                    ids = enqueue_notification(
                        session, template=str(action.get("template")), ticket_id=ticket.id,
                        recipients=_recipients(session, action),
                        event=f"survey-answer:{answer.id}:{index}",
                        context={"survey": {"score": answer.score, "template": template.key,
                                            "csat": answer.csat, "nps": answer.nps}},
                    )  # fmt: skip
                    done.append({"do": "notify", "template": action.get("template"),
                                 "messages": len(ids)})  # fmt: skip
                else:
                    done.append({"do": kind, "skipped": "surveys do not run this action"})
            answer.followup = "done" if done else "none"
            answer.followup_detail = done
            if done:
                record_event(
                    session, ticket, "survey_followup", None,
                    {"survey": template.key, "answer": answer.id, "score": answer.score,
                     "actions": done, "why": f"on_result of {template.key}"},
                    public=False,
                )  # fmt: skip
            outcome = answer.followup
    except GongdanError as error:
        log.warning("survey follow-up of answer %s failed: %s", answer_id, error.message)
        session.execute(
            sa.update(SurveyAnswer)
            .where(SurveyAnswer.id == answer_id)
            .values(followup="failed", followup_detail=[{"error": error.message[:2000]}])
        )
        session.commit()
        return "failed"
    return outcome
