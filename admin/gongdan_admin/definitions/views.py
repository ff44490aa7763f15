"""One admin page per definition kind: the list, a definition's history, and its editor.

URLs under ``/admin/definitions/<Kind>/``::

    /                     every definition of the kind: active revision, pack, author, draft
    /new                  the editor for a new definition
    /<key>/               the definition's revision history, with roll back
    /<key>/edit           the editor (YAML and form); POST: validate, diff, save, publish
    /<key>/rollback       POST: re-activate an earlier revision
    /convert              POST (JSON): YAML → document and back, for switching editor views
    /preview              POST (JSON, TicketType only): the generated create form, see
                          :mod:`gongdan_admin.definitions.ticket_types`

Every write goes through :mod:`gongdan_admin.definitions.changes` (audited, one transaction);
every page derives from :class:`~gongdan_admin.security.SecuredView`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gongdan.db import db
from gongdan.definitions.extensions import Extensions, extensions_from_plugins
from gongdan.definitions.loader import load_text
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.problems import Problem
from gongdan.definitions.registry import revision_history
from gongdan.errors import DefinitionError, DefinitionNotFound
from gongdan.tickets.migration import MIGRATABLE_KINDS, plan_migration, start_migration
from gongdan.workflow.remap import RevisionMapping
from gongdan_admin.definitions.changes import (
    Actor,
    publish_audited,
    rollback_audited,
    save_audited_draft,
)
from gongdan_admin.definitions.editing import (
    EditorText,
    active_of,
    errors_of,
    latest_draft,
    ordered_like,
    read_editor_text,
    unified_diff,
    validate_in_active_set,
    yaml_of,
)
from gongdan_admin.definitions.kinds import KindPage, editor_schema
from gongdan_admin.definitions.listing import kind_summaries
from gongdan_admin.definitions.panels import panels_for
from gongdan_admin.security import SecuredView

EDITOR_ACTIONS = ("validate", "diff", "save", "publish")


def app_extensions() -> Extensions:
    """What the app's plugins add to the definition language (as ``gongdan pack`` sees it)."""
    return extensions_from_plugins(current_app.extensions["gongdan.plugins"])


def current_actor() -> Actor:
    """The logged-in admin and their address, for the audit trail."""
    return Actor(current_user._get_current_object(), request.remote_addr)


def new_definition_text(kind: str) -> str:
    """What the new-definition editor starts with: the envelope, to be filled in."""
    return f"kind: {kind}\nkey: \ntitle: {{zh: , en: }}\nspec: {{}}\n"


def migration_notice(
    session: Session,
    previous: DefinitionRevision | None,
    published: DefinitionRevision,
    actor: Actor | None = None,
) -> tuple[Markup, str] | None:
    """What happens to the open tickets pinned to ``previous`` after ``published`` went live.

    * A change that only adds (a new optional field, a new state or transfer path) moves them
      at once (DESIGN §5.4): a migration with an empty mapping is queued, audited as the
      publishing admin's, and the notice links to its progress.
    * A breaking change leaves them on ``previous`` — they keep working there — and the notice
      links to the migrate page, where the admin maps states and fields.

    Returns the notice and its flash category; ``None`` when there is nothing to say (no open
    ticket on ``previous``, nothing was active before, or the kind pins no tickets). Commits
    when it queues a migration.
    """
    if previous is None or previous.id == published.id or published.kind not in MIGRATABLE_KINDS:
        return None
    plan = plan_migration(session, previous.id, published.id)
    if not plan.changes:
        if plan.open_tickets == 0 or plan.blocked:
            return None
        migration = start_migration(
            session,
            actor.user if actor is not None else None,
            plan,
            RevisionMapping(),
            address=actor.address if actor is not None else None,
        )
        text = gettext(
            "The change only adds: %(count)s open tickets move to revision %(number)s now.",
            count=plan.open_tickets,
            number=published.revision,
        )
        link = url_for("migrate.result", migration_id=migration.id)
        notice = Markup('{} <a href="{}" id="auto-migration-link" data-open-tickets="{}">{}</a>')
        return notice.format(text, link, plan.open_tickets, gettext("See the move")), "info"
    link = url_for("migrate.index", old=previous.id, new=published.id)
    text = gettext(
        "Revision %(number)s has breaking changes: %(count)s open tickets are still on revision "
        "%(old)s and keep working on it until they are moved.",
        number=published.revision,
        count=plan.open_tickets,
        old=previous.revision,
    )
    notice = Markup('{} <a href="{}" id="migrate-link" data-open-tickets="{}">{}</a>')
    return notice.format(text, link, plan.open_tickets, gettext("Move the open tickets")), "warning"


