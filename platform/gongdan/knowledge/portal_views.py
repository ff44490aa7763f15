"""The knowledge base in the customer portal (``/portal/kb``): public, published articles only.

An internal article or a draft is "not found" here, whatever its id; the suggestions JSON
searches public articles only.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from gongdan.db import db
from gongdan.errors import NotFound
from gongdan.fieldwork.files import send_attachment
from gongdan.knowledge import pages, services
from gongdan.knowledge.markdown import render_markdown
from gongdan.knowledge.models import KbArticle
from gongdan.knowledge.search import search_best
from gongdan.knowledge.views import tag_titles

bp = Blueprint("portal_kb", __name__, url_prefix="/portal/kb")


@bp.before_request
def _customers_only() -> Response | None:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined, no-any-return]
    if current_user.role != "customer" or current_user.customer_id is None:
        abort(403)
    return None


def _article(article_id: int) -> KbArticle:
    article = services.readable_article(db.session, current_user, article_id)
    if article.visibility != "public" or article.status != "published":
        raise NotFound(f"no article with id {article_id!r}")
    return article


def portal_links(body_html: str) -> str:
    """Links and images to ``/kb/...`` (article files, other articles) as their portal twins;
    the portal's own checks then decide what a customer may open."""
    return body_html.replace('src="/kb/', 'src="/portal/kb/').replace(
        'href="/kb/', 'href="/portal/kb/'
    )


@bp.get("")
def index() -> str:
    """Search the public articles."""
    query, truncated = pages.request_query()
    hits, all_words = search_best(db.session, query, audience="public", limit=20)
    return render_template(
        "knowledge/portal_index.html",
        q=request.args.get("q", "")[:200],
        query=query,
        truncated=truncated,
        hits=hits,
        all_words=all_words,
    )


@bp.get("/suggest")
def suggest() -> Response:
    """Top five public articles for ``q`` (JSON), for the new-request form."""
    return jsonify(
        pages.suggestions_json("public", lambda a: url_for("portal_kb.show", article_id=a.id))
    )


@bp.get("/<int:article_id>")
def show(article_id: int) -> str:
    """A public article, with "this helped" and "this solved my problem"."""
    article = _article(article_id)
    pages.count_view_once(article)
    return render_template(
        "knowledge/portal_show.html",
        article=article,
        body_html=portal_links(render_markdown(article.body)),
        tags=tag_titles(article),
        voted=services.has_voted(db.session, current_user, article),
    )


@bp.post("/<int:article_id>/helped")
def helped(article_id: int) -> Response:
    """ "This helped": one vote per customer user."""
    article = _article(article_id)
    if services.vote_helped(db.session, current_user, article):
        flash(gettext("Thank you: your vote was counted."), "success")
    else:
        flash(gettext("You have already said this article helped."), "info")
    return redirect(url_for("portal_kb.show", article_id=article.id))


@bp.post("/<int:article_id>/solved")
def solved(article_id: int) -> Response:
    """ "This solved my problem": no request is submitted; the article counts a deflection."""
    article = _article(article_id)
    services.record_deflection(db.session, current_user, article)
    flash(gettext("Glad the article helped. No request was submitted."), "success")
    return redirect(url_for("portal.my_requests"))


@bp.get("/<int:article_id>/files/<int:attachment_id>")
def attachment(article_id: int, attachment_id: int) -> Response:
    """A file of a public article."""
    article = _article(article_id)
    found = services.readable_attachment(db.session, current_user, article.id, attachment_id)
    return send_attachment(found)


def init_app(app: Flask) -> None:
    """Register ``/portal/kb``."""
    app.register_blueprint(bp)
