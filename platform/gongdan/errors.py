"""The one exception tree of Gongdan.

Every error the product raises on purpose derives from :class:`GongdanError`, so views, the CLI
and jobs can turn it into a clear message instead of a traceback. Messages carry the offending
value (``{value!r}``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gongdan.definitions.problems import Problem


class GongdanError(Exception):
    """Base class of every error Gongdan raises on purpose.

    ``code`` is a stable, machine-readable identifier; ``status`` the HTTP status a view should
    answer with.
    """

    code: str = "error"
    status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(GongdanError):
    """The application's settings are missing or contradictory."""

    code = "config"
    status = 500


class DefinitionError(GongdanError):
    """One or more definitions are invalid; ``problems`` holds every error found."""

    code = "definition_invalid"
    status = 422

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[Problem, ...] = tuple(problems)


class DefinitionNotFound(GongdanError):
    """No active (or no such) revision exists for a ``(kind, key)``."""

    code = "definition_not_found"
    status = 404


class PackArchiveError(GongdanError):
    """A pack archive (zip) cannot be read safely; nothing of it was unpacked or installed.

    ``reason`` says why in a stable word (``not_a_zip``, ``unsafe_path``, ``too_large`` ...),
    ``member`` names the offending entry of the archive, when there is one, and ``limit`` the
    limit it broke, so a view can say the same in the user's language.
    """

    code = "pack_archive"
    status = 422

    def __init__(
        self, message: str, *, reason: str, member: str | None = None, limit: int | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.member = member
        self.limit = limit


class ConditionError(GongdanError):
    """A condition tree is malformed or cannot be compiled."""

    code = "condition_invalid"
    status = 422


class PluginError(GongdanError):
    """A plugin failed to load or registered something inconsistent."""

    code = "plugin"
    status = 500


class NotFound(GongdanError):
    """The requested object does not exist (or the user may not know it exists)."""

    code = "not_found"
    status = 404


class PermissionDenied(GongdanError):
    """The user is authenticated but not allowed to do this."""

    code = "forbidden"
    status = 403


class ValidationFailed(GongdanError):
    """Input data failed validation; ``fields`` maps field keys to messages."""

    code = "validation_failed"
    status = 422

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})


class TransitionNotAllowed(GongdanError):
    """A workflow transition is not allowed from the current state or for this user."""

    code = "transition_not_allowed"
    status = 409


class DatabaseUnavailable(GongdanError):
    """The database could not be reached or dropped the connection: the change was not saved."""

    code = "database_unavailable"
    status = 503


class StaleTicket(GongdanError):
    """The ticket changed since it was read: reload and try again."""

    code = "stale"
    status = 409
