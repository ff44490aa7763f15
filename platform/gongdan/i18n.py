"""Languages of the user interface: Simplified Chinese (default) and English.

The chosen language is kept in the session (and on the user's row once logged in). Messages are
written in English in the code. ``translations/zh`` holds the Chinese catalogue (``zh``, not
``zh_CN``: Babel spells that locale ``zh_Hans_CN``, which only finds ``zh``), shipped compiled
(``messages.mo``) so a fresh clone needs no build step. To add messages::

    pybabel extract -F platform/gongdan/translations/babel.cfg -k lazy_gettext -k N_ --no-location \
        --sort-output -o platform/gongdan/translations/messages.pot platform/gongdan admin
    # append the new msgids with their Chinese to zh/LC_MESSAGES/messages.po, then
    pybabel compile -d platform/gongdan/translations

Not ``pybabel update``: it marks obsolete the messages that are translated through a variable
or inside an f-string (``gettext(problem.message)``), which extraction cannot see.
``tests/gongdan/test_app.py`` fails when an extracted message has no translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, get_locale, gettext, lazy_gettext
from flask_login import current_user

from gongdan.messages import Message

#: Supported interface languages: code → its own name (shown in the language switch).
LANGUAGES: dict[str, str] = {"zh_CN": "中文", "en": "English"}

SESSION_KEY = "locale"


ROLE_TITLES: dict[str, Any] = {
    "admin": lazy_gettext("Administrator"),
    "manager": lazy_gettext("Service manager"),
    "dispatcher": lazy_gettext("Dispatcher"),
    "agent": lazy_gettext("Service agent"),
    "engineer": lazy_gettext("Engineer"),
    "customer": lazy_gettext("Customer"),
}

PRIORITY_TITLES: dict[str, Any] = {
    "low": lazy_gettext("Low"),
    "normal": lazy_gettext("Normal"),
    "high": lazy_gettext("High"),
    "urgent": lazy_gettext("Urgent"),
}


def select_locale() -> str:
    """The session's choice, else the user's saved one, else the configured default.

    Outside a request (an app being built while another app's context is active, a CLI
    command, a job) there is no session or user: the configured default applies.
    """
    if not has_request_context():
        return str(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN"))
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return str(current_user.locale)
    return str(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN"))


def current_language() -> str:
    """``"zh"`` or ``"en"``: the key to pick from a definition's localised text."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def current_locale_code() -> str:
    """The active interface language as a key of :data:`LANGUAGES` (``zh_CN`` or ``en``).

    Babel spells zh_CN ``zh_Hans_CN``; templates and links want the short code.
    """
    return "en" if current_language() == "en" else "zh_CN"


def local_text(text: Mapping[str, str] | None, fallback: str = "") -> str:
    """Pick the current language from ``{zh: ..., en: ...}``, falling back to the other one."""
    if not text:
        return fallback
    language = current_language()
    other = "zh" if language == "en" else "en"
    return text.get(language) or text.get(other) or fallback


def role_title(role: str) -> str:
    """The title of ``role``: the built-in roles' translations, else its Role definition's."""
    if role in ROLE_TITLES:
        return str(ROLE_TITLES[role])
    from gongdan.db import db
    from gongdan.definitions.registry import compiled_active_set

    definition = compiled_active_set(db.session).roles.get(role)
    return local_text(definition.title if definition else None, role)


def localise(text: str | None) -> str:
    """``text`` in the current language: a core :class:`~gongdan.messages.Message` is translated
    from its template and filled in again; other text is looked up as it stands (unknown text
    is shown unchanged)."""
    if not text:
        return ""
    if isinstance(text, Message):
        return gettext(text.template, **text.params) if text.params else gettext(text.template)
    return gettext(text)


def init_app(app: Flask) -> None:
    """Attach Flask-Babel and the template helpers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    # One Babel per app: Flask-Babel caches the loaded catalogues on the Babel instance, so a
    # shared one would hand an app the catalogues (and plugin catalogues) of the first app
    # that translated anything in this process.
    Babel(app, locale_selector=select_locale)
    plugins = app.extensions.get("gongdan.plugins")
    if plugins is not None:
        # The plugins' own catalogues. Catalogues merged later win, so the core's comes last:
        # a plugin that translated "Transfer" as 调拨 (of stock) would otherwise have renamed
        # the core's 转交 (of a ticket) on every page. A plugin meaning something else by the
        # same English uses its own msgid (tests/plugins/test_catalogues.py checks).
        directories = app.extensions["babel"].translation_directories
        theirs = [
            str(folder)
            for folders in plugins.hook.gongdan_translation_directories()
            for folder in folders or ()
        ]
        directories[:0] = theirs
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        ROLE_TITLES=ROLE_TITLES,
        role_title=role_title,
        PRIORITY_TITLES=PRIORITY_TITLES,
        local_text=local_text,
        current_locale=current_locale_code,
    )
    app.jinja_env.filters["localise"] = localise
