"""The survey pages: the customer's answer page behind the signed link (no login), and the
agent's "record a callback call" form on a ticket.

A bad link never errors: forged or damaged → 404, expired → 410, answered → 409, each a short
page in the visitor's language. Answers that do not fit the questions come back with the
message beside each question (422) and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from gongdan import i18n
from gongdan.accounts.policy import has_permission
from gongdan.db import db
from gongdan.definitions.compiled import CompiledSurveyTemplate
from gongdan.definitions.registry import compiled_active_set
from gongdan.errors import NotFound, ValidationFailed
from gongdan.surveys.errors import SurveyAlreadyAnswered, SurveyExpired, SurveyLinkInvalid
from gongdan.surveys.followups import run_followups
from gongdan.surveys.pages import (
    invitation_for,
    localised_problems,
    question_views,
    ticket_panel,
)
from gongdan.surveys.scoring import visible_questions
from gongdan.surveys.services import (
    effective_status,
    invitations_of,
    open_link,
    pinned_template,
    record_by_phone,
    submit_answers,
)
from gongdan.surveys.tokens import make_token
from gongdan.tickets import services as ticket_services
from gongdan.tickets.models import Ticket
from gongdan.tickets.views import require_staff

bp = Blueprint("surveys", __name__)

#: Longest note an agent may add to a recorded call.
NOTE_LIMIT = 2000


def _problem_page(
    error: SurveyLinkInvalid | SurveyExpired | SurveyAlreadyAnswered,
) -> tuple[str, int]:
    messages = {
        SurveyLinkInvalid.code: (
            gettext("This survey link is not valid"),
            gettext("Please check that the whole link was copied, or contact our service desk."),
        ),
        SurveyExpired.code: (
            gettext("This survey has expired"),
            gettext("Thank you for your interest. The time to answer this survey is over."),
        ),
        SurveyAlreadyAnswered.code: (
            gettext("This survey has already been answered"),
            gettext("We have your answers already. Thank you for your feedback!"),
        ),
    }
    title, message = messages[error.code]
    return (
        render_template("surveys/problem.html", title=title, message=message, code=error.code),
        error.status,
    )


def submitted_answers(
    template: CompiledSurveyTemplate, form: MultiDict[str, str]
) -> dict[str, Any]:
    """The posted answers by question key (multichoice as lists)."""
    values: dict[str, Any] = {}
    for question in template.questions:
        if question.type == "multichoice":
            values[question.key] = form.getlist(question.key)
        elif question.key in form:
            values[question.key] = form.get(question.key)
    return values


def _form_context(
    template: CompiledSurveyTemplate, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    visible = visible_questions(template, {k: v for k, v in values.items() if v not in ("", [])})
    return {
        "survey_title": i18n.local_text(template.title, template.key),
        "questions": question_views(template, visible),
        "values": values,
        "errors": errors,
    }


@bp.route("/s/<token>", methods=["GET", "POST"])
def answer(token: str) -> tuple[str, int]:
    """The customer's answer page (phone-sized, no login)."""
    try:
        invitation = open_link(db.session, token)
    except (SurveyLinkInvalid, SurveyExpired, SurveyAlreadyAnswered) as problem:
        return _problem_page(problem)
    template = pinned_template(db.session, invitation.template_revision_id)
    ticket = db.session.get(Ticket, invitation.ticket_id)
    assert ticket is not None
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = submitted_answers(template, request.form)
        try:
            stored = submit_answers(db.session, invitation.id, values, source="link")
        except ValidationFailed as invalid:
            errors, status = localised_problems(template, invalid.fields), 422
        except (SurveyExpired, SurveyAlreadyAnswered) as problem:
            return _problem_page(problem)
        else:
            run_followups(db.session, stored.id)
            return render_template("surveys/thanks.html", number=ticket.number), 200
    page = render_template(
        "surveys/answer.html",
        ticket_number=ticket.number,
        action=url_for("surveys.answer", token=token),
        **_form_context(template, values, errors),
    )
    return page, status


def _may_record() -> bool:
    return has_permission(current_user, "survey.record", compiled_active_set(db.session))


@bp.route("/tickets/<number>/surveys/<template_key>/record", methods=["GET", "POST"])
@login_required
def record(number: str, template_key: str) -> Response | tuple[str, int]:
    """An agent records the answers of a callback call (``survey.record`` permission)."""
    user = require_staff()
    if not _may_record():
        abort(403)
    ticket = ticket_services.get_ticket_by_number(db.session, user, number)
    invitation = invitation_for(db.session, ticket, template_key)
    if invitation is not None and invitation.status == "answered":
        return _problem_page(SurveyAlreadyAnswered("answered"))
    if invitation is not None:
        template = pinned_template(db.session, invitation.template_revision_id)
    else:
        active = compiled_active_set(db.session).survey_templates.get(template_key)
        if active is None or ticket.type_key not in active.for_types:
            raise NotFound(f"no survey {template_key!r} for ticket {number}")
        template = active
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    note = ""
    status = 200
    if request.method == "POST":
        values = submitted_answers(template, request.form)
        note = request.form.get("note", "").strip()
        if len(note) > NOTE_LIMIT:
            errors, status = {"note": gettext("The note is too long.")}, 422
        else:
            try:
                stored = record_by_phone(db.session, user, ticket, template_key, values, note)
            except ValidationFailed as invalid:
                errors, status = localised_problems(template, invalid.fields), 422
            except SurveyAlreadyAnswered as problem:
                return _problem_page(problem)
            else:
                run_followups(db.session, stored.id)
                flash(gettext("The callback answers were recorded."), "success")
                return redirect(url_for("tickets.show", number=number) + "#survey-panel")
    page = render_template(
        "surveys/record.html",
        ticket=ticket,
        note=note,
        action=url_for("surveys.record", number=number, template_key=template_key),
        **_form_context(template, values, errors),
    )
    return page, status


def init_app(app: Flask) -> None:
    """Register the pages and the ``survey_panel(ticket)`` helper of the staff ticket page."""
    app.register_blueprint(bp)

    def survey_panel(ticket: Ticket) -> dict[str, Any]:
        panel = ticket_panel(db.session, ticket)
        panel["may_record"] = _may_record()
        return panel

    app.add_template_global(survey_panel, "survey_panel")

    def portal_survey(ticket: Ticket) -> str | None:
        """The answer page of the ticket's open invitation, for its customer in the portal."""
        for invitation in invitations_of(db.session, ticket.id):
            if effective_status(invitation) == "sent":
                return url_for("surveys.answer", token=make_token(invitation.id, invitation.nonce))
        return None

    app.add_template_global(portal_survey, "portal_survey")
