"""``/api/v1/reports``: the KPIs of the ``/reports`` page as JSON, for managers' other tools.

The same parameters as the page (``from``, ``to``, ``group_by``, ``period`` and the filters);
durations are in seconds and rates between 0 and 1. A parameter that is not understood answers
400 with ``fields`` naming it.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from gongdan.api.auth import api_user
from gongdan.api.openapi import Operation, Param, json_response, operation
from gongdan.db import db
from gongdan.errors import NotFound, PermissionDenied
from gongdan.reports import services
from gongdan.reports.params import DIMENSIONS, FILTERS, PERIODS, ReportParams, parse_params
from gongdan.reports.queries import KPI_COLUMNS, KPI_QUERIES
from gongdan.reports.views import REPORT_ROLES

bp = Blueprint("reports_api", __name__)

TAG = "reports"
_PARAMS = (
    Param("from", {"type": "string", "format": "date"}, "first day (default: 29 days ago)"),
    Param("to", {"type": "string", "format": "date"}, "last day, included (default: today)"),
    Param("group_by", {"enum": list(DIMENSIONS)}, "the dimension rows are grouped by"),
    Param("period", {"enum": list(PERIODS), "default": "month"}, "granularity of group_by=period"),
    *(
        Param(
            name,
            {"type": "integer", "minimum": 1}
            if name in ("customer", "engineer")
            else {"type": "string"},
            f"only tickets of this {name}",
        )
        for name in FILTERS
    ),
)
_TABLE = {
    "type": "object",
    "properties": {
        "kpi": {"type": "string"},
        "dimension": {"type": ["string", "null"]},
        "columns": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["kpi", "columns", "rows"],
}
_PARAMS_SCHEMA = {"type": "object", "description": "the parameters the report was computed for"}


def _report_params() -> ReportParams:
    if api_user().role not in REPORT_ROLES or not api_user().active:
        raise PermissionDenied("only managers, service managers and admins may read reports")
    return parse_params(request.args)


@bp.get("/reports/dashboard")
@operation(
    Operation(
        "The dashboard of /reports: headline figures, chart series and KPI tables",
        TAG,
        {
            200: json_response(
                "the dashboard",
                {
                    "type": "object",
                    "properties": {
                        "params": _PARAMS_SCHEMA,
                        "headline": {"type": "object"},
                        "charts": {"type": "object", "additionalProperties": _TABLE},
                        "tables": {"type": "object", "additionalProperties": _TABLE},
                    },
                },
            )
        },
        params=_PARAMS,
        errors=(400, 401, 403),
    )
)
def dashboard() -> Response:
    params = _report_params()
    board = services.dashboard(db.session, params)
    return jsonify(params=params.query_args(), **board.as_json())


@bp.get("/reports/kpis/<kpi>")
@operation(
    Operation(
        "One KPI table, grouped by a dimension",
        TAG,
        {
            200: json_response(
                "the KPI's rows",
                {**_TABLE, "properties": {**_TABLE["properties"], "params": _PARAMS_SCHEMA}},
            )
        },  # fmt: skip
        params=_PARAMS,
        errors=(400, 401, 403, 404),
        description="KPIs: " + ", ".join(f"{k} ({', '.join(c)})" for k, c in KPI_COLUMNS.items()),
    )
)
def kpi(kpi: str) -> Response:
    params = _report_params()
    if kpi not in KPI_QUERIES:
        raise NotFound(f"no KPI {kpi[:40]!r}; use one of {', '.join(KPI_QUERIES)}")
    table = services.kpi_table(db.session, kpi, params)
    return jsonify(params=params.query_args(), **table.as_json())
