"""Reference data about people: users and their roles, departments and their leads, engineers.

Users are deactivated rather than deleted once tickets name them; a department that tickets
or users still belong to cannot be deleted or renamed. Passwords are only ever set (hashed by
:meth:`gongdan.accounts.models.User.set_password`), never shown.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext, lazy_gettext
from wtforms import IntegerField, PasswordField, SelectField, ValidationError
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from gongdan.accounts.models import Department, User
from gongdan.accounts.services import known_roles
from gongdan.db import db
from gongdan.i18n import LANGUAGES, role_title
from gongdan.tickets.models import Ticket, TicketComment, TicketEvent
from gongdan_admin.audited import AuditedModelView, acting_user
from gongdan_admin.fields import (
    Pattern,
    TagListField,
    customer_picker,
    label_of,
    staff_picker,
    time_filters,
)

#: Shortest password the admin may set.
MIN_PASSWORD_LENGTH = 8

AVAILABILITY_TITLES: dict[str, Any] = {
    "available": lazy_gettext("Available"),
    "busy": lazy_gettext("Busy"),
    "off": lazy_gettext("Off duty"),
}

#: Column titles shared by the people views.
LABELS: dict[str, Any] = {
    "username": lazy_gettext("Username"),
    "display_name": lazy_gettext("Name"),
    "role": lazy_gettext("Role"),
    "department": lazy_gettext("Department"),
    "department.title_zh": lazy_gettext("Department"),
    "customer": lazy_gettext("Customer"),
    "email": lazy_gettext("E-mail"),
    "phone": lazy_gettext("Phone"),
    "locale": lazy_gettext("Language"),
    "active": lazy_gettext("Active"),
    "availability": lazy_gettext("Availability"),
    "capacity": lazy_gettext("Capacity (open tickets)"),
    "skills": lazy_gettext("Skills"),
    "last_located_at": lazy_gettext("Last located"),
    "created_at": lazy_gettext("Created"),
    "new_password": lazy_gettext("Set password"),
    "key": lazy_gettext("Key"),
    "title_zh": lazy_gettext("Name (Chinese)"),
    "title_en": lazy_gettext("Name (English)"),
    "lead": lazy_gettext("Lead"),
}


def _role(view: Any, context: Any, model: User, name: str) -> str:
    return role_title(model.role)


def _related(view: Any, context: Any, model: Any, name: str) -> str:
    return label_of(getattr(model, name))


def _availability(view: Any, context: Any, model: User, name: str) -> str:
    return str(AVAILABILITY_TITLES.get(model.availability, model.availability))


def _skills(view: Any, context: Any, model: User, name: str) -> str:
    return ", ".join(str(skill) for skill in model.skills or [])


def tickets_naming_user(user_id: int) -> int:
    """How many tickets name the user as assignee or creator, or carry their events/comments."""
    referring = sa.or_(
        Ticket.assignee_id == user_id,
        Ticket.created_by_id == user_id,
        Ticket.id.in_(sa.select(TicketEvent.ticket_id).where(TicketEvent.actor_id == user_id)),
        Ticket.id.in_(sa.select(TicketComment.ticket_id).where(TicketComment.author_id == user_id)),
    )
    return int(db.session.scalar(sa.select(sa.func.count()).where(referring)) or 0)


class UserView(AuditedModelView):
    """Everyone who logs in: name, role, department, customer, language, active, password."""

    column_list = ("username", "display_name", "role", "department", "customer", "email",
                   "phone", "active", "created_at")  # fmt: skip
    column_details_list = (*column_list, "locale", "availability", "capacity", "skills")
    column_export_list = column_list
    column_searchable_list = ("username", "display_name", "email", "phone")
    column_filters = (
        "role",
        "active",
        "department.title_zh",
        *time_filters(User.created_at, LABELS["created_at"]),
    )
    column_default_sort = "username"
    column_labels = LABELS
    column_formatters = {"role": _role, "department": _related, "customer": _related}
    column_formatters_export = {"role": _role, "department": _related, "customer": _related}
    form_columns = ("username", "display_name", "role", "department", "customer", "email",
                    "phone", "locale", "active", "new_password")  # fmt: skip
    form_extra_fields = {
        "new_password": PasswordField(
            LABELS["new_password"],
            validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH)],
            description=lazy_gettext("Leave empty to keep the current password."),
        )
    }
    form_overrides = {"role": SelectField, "locale": SelectField}
    form_args = {
        "username": {"validators": [InputRequired(), Length(max=80)]},
        "display_name": {"validators": [InputRequired(), Length(max=200)]},
        "role": {"choices": [], "validators": [InputRequired()]},
        "locale": {
            "choices": [("", "—"), *LANGUAGES.items()],
            "validators": [Optional()],
            "filters": [lambda value: value or None],
        },
        "department": {"get_label": label_of},
    }
    form_ajax_refs = {"customer": customer_picker("customer")}
    audit_relations = {"department_id": "department", "customer_id": "customer"}

    def _with_roles(self, form: Any, stored: str | None = None) -> Any:
        roles = known_roles(db.session)
        if stored and stored not in roles:  # a role whose pack was removed stays selectable
            roles.append(stored)
        form.role.choices = [(role, role_title(role)) for role in roles]
        return form

    def create_form(self, obj: Any = None) -> Any:
        form = self._with_roles(super().create_form(obj))
        form.new_password.validators = [InputRequired(), Length(min=MIN_PASSWORD_LENGTH)]
        form.new_password.description = ""
        return form

    def edit_form(self, obj: Any = None) -> Any:
        return self._with_roles(super().edit_form(obj), obj.role if obj is not None else None)

    def form_problems(self, form: Any) -> dict[str, str]:
        if form.role.data == "customer" and form.customer.data is None:
            return {"customer": gettext("A customer's user must belong to a customer.")}
        if form.role.data != "customer" and form.customer.data is not None:
            return {"customer": gettext("Only customers' users belong to a customer.")}
        return {}

    def check_change(self, form: Any, model: User, is_created: bool) -> None:
        me = acting_user()
        if me is not None and model.id == me.id and (not model.active or model.role != "admin"):
            raise ValidationError(gettext("You cannot remove your own admin access."))

    def on_model_change(self, form: Any, model: User, is_created: bool) -> None:
        if form.new_password.data:
            model.set_password(form.new_password.data)
        super().on_model_change(form, model, is_created)

    def check_delete(self, model: User) -> None:
        me = acting_user()
        if me is not None and model.id == me.id:
            raise ValidationError(gettext("You cannot delete your own account."))
        count = tickets_naming_user(model.id)
        if count:
            raise ValidationError(
                gettext(
                    "%(user)s is named by %(count)s tickets and cannot be deleted; "
                    "deactivate the account instead.",
                    user=model.username,
                    count=count,
                )
            )

    def audit_summary(self, form: Any, model: User, is_created: bool) -> str:
        return "password set" if form.new_password.data else ""


class EngineerView(AuditedModelView):
    """Engineers' availability, capacity, skills and department, as routing uses them."""

    can_create = False
    can_delete = False
    column_list = ("display_name", "username", "department", "availability", "capacity",
                   "skills", "active", "last_located_at")  # fmt: skip
    column_details_list = column_list
    column_export_list = column_list
    column_searchable_list = ("username", "display_name")
    column_filters = ("availability", "active", "department.title_zh", "capacity")
    column_default_sort = "display_name"
    column_labels = LABELS
    column_formatters = {"department": _related, "availability": _availability, "skills": _skills}
    column_formatters_export = column_formatters
    form_columns = ("department", "availability", "capacity", "skills")
    form_overrides = {"availability": SelectField, "capacity": IntegerField, "skills": TagListField}
    form_args = {
        "availability": {"choices": list(AVAILABILITY_TITLES.items())},
        "capacity": {"validators": [InputRequired(), NumberRange(min=0, max=1000)]},
        "skills": {"description": lazy_gettext("Separate skills with commas.")},
        "department": {"get_label": label_of},
    }
    audit_relations = {"department_id": "department"}
    audit_target_type = "User"

    def get_query(self) -> Any:
        return super().get_query().filter(User.role == "engineer")

    def get_count_query(self) -> Any:
        return super().get_count_query().filter(User.role == "engineer")

    def get_one(self, id: Any) -> Any:
        user = super().get_one(id)
        return user if user is not None and user.role == "engineer" else None


