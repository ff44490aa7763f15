"""Report parameters: period, filters and group-by, read and checked from a query string.

Every KPI answers for the tickets **created** in ``[from, to]`` (calendar dates in the service
time zone, both days included), narrowed by the filters; the backlog is the snapshot of the
tickets still open among them. A parameter that is not understood is a
:class:`ReportParameterError` (HTTP 400) naming it, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from gongdan.customers.models import SERVICE_TIME_ZONE
from gongdan.errors import GongdanError

#: Period granularities of the ``period`` group-by.
PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")

#: Dimensions a report can be grouped by (``period`` uses the ``period`` granularity).
DIMENSIONS: tuple[str, ...] = (
    "period",
    "region",
    "customer",
    "department",
    "engineer",
    "product",
    "type",
    "channel",
)

#: Filters (query string name → the dimension it narrows); integer ids for customer and engineer.
FILTERS: tuple[str, ...] = (
    "region",
    "customer",
    "department",
    "engineer",
    "product",
    "type",
    "channel",
)
INTEGER_FILTERS = frozenset({"customer", "engineer"})

#: The period a report covers when none is given: the last 30 days, today included.
DEFAULT_DAYS = 30
#: The longest period one report may cover (a decade).
MAX_DAYS = 3660
#: Longest filter value accepted (keys and names are far shorter).
MAX_VALUE_LENGTH = 200


class ReportParameterError(GongdanError):
    """A report parameter is unknown or malformed; ``fields`` maps each one to what is wrong."""

    code = "bad_report_parameter"
    status = 400

    def __init__(self, fields: Mapping[str, str]) -> None:
        message = "; ".join(f"{name}: {problem}" for name, problem in fields.items())
        super().__init__(f"invalid report parameters ({message})")
        self.fields: dict[str, str] = dict(fields)


@dataclass(frozen=True)
class ReportParams:
    """What one report is asked for: the dates, the filters, the group-by and the moment "now".

    ``date_from`` and ``date_to`` are days in :data:`SERVICE_TIME_ZONE`, both included.
    """

    date_from: date
    date_to: date
    filters: Mapping[str, str | int] = field(default_factory=dict)
    group_by: str | None = None
    period: str = "month"
    now: datetime | None = None

    @property
    def start(self) -> datetime:
        """The first instant of ``date_from`` (aware, UTC)."""
        return _midnight(self.date_from)

    @property
    def end(self) -> datetime:
        """The first instant after ``date_to`` (aware, UTC): the period is ``[start, end)``."""
        return _midnight(self.date_to + timedelta(days=1))

    def grouped(self, dimension: str | None) -> ReportParams:
        """The same report grouped by ``dimension`` (``None``: one row)."""
        return replace(self, group_by=dimension)

    def query_args(self) -> dict[str, str]:
        """These parameters as query string arguments (links, exports, drill-down)."""
        args = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        args.update({name: str(value) for name, value in self.filters.items()})
        if self.group_by:
            args["group_by"] = self.group_by
        args["period"] = self.period
        return args


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=SERVICE_TIME_ZONE).astimezone(UTC)


def service_date(moment: datetime) -> date:
    """The calendar day of ``moment`` in the service time zone."""
    return moment.astimezone(SERVICE_TIME_ZONE).date()


def _date(name: str, raw: str, problems: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        problems[name] = f"{raw[:40]!r} is not a date (YYYY-MM-DD)"
        return None


def parse_params(args: Mapping[str, str], *, now: datetime | None = None) -> ReportParams:
    """Read the report parameters from query string ``args``.

    ``from`` and ``to`` are ISO dates (default: the last :data:`DEFAULT_DAYS` days);
    ``group_by`` one of :data:`DIMENSIONS`; ``period`` one of :data:`PERIODS`; each of
    :data:`FILTERS` narrows the tickets. Empty values count as absent.

    :raises ReportParameterError: a date that is not a date, ``from`` after ``to``, an unknown
        dimension or period, a non-numeric customer or engineer id.
    """
    problems: dict[str, str] = {}
    moment = now or datetime.now(UTC)
    today = service_date(moment)
    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    date_to = _date("to", raw_to, problems) if raw_to else today
    date_from = (
        _date("from", raw_from, problems)
        if raw_from
        else (date_to or today) - timedelta(days=DEFAULT_DAYS - 1)
    )
    if date_from and date_to:
        if date_from > date_to:
            problems["from"] = f"{date_from} is after to={date_to}"
        elif (date_to - date_from).days > MAX_DAYS:
            problems["to"] = f"a report covers at most {MAX_DAYS} days"
    group_by = (args.get("group_by") or "").strip() or None
    if group_by is not None and group_by not in DIMENSIONS:
        problems["group_by"] = f"unknown dimension {group_by[:40]!r}; use one of {DIMENSIONS}"
    period = (args.get("period") or "").strip() or "month"
    if period not in PERIODS:
        problems["period"] = f"unknown period {period[:40]!r}; use one of {PERIODS}"
    filters: dict[str, str | int] = {}
    for name in FILTERS:
        value = (args.get(name) or "").strip()
        if not value:
            continue
        if len(value) > MAX_VALUE_LENGTH:
            problems[name] = f"longer than {MAX_VALUE_LENGTH} characters"
        elif name in INTEGER_FILTERS:
            if not value.isdigit() or len(value) > 12:
                problems[name] = f"{value[:40]!r} is not an id"
            else:
                filters[name] = int(value)
        else:
            filters[name] = value
    if problems:
        raise ReportParameterError(problems)
    assert date_from is not None and date_to is not None
    return ReportParams(date_from, date_to, filters, group_by, period, moment)
