"""Reference data: users, departments, skills, availability, customers and their installed base.

Each view is served at ``/admin/<slug>/`` with the endpoint ``ref_<slug>`` (the product's own
blueprints already use names such as ``customers``).
"""

from __future__ import annotations

from typing import Any

from flask_admin import Admin
from flask_babel import lazy_gettext

from gongdan.accounts.models import Department, User
from gongdan.db import db
from gongdan_admin import customer_views
from gongdan_admin.audited import AuditedModelView
from gongdan_admin.people import DepartmentView, EngineerView, UserView

#: The menu category of these views.
CATEGORY = lazy_gettext("Reference data")

#: The views, in menu order: class, model, menu title, URL slug.
VIEWS: tuple[tuple[type[AuditedModelView], type[Any], Any, str], ...] = (
    (UserView, User, lazy_gettext("Users"), "users"),
    (DepartmentView, Department, lazy_gettext("Departments"), "departments"),
    (EngineerView, User, lazy_gettext("Engineers"), "engineers"),
    *customer_views.VIEWS,
)


def register(admin: Admin) -> None:
    """Add this part's views to ``admin``."""
    for view, model, name, slug in VIEWS:
        admin.add_view(
            view(model, db, name=name, endpoint=f"ref_{slug}", url=slug, category=CATEGORY)
        )
