"""Definition packs: upload a zip, read its validation report, install; download the active set."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, redirect, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_admin import Admin, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from gongdan.audit.services import record_change
from gongdan.db import db
from gongdan.definitions.extensions import Extensions, extensions_from_plugins
from gongdan.definitions.install_plan import InstallPlan, plan_install
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.pack_archive import (
    ArchiveLimits,
    export_pack_archive,
    load_pack_archive,
    read_archive,
)
from gongdan.definitions.packs import LoadedPack
from gongdan.definitions.problems import Problem
from gongdan.definitions.registry import (
    InstallReport,
    active_generation,
    active_revisions,
    definition_from_revision,
    install_pack,
)
from gongdan.definitions.validate import has_errors, validate_pack
from gongdan.errors import DefinitionError, PackArchiveError
from gongdan_admin.pack_uploads import PackUploads, StoredUpload
from gongdan_admin.security import SecuredView

#: Audit action of an install from the admin GUI.
INSTALL_ACTION = "pack.install"

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")

_ARCHIVE_MESSAGES: dict[str, Any] = {
    "not_a_zip": lazy_gettext("The file is not a zip archive."),
    "unsafe_path": lazy_gettext(
        "%(member)s points outside the pack's folder or has an unusable name; "
        "such archives are refused."
    ),
    "link": lazy_gettext("%(member)s is a link or a special file; a pack holds plain files only."),
    "encrypted": lazy_gettext("%(member)s is encrypted; upload an archive without a password."),
    "damaged": lazy_gettext("%(member)s is damaged and cannot be unpacked."),
    "duplicate": lazy_gettext("%(member)s is in the archive twice."),
    "too_many_files": lazy_gettext("The archive holds more than %(limit)s files."),
    "file_too_large": lazy_gettext("%(member)s is larger than %(limit)s once unpacked."),
    "too_large": lazy_gettext("The archive holds more than %(limit)s once unpacked."),
    "no_pack_file": lazy_gettext(
        "The archive has no pack.yaml, neither at its top nor in its only top-level folder."
    ),
}


def megabytes(size: int) -> str:
    """``32 MB`` (one decimal below 10 MB): how limits are shown."""
    value = size / (1024 * 1024)
    return f"{value:.1f} MB" if value < 10 else f"{value:.0f} MB"


def archive_message(error: PackArchiveError) -> str:
    """What went wrong with an archive, in the user's language."""
    template = _ARCHIVE_MESSAGES.get(error.reason)
    if template is None:
        return error.message
    limit = error.limit or 0
    shown = str(limit) if error.reason == "too_many_files" else megabytes(limit)
    return str(template) % {"member": error.member or "", "limit": shown}


def app_extensions() -> Extensions:
    """What the app's plugins add to definitions (kinds, field types, functions)."""
    return extensions_from_plugins(current_app.extensions["gongdan.plugins"])


def archive_limits() -> ArchiveLimits:
    """The app's limits for uploaded archives (``GONGDAN_PACK_LIMITS``, else the defaults)."""
    limits = current_app.config.get("GONGDAN_PACK_LIMITS")
    return limits if isinstance(limits, ArchiveLimits) else ArchiveLimits()


def validate_with_installed(pack: LoadedPack, active: list[DefinitionRevision]) -> list[Problem]:
    """The pack's problems together with the installed set, as :func:`install_pack` checks."""
    incoming = {(d.kind, d.key) for d in pack.definitions}
    installed = [
        definition_from_revision(revision)
        for revision in active
        if (revision.kind, revision.key) not in incoming
    ]
    return validate_pack(pack, installed=installed, extensions=app_extensions())


def export_meta(active: list[DefinitionRevision], key: str, version: str) -> dict[str, Any]:
    """``pack.yaml`` of a download: the key and version asked for, the plugins it needs."""
    meta: dict[str, Any] = {
        "key": key,
        "version": version,
        "title": {"zh": "导出的定义", "en": "Exported definitions"},
    }
    plugins = sorted({r.kind.split(".", 1)[0] for r in active if "." in r.kind})
    if plugins:
        meta["requires"] = {"plugins": plugins}
    return meta


def default_identity(active: list[DefinitionRevision]) -> tuple[str, str]:
    """The key and version a download suggests: the one pack's, when one pack made the set."""
    keys = {r.pack_key for r in active}
    if len(keys) == 1 and None not in keys:
        versions = sorted(r.pack_version for r in active if r.pack_version)
        return str(next(iter(keys))), versions[-1] if versions else "1.0.0"
    return "exported", "1.0.0"


def _record_install(
    pack: LoadedPack, plan: InstallPlan, generation_before: int
) -> Callable[[InstallReport], None]:
    """The ``before_commit`` of an install: one audit entry naming every revision written."""
    previous = {f"{i.kind}/{i.key}": i.active_revision for i in plan.with_action("change")}

    def record(report: InstallReport) -> None:
        after: dict[str, Any] = {f"{kind}/{key}": rev for kind, key, rev in report.created}
        after["generation"] = report.generation
        before: dict[str, Any] = {ref: previous.get(ref) for ref in after if ref != "generation"}
        before["generation"] = generation_before
        key = pack.key or "?"
        version = pack.meta.version if pack.meta is not None else ""
        record_change(
            db.session,
            actor=current_user._get_current_object(),
            action=INSTALL_ACTION,
            target_type="pack",
            target_id=key,
            before=before,
            after=after,
            summary=(
                f"installed pack {key} {version}: {len(report.created)} revisions created, "
                f"{len(report.unchanged)} unchanged"
            ),
            address=request.remote_addr,
        )

    return record


