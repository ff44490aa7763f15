"""Messages the IO-free core returns that a page can still show in the reader's language.

The engine (field checks, form cleaning) must not import Flask-Babel, yet what it says ends up
beside a form field in the Chinese UI. A :class:`Message` is the English text — so the REST
API, logs and tests that compare strings see exactly what they saw before — that also keeps
its ``%(name)s`` template and parameters. The web layer translates the template and fills the
parameters in again (:func:`gongdan.i18n.localise`, the ``localise`` template filter).

Templates are written inside :func:`N_`, which Babel's extraction (and the catalogue test)
treats as a message keyword, so each has its Chinese in the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def N_(template: str) -> str:  # noqa: N802  (the conventional name of a no-op marker)
    """Mark ``template`` for the catalogue; returns it unchanged."""
    return template


class Message(str):
    """English text that remembers its template and parameters, for translation later."""

    template: str
    params: Mapping[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        self = super().__new__(cls, template % params if params else template)
        self.template = template
        self.params = params
        return self
