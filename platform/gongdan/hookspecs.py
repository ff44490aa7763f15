"""The single list of extension points a Gongdan plugin can implement.

Plugins are discovered through the ``gongdan.plugins`` entry-point group (see
:mod:`gongdan.plugins`) and implement these hooks with ``@hookimpl``. Hooks are always called
with keyword arguments. A misspelled implementation fails at start-up (``check_pending``), not
when it first fires.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from flask import Flask
    from flask_admin import Admin
    from sqlalchemy.orm import Session

    from gongdan.accounts.models import User
    from gongdan.tickets.models import Ticket

PROJECT = "gongdan"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def gongdan_plugin_info() -> dict[str, str]:  # type: ignore[empty-body]
    """Describe the plugin: ``{"key": "spare_parts", "version": "0.1.0", "title": ...}``.

    ``key`` is the name definition packs use in ``requires.plugins``.
    """


@hookspec
def gongdan_definition_kinds() -> dict[str, dict[str, Any]]:  # type: ignore[empty-body]
    """Add definition kinds: ``{"pm.MaintenancePlan": <JSON Schema of its spec>}``.

    Plugin kinds must be namespaced (``namespace.CamelCase``).
    """


@hookspec
def gongdan_definition_checks() -> dict[str, Any]:  # type: ignore[empty-body]
    """Add semantic checks for the plugin's kinds: ``{"pm.MaintenancePlan": check}``.

    A check is ``check(definition, ctx) -> list[Problem]`` with ``definition`` a schema-valid
    :class:`gongdan.definitions.documents.Definition` and ``ctx`` the
    :class:`gongdan.definitions.semantic.context.SemanticContext` of the whole set; it makes its
    problems with ``definition.problem(code, message, json_path)`` so that each carries the file,
    line and column. Called at validation time, with no IO, only for kinds the plugin declares
    through :func:`gongdan_definition_kinds`.
    """


@hookspec
def gongdan_condition_functions() -> dict[str, Any]:  # type: ignore[empty-body]
    """Add condition functions usable as ``{fn: name, args: {...}}`` in any condition.

    Values are :class:`gongdan.conditions.ConditionFunction` objects; names are namespaced
    (``spare_parts.in_stock``).
    """


@hookspec
def gongdan_field_types() -> dict[str, Any]:  # type: ignore[empty-body]
    """Add ticket field types (``spare_parts.part_lines``).

    Values are :class:`gongdan.workflow.fields.FieldType` objects, names namespaced.
    """


@hookspec
def gongdan_context_variables() -> dict[str, Any]:  # type: ignore[empty-body]
    """Add condition context variables (``contract.level``): name → field type name."""


@hookspec
def gongdan_actions() -> list[str]:  # type: ignore[empty-body]
    """Names of the actions the plugin adds (``spare_parts.reserve``), usable as ``do:``."""


@hookspec
def gongdan_definition_packs() -> list[str]:  # type: ignore[empty-body]
    """Paths of definition packs the plugin ships (installed with ``gongdan init``)."""


@hookspec
def gongdan_migrations() -> dict[str, str]:  # type: ignore[empty-body]
    """The plugin's Alembic migrations: ``{"spare_parts": "/path/to/its/versions"}``.

    Each entry is one independent chain of revisions (the first has ``down_revision = None``)
    recorded in its own version table, ``alembic_version_<name>``: the core's linear chain is
    untouched and a plugin can be added or removed without the core noticing. ``gongdan init``
    and ``gongdan db upgrade`` run the core's migrations first, then each plugin's (so a
    plugin's tables may refer to core tables); downgrading runs the plugins' first. The
    plugin's models derive from :class:`gongdan.db.Base` and are imported by the module the
    entry point names, so loading the plugin puts its tables on the core metadata, which the
    migrated schema must equal.
    """


@hookspec
def gongdan_sweeps() -> dict[str, Any]:  # type: ignore[empty-body]
    """Add periodic sweeps: ``{"spare_parts.stock": sweep}``, ``sweep(now: datetime | None)``.

    The scheduler (or the in-process runner) calls each once per tick inside an application
    context, after the core's sweeps and before the outbox, so notifications a sweep writes go
    out in the same tick. A sweep reads what is due from the database and must be idempotent:
    a tick may run late, twice, or after downtime. Its return value is logged as its result.
    """


@hookspec
def gongdan_ticket_panels(place: str, ticket: Ticket, user: User) -> str | None:
    """The HTML of the plugin's panel on a ticket's page, or ``None`` for none.

    ``place`` is ``"agent"`` (the workspace's ticket page), ``"engineer"`` (the engineer's
    phone page) or ``"portal"`` (the customer's request page: show a customer only their
    own). Called while the page renders, in the request: render the panel from the
    plugin's own templates (autoescaped), show only what ``user`` may see, and post its forms
    (with ``csrf_token()``) to the plugin's own blueprint, which changes data through services.
    """


@hookspec
def gongdan_translation_directories() -> list[str]:  # type: ignore[empty-body]
    """Folders with the plugin's own ``<locale>/LC_MESSAGES/messages.mo`` catalogues.

    Merged after the core's catalogue, so the plugin's words are translated like the core's
    without touching the core's ``messages.po``.
    """


@hookspec
def gongdan_demo(session: Session) -> str | None:
    """Load the plugin's demo data after the core's (``gongdan init --demo``, ``gongdan demo``).

    Runs in an application context, after the packs are installed and the core's demo people,
    customers and tickets exist. Must be idempotent (find by natural keys before creating) and
    commit its work; returns a one-line summary to print, or ``None``.
    """


@hookspec
def gongdan_init_app(app: Flask) -> None:
    """Attach blueprints, admin views, jobs or CLI commands to the application."""


@hookspec
def gongdan_admin_views(admin: Admin, app: Flask) -> None:
    """Add views to the admin GUI: ``admin.add_view(MyView(Model, db, category=...))``.

    Derive every view from :mod:`gongdan_admin.security`'s secured bases so that only admins
    get in. Called once per application, after the core's own views.
    """


@hookspec
def gongdan_asset_panels(asset: Any, user: User) -> str | None:
    """The HTML of the plugin's panel on an asset's page (``/assets/<id>``), or ``None``.

    Called while the page renders, for staff only: render it from the plugin's own templates
    (autoescaped) and show only what ``user`` may see (e.g. the asset's PM history and next visit).
    """


@hookspec
def gongdan_report_sections(ticket: Ticket, user: User) -> str | None:
    """The HTML of the plugin's section on the engineer's service report, or ``None``.

    Shown on the engineer's work page after the report's fields and before the customer's
    signature (the billing plugin shows the charges and the total the customer signs for).
    Rendered like :func:`gongdan_ticket_panels`: from the plugin's own templates, in the
    request, only what ``user`` may see.
    """


@hookspec
def gongdan_nav_links(user: User) -> list[tuple[str, str]] | None:  # type: ignore[empty-body]
    """``(label, url)`` links the plugin adds to the main navigation bar for ``user``.

    Called while a page renders, in the request (so ``url_for`` and the user's language work):
    return only the pages ``user`` may open, labels already translated, or ``None``.
    """


@hookspec
def gongdan_event_titles() -> dict[str, Any]:  # type: ignore[empty-body]
    """Titles of the ticket event kinds the plugin records (``{"spare_parts.issued": ...}``).

    Shown on the staff timeline instead of the bare kind. Return lazy strings (or strings
    translated in the request): they are read while a ticket page renders.
    """
