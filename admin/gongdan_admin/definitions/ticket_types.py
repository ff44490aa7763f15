"""The TicketType helper: the field list as rows, and a live preview of the generated form.

The preview compiles the active set with the edited ticket type in place and draws its create
form with the same code the agent's new-ticket page uses (:func:`gongdan.forms.render.build_form`
and the ``forms/_fields.html`` macros), so what the admin sees is what the agent will get.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_admin import expose
from flask_babel import lazy_gettext
from werkzeug.wrappers import Response

from gongdan import i18n
from gongdan.db import db
from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.documents import Definition
from gongdan.definitions.registry import active_definitions
from gongdan.definitions.semantic.fieldtypes import registry_for
from gongdan.definitions.validate import active_set
from gongdan.errors import DefinitionError
from gongdan.forms.render import build_form
from gongdan_admin.definitions.editing import errors_of
from gongdan_admin.definitions.panels import Panel, add_panel
from gongdan_admin.definitions.views import DefinitionKindView, app_extensions

FIELDS_PANEL = Panel(
    "fields",
    lazy_gettext("Fields and preview"),
    "admin/gongdan/definitions/panels/ticket_fields.html",
)
PREVIEW_TEMPLATE = "admin/gongdan/definitions/preview.html"


def field_type_names() -> list[str]:
    """Every field type a ticket type may use (core and the plugins'), sorted."""
    return sorted(registry_for(app_extensions()).names())


def option_list_keys() -> list[str]:
    """The keys of the active option lists, for a select field's ``options``."""
    return sorted(d.key for d in active_definitions(db.session) if d.kind == "OptionList")


def _local(text: Any, fallback: str) -> str:
    return i18n.local_text(text, fallback)


class TicketTypeView(DefinitionKindView):
    """The TicketType pages, with the field rows panel and the preview endpoint."""

    def _editor_context(self) -> dict[str, Any]:
        return {"field_types": field_type_names(), "option_lists": option_list_keys()}

    @expose("/preview", methods=("POST",))
    def preview(self) -> Response:
        """The create form of the posted ticket type document, as an agent would see it."""
        payload = request.get_json(silent=True) or {}
        document = payload.get("document")
        problems: list[str] = []
        form = None
        if isinstance(document, dict) and isinstance(document.get("key"), str):
            draft = Definition(kind=self.kind, key=document["key"], document=document)
            candidate = active_set(active_definitions(db.session), [draft])
            try:
                compiled = compile_definitions(candidate, extensions=app_extensions())
            except DefinitionError as error:
                problems = [p.format() for p in errors_of(error.problems)]
            else:
                ticket_type = compiled.ticket_types[draft.key]
                values = {f.key: f.default for f in ticket_type.fields if f.has_default}
                form = build_form(
                    ticket_type,
                    values=values,
                    audience="agent",
                    roles=("agent",),
                    creating=True,
                    option_lists=compiled.option_lists,
                    local=_local,
                )
        page = render_template(PREVIEW_TEMPLATE, form=form, problems=problems)
        return Response(page, mimetype="text/html")


def register_ticket_type_panels() -> None:
    """Show the field rows panel on the TicketType editor."""
    add_panel("TicketType", FIELDS_PANEL)
