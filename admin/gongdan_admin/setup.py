"""Builds the admin GUI of one application (a new :class:`~flask_admin.Admin` per app)."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext

from gongdan_admin import (
    condition_builder,
    definition_views,
    diagrams,
    knowledge,
    migrations,
    operations,
    packs,
    reference,
)
from gongdan_admin.home import AdminHome

#: Where the admin GUI is served.
ADMIN_URL = "/admin"

#: Carries the admin's templates and static files (vendored editors); it has no routes.
assets = Blueprint(
    "gongdan_admin",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/admin-static",
)


def init_app(app: Flask) -> Admin:
    """Attach the admin GUI to ``app`` and let plugins add their views.

    Flask-Admin views are bound to one :class:`Admin`, and the tests build many apps: every
    call creates its own ``Admin`` and its own view objects.
    """
    app.register_blueprint(assets)
    admin = Admin(
        app,
        name="工单 Gongdan",
        url=ADMIN_URL,
        index_view=AdminHome(name=lazy_gettext("Home"), url=ADMIN_URL, endpoint="admin"),
        theme=Bootstrap4Theme(swatch="flatly", fluid=True, base_template="admin/gongdan/base.html"),
    )
    app.extensions["gongdan.admin"] = admin
    for part in (
        definition_views,
        packs,
        reference,
        operations,
        diagrams,
        migrations,
        condition_builder,
        knowledge,
    ):
        part.register(admin)
    app.extensions["gongdan.plugins"].hook.gongdan_admin_views(admin=admin, app=app)
    return admin
