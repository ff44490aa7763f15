"""Knowledge-base articles in the admin GUI: list, search, filter, write, publish, audited.

The body is a Markdown textarea with a live preview rendered by the server
(:func:`gongdan.knowledge.markdown.render_markdown`, the same safe renderer readers get);
files are added on the article's workspace editor (``/kb/<id>/edit``), linked from the list.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, request, url_for
from flask_admin import Admin
from flask_admin.actions import action
from flask_babel import gettext, lazy_gettext
from markupsafe import Markup
from wtforms import SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from gongdan.audit.services import record_change
from gongdan.db import db
from gongdan.definitions.registry import compiled_active_set
from gongdan.i18n import local_text
from gongdan.knowledge.indexing import FAULT_CODE_LIST, PRODUCT_MODEL_LIST
from gongdan.knowledge.models import STATUSES, VISIBILITIES, KbArticle
from gongdan.knowledge.services import set_status
from gongdan_admin.audited import AuditedModelView, acting_user

#: The menu category of the knowledge base.
CATEGORY = lazy_gettext("Knowledge base")

LABELS: dict[str, Any] = {
    "title": lazy_gettext("Title"),
    "category": lazy_gettext("Category"),
    "status": lazy_gettext("Status"),
    "visibility": lazy_gettext("Visibility"),
    "product_models": lazy_gettext("Product models"),
    "fault_codes": lazy_gettext("Fault codes"),
    "body": lazy_gettext("Text (Markdown)"),
    "view_count": lazy_gettext("views"),
    "helped_count": lazy_gettext("helped"),
    "solved_count": lazy_gettext("solved"),
    "deflection_count": lazy_gettext("deflected"),
    "updated_at": lazy_gettext("Updated"),
    "author": lazy_gettext("Author"),
}


class MarkdownArea(TextAreaField):
    """The body's textarea, wired to the preview (``gongdan/static/knowledge.js``)."""

    def __call__(self, **kwargs: Any) -> Any:
        kwargs.setdefault("rows", 18)
        kwargs.setdefault("class", "form-control text-monospace")
        kwargs["data-kb-preview"] = url_for("knowledge.preview")
        kwargs["data-kb-preview-target"] = "kb-preview"
        preview = Markup('<div class="border rounded p-2 mt-2 bg-white" id="kb-preview"></div>')
        return super().__call__(**kwargs) + preview


def _files_link(view: Any, context: Any, model: KbArticle, name: str) -> Markup:
    url = url_for("knowledge.edit", article_id=model.id)
    return Markup('<a href="{}">{}</a>').format(url, gettext("Files and editor"))


class KbArticleView(AuditedModelView):
    """Articles: every change audited; publish and unpublish as list actions too."""

    column_list = (
        "title", "category", "status", "visibility", "view_count", "helped_count",
        "solved_count", "deflection_count", "updated_at", "files",
    )  # fmt: skip
    column_searchable_list = ("title", "body", "category")
    column_filters = ("category", "status", "visibility")
    column_default_sort = ("updated_at", True)
    column_labels = {**LABELS, "files": lazy_gettext("Files")}
    column_formatters = {"files": _files_link}
    column_export_list = column_list[:-1]
    column_details_exclude_list = ("search_title", "search_tags", "search_body")
    form_columns = (
        "title", "category", "visibility", "status", "product_models", "fault_codes", "body",
    )  # fmt: skip
    form_overrides = {
        "visibility": SelectField,
        "status": SelectField,
        "product_models": SelectMultipleField,
        "fault_codes": SelectMultipleField,
        "body": MarkdownArea,
    }
    form_args = {
        "title": {"validators": [InputRequired(), Length(max=200)]},
        "category": {"validators": [Optional(), Length(max=80)]},
        "body": {"validators": [Length(max=100_000)]},
        "visibility": {"choices": [(v, v) for v in VISIBILITIES]},
        "status": {"choices": [(s, s) for s in STATUSES]},
        "product_models": {"choices": [], "validators": [Optional()]},
        "fault_codes": {"choices": [], "validators": [Optional()]},
    }
    extra_js: list[str] = []

    def _with_options(self, form: Any) -> Any:
        active = compiled_active_set(db.session)
        for name, list_key in (
            ("product_models", PRODUCT_MODEL_LIST),
            ("fault_codes", FAULT_CODE_LIST),
        ):
            option_list = active.option_lists.get(list_key)
            getattr(form, name).choices = [
                (str(o["value"]), local_text(o.get("title"), str(o["value"])))
                for o in (option_list.options if option_list else ())
            ]
        return form

    def create_form(self, obj: Any = None) -> Any:
        return self._with_options(super().create_form(obj))

    def edit_form(self, obj: Any = None) -> Any:
        return self._with_options(super().edit_form(obj))

    def render(self, template: str, **kwargs: Any) -> Any:
        self.extra_js = [url_for("static", filename="knowledge.js")]
        return super().render(template, **kwargs)

    def on_model_change(self, form: Any, model: KbArticle, is_created: bool) -> None:
        if is_created and model.author_id is None:
            user = acting_user()
            model.author_id = user.id if user is not None else None
        set_status(model, model.status)
        model.product_models = list(model.product_models or [])
        model.fault_codes = list(model.fault_codes or [])
        super().on_model_change(form, model, is_created)

    def _set_status(self, ids: list[str], status: str) -> None:
        session = db.session
        articles = session.scalars(
            sa.select(KbArticle).where(KbArticle.id.in_([int(i) for i in ids]))
        ).all()
        for article in articles:
            if article.status == status:
                continue
            before = article.status
            set_status(article, status)
            record_change(
                session, actor=acting_user(), action="update", target_type="KbArticle",
                target_id=article.id, before={"status": before}, after={"status": status},
                summary=f"{status}: {article.title}", address=request.remote_addr,
            )  # fmt: skip
        session.commit()
        flash(gettext("Articles changed: %(count)s.", count=len(articles)), "success")

    @action("publish", lazy_gettext("Publish"), lazy_gettext("Publish the selected articles?"))
    def action_publish(self, ids: list[str]) -> None:
        """Publish the selected articles (audited)."""
        self._set_status(ids, "published")

    @action(
        "unpublish",
        lazy_gettext("Unpublish"),
        lazy_gettext("Make the selected articles drafts again?"),
    )
    def action_unpublish(self, ids: list[str]) -> None:
        """Take the selected articles back to draft (audited)."""
        self._set_status(ids, "draft")


def register(admin: Admin) -> None:
    """Add the knowledge base's views to ``admin``."""
    admin.add_view(
        KbArticleView(
            KbArticle,
            db,
            name=lazy_gettext("Articles"),
            endpoint="kb_articles",
            url="kb-articles",
            category=CATEGORY,
        )  # fmt: skip
    )
