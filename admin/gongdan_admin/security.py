"""The one place that decides who may use the admin GUI.

Every admin view mixes in :class:`AdminOnly`, the index view included, so a view added later
(by the core or by a plugin) cannot forget the check.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user

#: The role that may use the admin GUI.
ADMIN_ROLE = "admin"


def is_admin() -> bool:
    """Whether the current user is a logged-in, active admin."""
    return bool(
        current_user
        and current_user.is_authenticated
        and current_user.active
        and current_user.role == ADMIN_ROLE
    )


class AdminOnly:
    """Access control shared by every admin view: admins only, others get 403.

    Anonymous visitors are sent to the login page (and back here afterwards); a logged-in
    non-admin gets the product's 403 page rather than a redirect loop.
    """

    def is_accessible(self) -> bool:
        return is_admin()

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        abort(403)


class SecuredIndexView(AdminOnly, AdminIndexView):
    """Base of the admin's home page."""


class SecuredView(AdminOnly, BaseView):
    """Base of every admin page that is not a plain model list (editors, dashboards)."""


class SecuredModelView(AdminOnly, ModelView):
    """Base of every admin list/form over a model.

    Optimistic-lock columns are never editable, and lists are paged and searchable by
    default; subclasses say only what differs.
    """

    page_size = 50
    can_view_details = True
    can_export = True
    export_types = ["csv"]
    form_excluded_columns = ("version",)
    column_exclude_list = ("version",)