class PackView(SecuredView):
    """Upload a pack zip, read its report and install it; download the active set as a zip."""

    def create_blueprint(self, admin: Admin) -> Blueprint:
        blueprint: Blueprint = super().create_blueprint(admin)
        blueprint.register_error_handler(RequestEntityTooLarge, self._too_large)
        return blueprint

    @property
    def uploads(self) -> PackUploads:
        return PackUploads(Path(current_app.instance_path) / "pack_uploads")

    # ------------------------------------------------------------------------------- pages

    @expose("/")
    def index(self) -> ResponseReturnValue:
        return self._index()

    @expose("/upload", methods=["POST"])
    def upload(self) -> ResponseReturnValue:
        file = request.files.get("pack")
        if file is None or not file.filename:
            return self._index(_("Choose a pack archive (.zip) to upload."), 400)
        data = file.read()
        try:
            read_archive(data, archive_limits())
        except PackArchiveError as error:
            return self._index(archive_message(error), 422)
        token = self.uploads.store(data, Path(file.filename).name)
        return redirect(url_for(".report", token=token))

    @expose("/upload/<token>")
    def report(self, token: str) -> ResponseReturnValue:
        return self._report(self._stored(token))

    @expose("/upload/<token>/install", methods=["POST"])
    def install(self, token: str) -> ResponseReturnValue:
        stored = self._stored(token)
        if request.form.get("confirm") != "yes":
            message = _("Tick the box to confirm that you have read the report.")
            return self._report(stored, error=message, status=400)
        generation = active_generation(db.session)
        if request.form.get("generation") != str(generation):
            message = _(
                "The installed definitions changed since this report was made. "
                "Read the new report, then install."
            )
            return self._report(stored, error=message, status=409)
        pack = load_pack_archive(stored.data, archive_limits())
        plan = plan_install(pack.definitions, active_revisions(db.session))
        try:
            report = install_pack(
                db.session,
                pack,
                author=current_user.username,
                extensions=app_extensions(),
                before_commit=_record_install(pack, plan, generation),
            )
        except DefinitionError as error:
            if error.problems:
                message = _(
                    "Nothing was installed: together with the installed definitions the pack "
                    "has the errors below."
                )
            else:  # another change was saved at the same moment
                message = _("Nothing was installed: %(reason)s", reason=error.message)
            return self._report(stored, problems=list(error.problems), error=message, status=422)
        self.uploads.discard(token)
        flash(
            _(
                "Pack %(key)s installed: %(created)s revisions created, %(unchanged)s unchanged.",
                key=pack.key or "",
                created=len(report.created),
                unchanged=len(report.unchanged),
            ),
            "success",
        )
        return redirect(url_for(".index"))

    @expose("/download")
    def download(self) -> ResponseReturnValue:
        active = active_revisions(db.session)
        default_key, default_version = default_identity(active)
        key = request.args.get("key", "").strip() or default_key
        version = request.args.get("version", "").strip() or default_version
        if not _KEY.match(key) or not _VERSION.match(version):
            message = _(
                "A pack key is lower-case letters, digits and _ (like after_sales), "
                "a version like 1.0.0."
            )
            return self._index(message, 400)
        definitions = [definition_from_revision(revision) for revision in active]
        data = export_pack_archive(definitions, export_meta(active, key, version))
        return send_file(
            io.BytesIO(data),
            mimetype="application/zip",
            as_attachment=True,
            download_name=f"{key}-{version}.zip",
        )

    # ----------------------------------------------------------------------------- helpers

    def _stored(self, token: str) -> StoredUpload:
        stored = self.uploads.get(token)
        if stored is None:
            raise NotFound()
        return stored

    def _index(self, error: str | None = None, status: int = 200) -> ResponseReturnValue:
        active = active_revisions(db.session)
        key, version = default_identity(active)
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        page = self.render(
            "admin/gongdan/packs.html",
            error=error,
            active_count=len(active),
            packs=sorted({r.pack_key or "—" for r in active}),
            generation=active_generation(db.session),
            default_key=key,
            default_version=version,
            upload_limit=megabytes(limit) if limit else None,
        )
        return page, status

    def _report(
        self,
        stored: StoredUpload,
        *,
        problems: list[Problem] | None = None,
        error: str | None = None,
        status: int = 200,
    ) -> ResponseReturnValue:
        try:
            pack = load_pack_archive(stored.data, archive_limits())
        except PackArchiveError as archive_error:  # the limits were lowered since the upload
            return self._index(archive_message(archive_error), 422)
        active = active_revisions(db.session)
        if problems is None:
            problems = validate_with_installed(pack, active)
        errors = [p for p in problems if p.severity == "error"]
        page = self.render(
            "admin/gongdan/pack_report.html",
            stored=stored,
            pack=pack,
            problems=problems,
            error_count=len(errors),
            files=len({p.file for p in errors}),
            plan=plan_install(pack.definitions, active),
            can_install=not has_errors(problems),
            generation=active_generation(db.session),
            error=error,
        )
        return page, status

    def _too_large(self, error: RequestEntityTooLarge) -> ResponseReturnValue:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        message = _(
            "The file is larger than the %(limit)s this server accepts. "
            "A pack is usually far smaller: check that you chose the right file.",
            limit=megabytes(limit),
        )
        return self._index(message, 413)


def register(admin: Admin) -> None:
    """Add this part's views to ``admin``."""
    admin.add_view(PackView(name=lazy_gettext("Packs"), endpoint="packs", url="packs"))