#: Department keys are the pack's: lowercase words joined by underscores.
DEPARTMENT_KEY = Pattern(
    r"^[a-z][a-z0-9_]*$", message=lazy_gettext("Lowercase letters, digits and _ only.")
)


class DepartmentView(AuditedModelView):
    """Departments tickets are owned by and transferred between, each with its lead."""

    column_list = ("key", "title_zh", "title_en", "lead", "created_at")
    column_details_list = column_list
    column_export_list = column_list
    column_searchable_list = ("key", "title_zh", "title_en")
    column_filters = ("key",)
    column_default_sort = "key"
    column_labels = LABELS
    column_formatters = {"lead": _related}
    column_formatters_export = column_formatters
    form_columns = ("key", "title_zh", "title_en", "lead")
    form_args = {
        "key": {"validators": [InputRequired(), Length(max=64), DEPARTMENT_KEY]},
        "title_zh": {"validators": [InputRequired(), Length(max=200)]},
    }
    form_ajax_refs = {"lead": staff_picker("lead")}
    audit_relations = {"lead_id": "lead"}

    def _tickets_owned(self, key: str) -> int:
        query = sa.select(sa.func.count()).where(Ticket.department_key == key)
        return int(db.session.scalar(query) or 0)

    def check_change(self, form: Any, model: Department, is_created: bool) -> None:
        if is_created:
            return
        history = sa.inspect(model).attrs.key.history
        old_key = history.deleted[0] if history.deleted else None
        if old_key and old_key != model.key and self._tickets_owned(old_key):
            raise ValidationError(
                gettext("Tickets belong to %(key)s: its key cannot change.", key=old_key)
            )

    def check_delete(self, model: Department) -> None:
        tickets = self._tickets_owned(model.key)
        members = int(
            db.session.scalar(sa.select(sa.func.count()).where(User.department_id == model.id)) or 0
        )
        if tickets or members:
            raise ValidationError(
                gettext(
                    "%(key)s still has %(tickets)s tickets and %(members)s users; "
                    "move them to another department first.",
                    key=model.key,
                    tickets=tickets,
                    members=members,
                )
            )
