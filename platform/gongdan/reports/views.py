"""The ``/reports`` pages: the dashboard, the tickets behind a figure, and CSV/XLSX exports.

Managers, service managers and admins only (others get 403). A parameter that is not
understood re-renders the page with the message and status 400; nothing is computed from it.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from gongdan import i18n
from gongdan.accounts.models import Department, User
from gongdan.db import db
from gongdan.reports import services
from gongdan.reports.export import MIMETYPES, csv_bytes, table_rows, workbook_bytes, xlsx_bytes
from gongdan.reports.params import (
    DIMENSIONS,
    PERIODS,
    ReportParameterError,
    ReportParams,
    parse_params,
)
from gongdan.reports.queries import KPI_QUERIES
from gongdan.reports.services import KpiTable
from gongdan.reports.titles import (
    DIMENSION_TITLES,
    KPI_TITLES,
    METRIC_TITLES,
    PERIOD_TITLES,
    column_titles,
)
from gongdan.tickets.models import CHANNELS

bp = Blueprint("reports", __name__)

#: Roles that see the reports.
REPORT_ROLES = frozenset({"admin", "manager", "service_manager"})
#: Columns shown in hours (the queries return seconds) and as percentages (0..1 in the API).
HOUR_COLUMNS = frozenset(
    {
        "mean_seconds",
        "median_seconds",
        "mean_business_seconds",
        "median_business_seconds",
        "on_site_seconds",
    }
)
PERCENT_COLUMNS = frozenset({"on_time_rate", "rate", "utilisation"})


def may_see_reports(user: Any) -> bool:
    """Whether ``user`` is active and in one of :data:`REPORT_ROLES`."""
    return bool(getattr(user, "active", False)) and user.role in REPORT_ROLES


def require_report_viewer() -> User:
    """The logged-in user if they may see reports; 403 otherwise."""
    if not may_see_reports(current_user):
        abort(403)
    user: User = current_user._get_current_object()
    return user


def _locale() -> str:
    return i18n.current_language()


def display_value(column: str, value: Any) -> Any:
    """A value as the page and the exports show it: hours, percentages, rounded numbers."""
    if value is None:
        return None
    if column in HOUR_COLUMNS:
        return round(value / 3600, 2)
    if column in PERCENT_COLUMNS:
        return round(value * 100, 1)
    if column == "metric":
        return str(METRIC_TITLES.get(value, value))
    if isinstance(value, float):
        return round(value, 2)
    return value


def display_table(table: KpiTable) -> KpiTable:
    """``table`` with :func:`display_value` applied to every cell."""
    rows = [{c: display_value(c, row.get(c)) for c in table.columns} for row in table.rows]
    return KpiTable(table.kpi, table.dimension, table.columns, rows)


def _choices() -> dict[str, Any]:
    departments = db.session.scalars(select(Department).order_by(Department.key))
    engineers = db.session.execute(
        select(User.id, User.display_name).where(User.role == "engineer").order_by(User.id)
    )
    locale = "en" if _locale() == "en" else "zh"
    return {
        "departments": [(d.key, d.title(locale)) for d in departments],
        "engineers": [(str(user_id), name) for user_id, name in engineers],
        "channels": CHANNELS,
    }


def _page(params: ReportParams | None, error: ReportParameterError | None) -> str:
    board = None
    if params is not None:
        board = services.dashboard(db.session, params, locale=_locale())
    return render_template(
        "reports/index.html",
        params=params,
        args=request.args,
        error=error,
        board=board,
        board_json=board.as_json() if board else None,
        tables={k: display_table(t) for k, t in board.tables.items()} if board else {},
        dimensions=DIMENSIONS,
        periods=PERIODS,
        dimension_titles=DIMENSION_TITLES,
        period_titles=PERIOD_TITLES,
        kpi_titles=KPI_TITLES,
        metric_titles={k: str(v) for k, v in METRIC_TITLES.items()},
        titles=column_titles(),
        choices=_choices(),
        percent_columns=PERCENT_COLUMNS,
    )


@bp.get("/reports")
@login_required
def dashboard() -> tuple[str, int] | str:
    """The dashboard: headline numbers, charts, KPI tables with exports."""
    require_report_viewer()
    try:
        params = parse_params(request.args)
    except ReportParameterError as error:
        return _page(None, error), 400
    return _page(params, None)


@bp.get("/reports/tickets")
@login_required
def tickets() -> tuple[str, int] | str:
    """The tickets behind a chart's bar or slice (the report's filters plus that group)."""
    require_report_viewer()
    state = request.args.get("state") or None
    try:
        params = parse_params(request.args)
        dimension = request.args.get("dimension") or None
        if dimension is not None and dimension not in DIMENSIONS:
            raise ReportParameterError({"dimension": f"unknown dimension {dimension[:40]!r}"})
        if state not in (None, "open", "resolved"):
            raise ReportParameterError({"state": "use 'open' or 'resolved'"})
        try:
            params = services.drill_down_params(params, dimension, request.args.get("key"))
        except ValueError as bad:
            raise ReportParameterError({"key": str(bad)}) from bad
    except ReportParameterError as error:
        return render_template("reports/tickets.html", error=error, listing=None), 400
    page_text = request.args.get("page", "1")
    page = int(page_text) if page_text.isdigit() and len(page_text) < 7 else 1
    listing = services.drill_down(db.session, params, state=state, page=page)
    return render_template(
        "reports/tickets.html",
        error=None,
        listing=listing,
        params=params,
        state=state,
        back=url_for("reports.dashboard", **params.query_args()),
        next_url=url_for(
            "reports.tickets",
            **params.query_args(),
            **({"state": state} if state else {}),
            page=page + 1,
        ),  # fmt: skip
    )


@bp.get("/reports/export/<kpi>.<fmt>")
@login_required
def export(kpi: str, fmt: str) -> Response | tuple[str, int]:
    """One KPI table (grouped like the page) as CSV or XLSX."""
    require_report_viewer()
    whole = kpi == "dashboard" and fmt == "xlsx"
    if not whole and (kpi not in KPI_QUERIES or fmt not in MIMETYPES):
        abort(404)
    try:
        params = parse_params(request.args)
    except ReportParameterError as error:
        return _page(None, error), 400
    if whole:
        body = _dashboard_workbook(params)
    else:
        table = display_table(services.kpi_table(db.session, kpi, params, locale=_locale()))
        titles = _titles(table)
        body = csv_bytes(table, titles) if fmt == "csv" else xlsx_bytes(table, titles, kpi)
    response = make_response(body)
    response.headers["Content-Type"] = MIMETYPES[fmt]
    name = f"{kpi}_{params.date_from:%Y%m%d}_{params.date_to:%Y%m%d}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _titles(table: KpiTable) -> dict[str, str]:
    titles = column_titles()
    titles["group"] = str(DIMENSION_TITLES.get(table.dimension or "", gettext("Group")))
    return titles


def _dashboard_workbook(params: ReportParams) -> bytes:
    """The dashboard's tables as one workbook: a sheet per KPI, the page's figures."""
    board = services.dashboard(db.session, params, locale=_locale())
    sheets = []
    for kpi, table in board.tables.items():
        shown = display_table(table)
        sheets.append((str(KPI_TITLES.get(kpi, kpi)), table_rows(shown, _titles(shown))))
    return workbook_bytes(sheets)


def init_app(app: Flask) -> None:
    """Register the report pages."""
    app.register_blueprint(bp)