class DefinitionKindView(SecuredView):
    """The pages of one definition kind (one instance per kind, see :func:`register`)."""

    list_template = "admin/gongdan/definitions/list.html"
    detail_template = "admin/gongdan/definitions/detail.html"
    editor_template = "admin/gongdan/definitions/editor.html"

    def __init__(self, page: KindPage, **kwargs: Any) -> None:
        self.kind = page.kind
        super().__init__(name=page.name, endpoint=page.endpoint, url=page.url, **kwargs)

    # ------------------------------------------------------------------------------ reads

    @expose("/")
    def index(self) -> str:
        return self.render(self.list_template, kind=self.kind, rows=kind_summaries(self.kind))

    @expose("/<key>/")
    def detail(self, key: str) -> str:
        history = revision_history(db.session, self.kind, key)
        if not history:
            abort(404)
        return self.render(
            self.detail_template,
            kind=self.kind,
            key=key,
            history=history,
            active=active_of(history),
            draft=latest_draft(history),
        )

    @expose("/new", methods=("GET", "POST"))
    def new(self) -> str | Response:
        return self._editor(None)

    @expose("/<key>/edit", methods=("GET", "POST"))
    def edit(self, key: str) -> str | Response:
        return self._editor(key)

    # ----------------------------------------------------------------------------- writes

    @expose("/<key>/rollback", methods=("POST",))
    def rollback(self, key: str) -> Response:
        number = request.form.get("revision", type=int)
        if number is None:
            abort(400)
        try:
            revision = rollback_audited(
                db.session,
                self.kind,
                key,
                number,
                actor=current_actor(),
                extensions=app_extensions(),
            )
        except DefinitionNotFound:
            abort(404)
        except DefinitionError as error:
            flash(gettext("Nothing was changed: %(reason)s", reason=error.message), "error")
            for problem in error.problems:
                flash(problem.format(), "error")
        else:
            flash(
                gettext("Revision %(number)s is active again.", number=revision.revision), "success"
            )
        return redirect(url_for(".detail", key=key))

    @expose("/convert", methods=("POST",))
    def convert(self) -> Response:
        """Switch editor views: ``{"yaml": text}`` → document, ``{"document": {...}}`` → YAML.

        With the document, ``like`` (the YAML it was made from) gives the order of its keys.
        """
        payload = request.get_json(silent=True) or {}
        if isinstance(payload.get("document"), dict):
            before, _ = load_text(str(payload.get("like", "")), "editor.yaml")
            model = before[0].document if len(before) == 1 else None
            return jsonify(yaml=yaml_of(ordered_like(payload["document"], model)))
        definitions, problems = load_text(str(payload.get("yaml", "")), "editor.yaml")
        if problems or len(definitions) != 1:
            return jsonify(problems=[p.as_dict() for p in problems]), 422  # type: ignore[return-value]
        return jsonify(document=definitions[0].document)

    # ----------------------------------------------------------------------------- editor

    def _editor(self, key: str | None) -> str | Response:
        history = revision_history(db.session, self.kind, key) if key is not None else []
        if key is not None and not history:
            abort(404)
        extensions = app_extensions()
        if request.method == "POST":
            action = request.form.get("action", "validate")
            if action not in EDITOR_ACTIONS:
                abort(400)
            text = request.form.get("yaml", "")
            result = self._act(action, key, text, history, extensions)
            if isinstance(result, Response):
                return result
            return self._render_editor(key, history, text, extensions, **result)
        shown = self._revision_to_show(history)
        text = yaml_of(shown.document) if shown is not None else new_definition_text(self.kind)
        return self._render_editor(key, history, text, extensions, editing=shown)

    def _editor_context(self) -> dict[str, Any]:
        """More for the editor's template (its panels): kind-specific views add here."""
        return {}

    @staticmethod
    def _revision_to_show(history: list[DefinitionRevision]) -> DefinitionRevision | None:
        """``?revision=N`` when asked, else the waiting draft, else the active revision."""
        wanted = request.args.get("revision", type=int)
        if wanted is not None:
            chosen = next((r for r in history if r.revision == wanted), None)
            if chosen is None:
                abort(404)
            return chosen
        return latest_draft(history) or active_of(history) or (history[0] if history else None)

    def _act(
        self,
        action: str,
        key: str | None,
        text: str,
        history: list[DefinitionRevision],
        extensions: Extensions,
    ) -> dict[str, Any] | Response:
        """Run one editor button; a dict is shown with the editor, a response is a redirect."""
        parsed = read_editor_text(db.session, text, kind=self.kind, key=key)
        if not parsed.ok:
            return {"parsed": parsed, "problems": parsed.problems, "action": action}
        assert parsed.definition is not None
        if history:
            # An edit stays in the pack it came from (the pack download exports it there).
            pack = history[0].pack_key
            parsed = dataclasses.replace(
                parsed, definition=dataclasses.replace(parsed.definition, pack=pack)
            )
        if action == "diff":
            active = active_of(history)
            lines = unified_diff(
                active.document if active is not None else None,
                parsed.definition.document,
                before_name=f"{active.ref} (active)" if active else "(nothing active)",
                after_name=gettext("this text"),
            )
            return {"parsed": parsed, "problems": [], "diff": lines, "action": action}
        if action == "save":
            return self._save(parsed)
        problems = validate_in_active_set(db.session, parsed.definition, extensions=extensions)
        if action == "validate" or errors_of(problems):
            if action == "publish":
                flash(gettext("Not published: the definitions would have errors."), "error")
            return {"parsed": parsed, "problems": problems, "action": action, "validated": True}
        return self._publish(parsed, history, extensions)

    def _save(self, parsed: EditorText) -> Response:
        assert parsed.definition is not None
        revision = save_audited_draft(db.session, parsed.definition, actor=current_actor())
        flash(gettext("Draft revision %(number)s saved.", number=revision.revision), "success")
        return redirect(url_for(".edit", key=revision.key))

    def _publish(
        self, parsed: EditorText, history: list[DefinitionRevision], extensions: Extensions
    ) -> dict[str, Any] | Response:
        definition = parsed.definition
        assert definition is not None
        previous = active_of(history)
        draft = latest_draft(history)
        if draft is None or draft.content_hash != definition.content_hash:
            draft = save_audited_draft(db.session, definition, actor=current_actor())
        try:
            published = publish_audited(
                db.session, draft.id, actor=current_actor(), extensions=extensions
            )
        except DefinitionError as error:
            flash(gettext("Not published: %(reason)s", reason=error.message), "error")
            return {"parsed": parsed, "problems": list(error.problems), "action": "publish"}
        published_text = gettext(
            "Revision %(number)s is published and active.", number=published.revision
        )
        notice = migration_notice(db.session, previous, published, current_actor())
        db.session.rollback()
        if notice is None:
            flash(published_text, "success")
        else:
            text, category = notice
            flash(Markup("{} {}").format(published_text, text), category)
        return redirect(url_for(".detail", key=published.key))

    def _render_editor(
        self,
        key: str | None,
        history: list[DefinitionRevision],
        text: str,
        extensions: Extensions,
        *,
        editing: DefinitionRevision | None = None,
        parsed: EditorText | None = None,
        problems: list[Problem] | None = None,
        diff: list[Any] | None = None,
        action: str | None = None,
        validated: bool = False,
    ) -> str | Response:
        file = parsed.file if parsed is not None else None
        problems = problems or []
        here = [p for p in problems if file is not None and p.file == file]
        page = self.render(
            self.editor_template,
            kind=self.kind,
            key=key,
            text=text,
            history=history,
            editing=editing,
            active=active_of(history),
            draft=latest_draft(history),
            problems=problems,
            here=here,
            problems_json=[{**p.as_dict(), "here": p in here} for p in problems],
            diff=diff,
            action=action,
            validated=validated,
            schema=editor_schema(self.kind, extensions),
            panels=panels_for(self.kind),
            **self._editor_context(),
        )
        if not errors_of(problems):
            return page
        return Response(page, status=422, mimetype="text/html")
