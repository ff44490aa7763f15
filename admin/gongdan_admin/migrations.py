"""Safe publishing, the risky parts: the dry run of a draft, and moving open tickets.

* ``/admin/dry-run/?revision=<id>``: the pack's samples under the active set and with the
  draft in place, side by side, and the open tickets pinned to the revision it replaces;
* ``/admin/migrate/?old=<id>&new=<id>``: the breaking changes between two revisions, a form
  mapping each removed state and changed field to the new revision's (selects, no YAML), how
  many tickets the mapping moves and leaves, and a button that starts the background job;
  ``/admin/migrate/<migration id>`` shows its progress and result.

The definitions editor links to both by URL.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_admin import Admin, expose
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from gongdan.cli import default_pack_path
from gongdan.db import db
from gongdan.definitions.dry_run import dry_run
from gongdan.definitions.extensions import Extensions, extensions_from_plugins
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.packs import Sample, load_pack
from gongdan.errors import GongdanError
from gongdan.tickets.migration import (
    MigrationPlan,
    plan_migration,
    preview_migration,
    start_migration,
)
from gongdan.tickets.models import TicketMigration
from gongdan.workflow.remap import RevisionMapping
from gongdan_admin.audited import acting_user
from gongdan_admin.security import SecuredView

#: The menu entry these pages are listed under.
CATEGORY = lazy_gettext("Definitions")
#: The form value meaning "drop this field's values".
DROP_CHOICE = "__drop__"


@functools.cache
def _samples(path: str) -> tuple[Sample, ...]:
    return load_pack(Path(path)).samples


def pack_samples() -> tuple[Sample, ...]:
    """The sample tickets of the installed default pack (read once per process)."""
    return _samples(str(default_pack_path()))


def _extensions() -> Extensions:
    return extensions_from_plugins(current_app.extensions["gongdan.plugins"])


class DryRunView(SecuredView):
    """What publishing one draft would change, on the pack's sample tickets."""

    @expose("/")
    def index(self) -> str:
        revision_id = request.args.get("revision", type=int)
        drafts = db.session.scalars(
            select(DefinitionRevision)
            .where(DefinitionRevision.status == "draft")
            .order_by(DefinitionRevision.id.desc())
            .limit(50)
        ).all()
        report, error = None, None
        if revision_id is not None:
            try:
                report = dry_run(
                    db.session, [revision_id], pack_samples(), extensions=_extensions()
                )
            except GongdanError as problem:
                error = problem.message
            finally:
                db.session.rollback()
        return self.render(
            "admin/gongdan/dry_run.html",
            revision_id=revision_id,
            drafts=drafts,
            report=report,
            error=error,
        )


def mapping_from_form(plan: MigrationPlan, form: Any) -> RevisionMapping:
    """The mapping the form submitted: ``state:<key>`` and ``field:<key>`` selects."""
    states = {
        change.subject: form.get(f"state:{change.subject}", "")
        for change in plan.changes
        if change.maps_state
    }
    fields: dict[str, str | None] = {}
    for change in plan.changes:
        if change.code in ("field_removed", "field_type_changed"):
            value = form.get(f"field:{change.subject}", "")
            fields[change.subject] = None if value in ("", DROP_CHOICE) else value
    return RevisionMapping(states={k: v for k, v in states.items() if v}, fields=fields)


def suggested_mapping(plan: MigrationPlan) -> RevisionMapping:
    """The mapping the form starts with: the suggested replacement of each removed state and
    field, a changed field to itself, nothing where there is no suggestion."""
    states = {c.subject: c.suggestion for c in plan.changes if c.maps_state and c.suggestion}
    fields: dict[str, str | None] = {}
    for change in plan.changes:
        if change.code == "field_removed" and change.suggestion:
            fields[change.subject] = change.suggestion
        elif change.code == "field_type_changed":
            fields[change.subject] = change.subject
    return RevisionMapping(states=states, fields=fields)


class MigrateView(SecuredView):
    """Map the breaking changes of a publish and move the open tickets in the background."""

    @expose("/", methods=("GET", "POST"))
    def index(self) -> Any:
        old_id = request.args.get("old", type=int)
        new_id = request.args.get("new", type=int)
        if old_id is None or new_id is None:
            return self._page(error=gettext("Give the old and the new revision (old=…&new=…)."))
        try:
            plan = plan_migration(db.session, old_id, new_id)
        except GongdanError as problem:
            db.session.rollback()
            return self._page(error=problem.message)
        if request.method == "POST":
            mapping = mapping_from_form(plan, request.form)
        else:
            mapping = suggested_mapping(plan)
        preview = preview_migration(db.session, plan, mapping)
        if request.method == "POST" and request.form.get("action") == "start":
            try:
                migration = start_migration(
                    db.session, acting_user(), plan, mapping, address=request.remote_addr
                )
            except GongdanError as problem:
                db.session.rollback()
                flash(problem.message, "error")
            else:
                flash(gettext("The migration is queued."), "success")
                return redirect(url_for(".result", migration_id=migration.id))
        db.session.rollback()
        return self._page(plan=plan, mapping=mapping, preview=preview, drop=DROP_CHOICE)

    @expose("/<int:migration_id>")
    def result(self, migration_id: int) -> Any:
        migration = db.session.get(TicketMigration, migration_id, populate_existing=True)
        if migration is None:
            return self._page(error=gettext("No migration %(id)s.", id=migration_id)), 404
        revisions = {
            r.id: r
            for r in db.session.scalars(
                select(DefinitionRevision).where(
                    DefinitionRevision.id.in_(
                        (migration.old_revision_id, migration.new_revision_id)
                    )
                )
            )
        }
        return self.render(
            "admin/gongdan/migration_result.html", migration=migration, revisions=revisions
        )

    def _page(self, **values: Any) -> str:
        values.setdefault("plan", None)
        values.setdefault("error", None)
        return self.render("admin/gongdan/migrate.html", **values)


def register(admin: Admin) -> None:
    """Add the dry run and the ticket migration pages to ``admin``."""
    admin.add_view(
        DryRunView(name=lazy_gettext("Dry run"), endpoint="dry_run", url="dry-run",
                   category=CATEGORY)
    )  # fmt: skip
    admin.add_view(
        MigrateView(name=lazy_gettext("Migrate open tickets"), endpoint="migrate",
                    url="migrate", category=CATEGORY)
    )  # fmt: skip
