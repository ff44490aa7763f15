"""Forms generated from a ticket type: view-models for the templates, parsing of submissions.

:mod:`gongdan.forms.render` turns a compiled TicketType plus values into field view-models that
the macros in ``templates/forms/_fields.html`` draw; :mod:`gongdan.forms.parse` turns a submitted
form back into typed field values; :mod:`gongdan.forms.conditions_js` exports ``visible_if`` and
``required_if`` for ``static/js/forms.js``.
"""

from __future__ import annotations

from gongdan.forms.conditions_js import CLIENT_OPERATORS, client_condition
from gongdan.forms.parse import FIELD_PREFIX, parse_submission
from gongdan.forms.render import (
    AttachmentLink,
    Choice,
    FieldView,
    FormView,
    SectionView,
    build_form,
    format_value,
)

__all__ = [
    "CLIENT_OPERATORS",
    "FIELD_PREFIX",
    "AttachmentLink",
    "Choice",
    "FieldView",
    "FormView",
    "SectionView",
    "build_form",
    "client_condition",
    "format_value",
    "parse_submission",
]
