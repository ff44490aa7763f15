"""The knowledge base in the agent workspace (``/kb``): search, read, write, solve tickets.

Staff read published articles, public and internal; editors (:data:`services.EDITOR_ROLES`)
also write drafts, publishers publish. Bad input — an empty or enormous query, a query full of
search syntax, a missing article, a file of the wrong type — gets a clear page or JSON error and
changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from gongdan import i18n
from gongdan.accounts.models import User
from gongdan.accounts.policy import is_staff
from gongdan.db import db
from gongdan.definitions.registry import compiled_active_set
from gongdan.errors import GongdanError, ValidationFailed
from gongdan.fieldwork.files import send_attachment
from gongdan.knowledge import pages, services
from gongdan.knowledge.indexing import FAULT_CODE_LIST, PRODUCT_MODEL_LIST
from gongdan.knowledge.markdown import render_markdown
from gongdan.knowledge.models import KbArticle
from gongdan.knowledge.search import search, search_best
from gongdan.knowledge.tokens import parse_query
from gongdan.tickets import services as ticket_services
from gongdan.tickets.models import Ticket

bp = Blueprint("knowledge", __name__)

#: Drafts listed on the knowledge base's start page (the newest).
DRAFTS_LISTED = 50

#: The longest article body accepted (characters).
MAX_BODY_CHARS = 100_000


def _staff() -> User:
    if not current_user.is_authenticated or not is_staff(current_user):
        abort(403)
    user: User = current_user._get_current_object()
    return user


def _editor() -> User:
    user = _staff()
    if not services.may_edit(user):
        abort(403)
    return user


def options(list_key: str) -> list[tuple[str, str]]:
    """``(value, title)`` of the active option list ``list_key`` in the reader's language."""
    option_list = compiled_active_set(db.session).option_lists.get(list_key)
    if option_list is None:
        return []
    return [
        (str(o["value"]), i18n.local_text(o.get("title"), str(o["value"])))
        for o in option_list.options
    ]


def tag_titles(article: KbArticle) -> dict[str, list[str]]:
    """The article's product models and fault codes by title, for display."""
    models = dict(options(PRODUCT_MODEL_LIST))
    faults = dict(options(FAULT_CODE_LIST))
    return {
        "models": [models.get(v, v) for v in article.product_models or []],
        "faults": [faults.get(v, v) for v in article.fault_codes or []],
    }


@bp.get("/kb")
@login_required
def index() -> str:
    """Search, or the most useful published articles when nothing is asked."""
    user = _staff()
    query, truncated = pages.request_query()
    hits, all_words = search_best(db.session, query, audience="staff", limit=30)
    popular = []
    if query.is_empty:
        popular = db.session.scalars(
            select(KbArticle)
            .where(KbArticle.status == "published")
            .order_by(KbArticle.solved_count.desc(), KbArticle.helped_count.desc(), KbArticle.id)
            .limit(30)
        ).all()
    drafts = []
    if services.may_edit(user):
        drafts = db.session.scalars(
            select(KbArticle)
            .where(KbArticle.status == "draft")
            .order_by(KbArticle.id.desc())
            .limit(DRAFTS_LISTED)
        ).all()
    return render_template(
        "knowledge/index.html",
        q=request.args.get("q", "")[:200],
        query=query,
        truncated=truncated,
        hits=hits,
        all_words=all_words,
        popular=popular,
        drafts=drafts,
        may_edit=services.may_edit(user),
    )


@bp.get("/kb/suggest")
@login_required
def suggest() -> Response:
    """The top five published articles for ``q`` (JSON; matches highlighted)."""
    _staff()
    return jsonify(
        pages.suggestions_json("staff", lambda a: url_for("knowledge.show", article_id=a.id))
    )


