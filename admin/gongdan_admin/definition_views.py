"""Definitions: each kind's definitions and revisions; draft, validate, diff, publish, rollback.

The pages live in :mod:`gongdan_admin.definitions`; this module only registers them.
"""

from __future__ import annotations

from flask_admin import Admin
from flask_babel import lazy_gettext

from gongdan.definitions.extensions import extensions_from_plugins
from gongdan_admin.definitions.kinds import kind_pages
from gongdan_admin.definitions.ticket_types import TicketTypeView, register_ticket_type_panels
from gongdan_admin.definitions.views import DefinitionKindView

#: The menu entry the kinds' pages are grouped under.
CATEGORY = lazy_gettext("Definitions")


def register(admin: Admin) -> None:
    """Add one page per definition kind, core kinds first, then the plugins' kinds."""
    assert admin.app is not None
    extensions = extensions_from_plugins(admin.app.extensions["gongdan.plugins"])
    register_ticket_type_panels()
    for page in kind_pages(extensions):
        view = TicketTypeView if page.kind == "TicketType" else DefinitionKindView
        admin.add_view(view(page, category=CATEGORY))
