"""CSAT and NPS from callback survey answers (``gongdan.surveys``).

The reports read the surveys' ``survey_answers`` table
(:class:`gongdan.surveys.models.SurveyAnswer`): ``ticket_id``, ``csat`` (the first rating
question on the 1–5 scale) and ``nps`` (0–10), either may be ``NULL``. A period without
answers says so — ``{"available": False}`` — instead of inventing numbers. One query per
report:

* CSAT — the share of answered ratings of 4 or 5, and the mean rating;
* NPS — percentage of promoters (9–10) minus percentage of detractors (0–6).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.db import Base
from gongdan.reports.params import ReportParams
from gongdan.reports.scope import ticket_rows
from gongdan.reports.sql import by_group, count_where, ratio
from gongdan.surveys import models as _surveys_models  # noqa: F401  (registers the table)
from gongdan.tickets.models import Ticket

#: The table of survey answers the KPI reads (see the module docstring for its columns).
SURVEY_ANSWERS_TABLE = "survey_answers"
#: Columns the table must have.
REQUIRED_COLUMNS = frozenset({"ticket_id", "csat", "nps"})


def answers_table(metadata: sa.MetaData | None = None) -> sa.Table | None:
    """The survey answers table, or ``None`` while it does not exist (or lacks a column)."""
    table = (metadata or Base.metadata).tables.get(SURVEY_ANSWERS_TABLE)
    if table is None or not REQUIRED_COLUMNS <= set(table.c.keys()):
        return None
    return table


def csat_query(params: ReportParams, answers: sa.Table) -> sa.Select[Any]:
    """CSAT and NPS of the answers to tickets in scope, grouped like the report."""
    source = Ticket.__table__.join(answers, answers.c.ticket_id == Ticket.id)
    rows = ticket_rows(params, {"csat": answers.c.csat, "nps": answers.c.nps}, source=source)
    rated = sa.func.count(rows.c.csat)
    scored = sa.func.count(rows.c.nps)
    promoters = count_where(rows.c.nps >= 9)
    detractors = count_where(rows.c.nps <= 6)
    return by_group(
        rows,
        sa.func.count().label("answers"),
        rated.label("rated"),
        sa.func.avg(rows.c.csat).label("mean_csat"),
        ratio(count_where(rows.c.csat >= 4), rated).label("csat"),
        scored.label("nps_answers"),
        (ratio(promoters - detractors, scored) * 100).label("nps"),
    )


def summary(session: Session, params: ReportParams) -> dict[str, Any]:
    """The ungrouped CSAT/NPS of the report, or ``{"available": False}`` without answers."""
    answers = answers_table()
    if answers is None:
        return {"available": False, "reason": f"no {SURVEY_ANSWERS_TABLE} table"}
    row = session.execute(csat_query(params.grouped(None), answers)).mappings().one_or_none()
    values = {k: (float(v) if v is not None else None) for k, v in dict(row or {}).items()}
    values.pop("group_key", None)
    if not values.get("answers"):
        return {"available": False, "reason": "no survey answers in this period", **values}
    return {"available": True, **values}