@bp.get("/kb/<int:article_id>")
@login_required
def show(article_id: int) -> str:
    """An article; ``?ticket=NUMBER`` offers to solve that ticket with it."""
    user = _staff()
    article = services.readable_article(db.session, user, article_id)
    if article.status == "published":
        pages.count_view_once(article)
    ticket = None
    number = request.args.get("ticket", "")
    if number:
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number[:64]))
        if ticket is not None and ticket.state_category not in ("open", "paused"):
            ticket = None
    return render_template(
        "knowledge/show.html",
        article=article,
        body_html=render_markdown(article.body),
        tags=tag_titles(article),
        voted=services.has_voted(db.session, user, article),
        may_edit=services.may_edit(user),
        may_publish=services.may_publish(user),
        ticket=ticket,
        source=db.session.get(Ticket, article.source_ticket_id)
        if article.source_ticket_id
        else None,
    )


@bp.post("/kb/<int:article_id>/helped")
@login_required
def helped(article_id: int) -> Response:
    """ "This helped": one vote per user."""
    user = _staff()
    article = services.readable_article(db.session, user, article_id)
    if services.vote_helped(db.session, user, article):
        flash(gettext("Thank you: your vote was counted."), "success")
    else:
        flash(gettext("You have already said this article helped."), "info")
    return redirect(url_for("knowledge.show", article_id=article.id))


def solved_comment(article: KbArticle) -> str:
    """The comment a ticket solved by ``article`` gets (the customer may read it)."""
    return gettext(
        "Solved with knowledge-base article #%(id)s: %(title)s", id=article.id, title=article.title
    )


@bp.post("/kb/<int:article_id>/solve")
@login_required
def solve(article_id: int) -> Response | tuple[str, int]:
    """Resolve the ticket ``ticket`` (at ``version``) at first contact with this article."""
    user = _staff()
    number = request.form.get("ticket", "")
    version = request.form.get("version", "")
    if not version.isdigit():
        raise ValidationFailed(gettext("The ticket version is missing; reload the ticket page."))
    ticket = ticket_services.get_ticket_by_number(db.session, user, number[:64])
    article = services.readable_article(db.session, user, article_id)
    try:
        services.solve_ticket(
            db.session, user, ticket.id, article.id, expected_version=int(version),
            comment=solved_comment(article),
        )  # fmt: skip
    except GongdanError as error:
        db.session.rollback()
        flash(gettext("The ticket was not solved: %(reason)s", reason=error.message), "error")
        return redirect(url_for("tickets.show", number=ticket.number))
    flash(
        gettext(
            "Ticket %(number)s resolved with article #%(id)s.", number=ticket.number, id=article.id
        ),
        "success",
    )
    return redirect(url_for("tickets.show", number=ticket.number))


def solve_new_ticket(ticket: Ticket, article_text: str) -> None:
    """After a ticket was created from a suggestion's "solved by this article", resolve it.

    Called by the new-ticket view; a refusal is flashed (the ticket stays created and open).
    """
    if not article_text.isdigit():
        return
    user = _staff()
    try:
        article = services.readable_article(db.session, user, int(article_text))
        services.solve_ticket(
            db.session, user, ticket.id, article.id, expected_version=ticket.version,
            comment=solved_comment(article),
        )  # fmt: skip
    except GongdanError as error:
        db.session.rollback()
        flash(
            gettext("The ticket was created but not solved: %(reason)s", reason=error.message),
            "warning",
        )
        return
    flash(gettext("Resolved at first contact with article #%(id)s.", id=article.id), "success")


@bp.post("/kb/from-ticket/<number>")
@login_required
def from_ticket(number: str) -> Response:
    """Write an article from a resolved ticket: a draft, opened for editing."""
    user = _editor()
    try:
        article = services.draft_from_ticket(db.session, user, number[:64])
    except ValidationFailed as error:
        flash(error.message, "error")
        return redirect(url_for("tickets.show", number=number[:64]))
    flash(
        gettext(
            "Draft article written from ticket %(number)s: check and publish it.", number=number
        ),
        "success",
    )
    return redirect(url_for("knowledge.edit", article_id=article.id))


