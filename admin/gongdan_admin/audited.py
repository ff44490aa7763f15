"""The base of every admin list/form that changes data: each change leaves an audit entry.

:class:`AuditedModelView` records create, update and delete through
:func:`gongdan.audit.services.record_change` in Flask-Admin's ``on_model_change`` /
``on_model_delete`` hooks, which run before Flask-Admin commits: the change and its entry are
written together or not at all. Subclasses refuse bad changes by raising
:class:`wtforms.ValidationError` from :meth:`~AuditedModelView.check_change` or
:meth:`~AuditedModelView.check_delete` (flashed, rolled back), and say which many-to-one
relations an entry should name in words (``audit_relations``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request
from flask_login import current_user

from gongdan.accounts.models import User
from gongdan.audit.services import SECRET_COLUMNS, json_safe, record_change, snapshot
from gongdan.db import db
from gongdan_admin.fields import label_of
from gongdan_admin.security import SecuredModelView


def acting_user() -> User | None:
    """The logged-in user behind the current request (the real object, not the proxy)."""
    if current_user and current_user.is_authenticated:
        user: User = current_user._get_current_object()  # type: ignore[attr-defined]
        return user
    return None


def previous_values(instance: object) -> dict[str, Any]:
    """The column values ``instance`` had before the unflushed changes made to it."""
    state = sa.inspect(instance)
    values = snapshot(instance)
    for attribute in state.mapper.column_attrs:
        if attribute.key in SECRET_COLUMNS:
            continue
        history = state.attrs[attribute.key].history
        if history.deleted:
            values[attribute.key] = json_safe(history.deleted[0])
    return values


class AuditedModelView(SecuredModelView):
    """A secured model view whose every create, update and delete is audited.

    Exports CSV and XLSX (through tablib and openpyxl). ``audit_relations`` maps a foreign-key
    column to the relationship whose readable label the audit entry carries beside the id
    (``{"lead_id": "lead"}``).
    """

    export_types = ["csv", "xlsx"]
    #: Foreign-key column → relationship named in words in audit entries.
    audit_relations: dict[str, str] = {}
    #: The target type audit entries use (default: the model's class name).
    audit_target_type: str | None = None

    # -------------------------------------------------------------- hooks for subclasses

    def check_change(self, form: Any, model: Any, is_created: bool) -> None:
        """Refuse a create or update by raising :class:`wtforms.ValidationError`."""

    def check_delete(self, model: Any) -> None:
        """Refuse a delete by raising :class:`wtforms.ValidationError` (e.g. still in use)."""

    def form_problems(self, form: Any) -> dict[str, str]:
        """Problems with a submitted create/edit form, by field name, shown under the field."""
        return {}

    def audit_summary(self, form: Any, model: Any, is_created: bool) -> str:
        """A line the audit entry adds to the values (e.g. "password set")."""
        return ""

    # ---------------------------------------------------------------- Flask-Admin hooks

    def validate_form(self, form: Any) -> bool:
        valid = bool(super().validate_form(form))
        if not valid or not isinstance(form, self._create_form_class | self._edit_form_class):
            return valid
        problems = self.form_problems(form)
        for name, message in problems.items():
            field = getattr(form, name)
            field.errors = [*field.errors, message]
        return not problems

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        session = db.session
        before = None if is_created else self._described(model, previous_values(model))
        with session.no_autoflush:
            self.check_change(form, model, is_created)
        # Flushing writes foreign keys set through relationships and gives a new row its id.
        session.flush()
        after = self._described(model, snapshot(model))
        summary = self.audit_summary(form, model, is_created)
        if before == after and not summary:
            return
        record_change(
            session,
            actor=acting_user(),
            action="create" if is_created else "update",
            target_type=self.target_type,
            target_id=self._target_id(model),
            before=before,
            after=after,
            summary=summary or label_of(model),
            address=request.remote_addr,
        )

    def on_model_delete(self, model: Any) -> None:
        with db.session.no_autoflush:
            self.check_delete(model)
        record_change(
            db.session,
            actor=acting_user(),
            action="delete",
            target_type=self.target_type,
            target_id=self._target_id(model),
            before=self._described(model, snapshot(model)),
            summary=label_of(model),
            address=request.remote_addr,
        )

    # ------------------------------------------------------------------------- helpers

    @property
    def target_type(self) -> str:
        """What audit entries call this view's model."""
        return self.audit_target_type or self.model.__name__

    def _target_id(self, model: Any) -> object:
        return model.id

    def _described(self, model: Any, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` plus the label of each related row named in ``audit_relations``."""
        relationships = sa.inspect(type(model)).relationships
        with db.session.no_autoflush:
            for column, relation in self.audit_relations.items():
                target = relationships[relation].mapper.class_
                related = db.session.get(target, values[column]) if values.get(column) else None
                values[relation] = label_of(related) or None
        return values