def _form_values() -> tuple[dict[str, Any], dict[str, str]]:
    """The editor's fields, cleaned, and a message per field that is wrong."""
    errors: dict[str, str] = {}
    title = request.form.get("title", "").strip()
    body = request.form.get("body", "")
    if not title:
        errors["title"] = gettext("A title is required.")
    elif len(title) > 200:
        errors["title"] = gettext("At most %(n)s characters.", n=200)
    if len(body) > MAX_BODY_CHARS:
        errors["body"] = gettext("At most %(n)s characters.", n=MAX_BODY_CHARS)
    category = request.form.get("category", "").strip()
    if len(category) > 80:
        errors["category"] = gettext("At most %(n)s characters.", n=80)
    known_models = dict(options(PRODUCT_MODEL_LIST))
    known_faults = dict(options(FAULT_CODE_LIST))
    models = [v for v in request.form.getlist("product_models") if v in known_models]
    faults = [v for v in request.form.getlist("fault_codes") if v in known_faults]
    values = {
        "title": title, "body": body, "category": category or None, "product_models": models,
        "fault_codes": faults, "visibility": request.form.get("visibility"),
        "status": request.form.get("status"),
    }  # fmt: skip
    return values, errors


@bp.route("/kb/new", methods=["GET", "POST"])
@bp.route("/kb/<int:article_id>/edit", methods=["GET", "POST"])
@login_required
def edit(article_id: int | None = None) -> str | Response | tuple[str, int]:
    """Write or change an article: Markdown body with a preview, tags, files."""
    user = _editor()
    article = services.readable_article(db.session, user, article_id) if article_id else None
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values, errors = _form_values()
        if not errors:
            article = services.save_article(db.session, user, article, values)
            flash(gettext("Article saved."), "success")
            return redirect(url_for("knowledge.edit", article_id=article.id))
    page = render_template(
        "knowledge/edit.html",
        article=article,
        values=values,
        errors=errors,
        model_options=options(PRODUCT_MODEL_LIST),
        fault_options=options(FAULT_CODE_LIST),
        may_publish=services.may_publish(user),
    )
    return page, 422 if errors else 200


@bp.post("/kb/<int:article_id>/files")
@login_required
def upload(article_id: int) -> Response:
    """Add a file to an article."""
    user = _editor()
    article = services.readable_article(db.session, user, article_id)
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        flash(gettext("Choose a file first."), "error")
    else:
        try:
            services.add_attachment(
                db.session, user, article, filename=upload_file.filename,
                content_type=upload_file.mimetype or "application/octet-stream",
                data=upload_file.read(),
            )  # fmt: skip
            flash(gettext("File added."), "success")
        except ValidationFailed as error:
            db.session.rollback()
            flash(error.message, "error")
    return redirect(url_for("knowledge.edit", article_id=article.id))


@bp.get("/kb/<int:article_id>/files/<int:attachment_id>")
@login_required
def attachment(article_id: int, attachment_id: int) -> Response:
    """A file of an article the user may read."""
    user = _staff()
    found = services.readable_attachment(db.session, user, article_id, attachment_id)
    return send_attachment(found)


@bp.post("/kb/preview")
@login_required
def preview() -> Response:
    """The editor's preview: Markdown rendered safely (JSON ``{html}``)."""
    _staff()
    body = request.form.get("body", "")[:MAX_BODY_CHARS]
    return jsonify(html=render_markdown(body))


def ticket_suggestions(ticket: Ticket) -> list[Any]:
    """Published articles for an open ticket's subject and symptom (the ticket page's panel)."""
    if ticket.state_category not in ("open", "paused"):
        return []
    fields = dict(ticket.fields or {})
    text = " ".join(str(fields.get(k) or "") for k in ("symptom", "description"))
    query = parse_query(f"{ticket.subject} {text}")
    return search(db.session, query, audience="staff", limit=pages.SUGGESTIONS, match_all=False)


def init_app(app: Flask) -> None:
    """Register ``/kb`` and the template helper of the ticket page's knowledge panel."""
    app.register_blueprint(bp)
    app.jinja_env.globals["kb_ticket_suggestions"] = ticket_suggestions
    app.jinja_env.globals["kb_may_edit"] = services.may_edit
