"""The SLA escalation sweep over an open backlog of 1 000 000 tickets, 1 % of them due.

The backlog database holds a million open tickets with running clocks whose next rung lies
ahead. Before each measurement one slot of 1 % of the tickets (``ticket_id % 100``) is
*armed*: their running clocks are placed so the first rung of their ladder has just been
reached (started 80 % of the target ago, ``next_fire_at`` a few minutes past). Then:

* ``find due``: the sweep's own query for the due clocks, all pages of it, timed; and the rows
  PostgreSQL read for it (from ``EXPLAIN ANALYZE``: the scan of ``ix_sla_clocks_due``), which
  must equal the number of due clocks — the sweep never reads the other 99 %;
* ``sweep``: :func:`gongdan.sla.ladder.run_escalation_sweep` firing every due rung (each in
  its own transaction: claim, record, notify, event) — seconds and rungs per second;
* ``idle sweep``: the next sweep, with nothing due: what the minute-by-minute sweep costs.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from bench.database import BACKLOG
from bench.generate import Shape, generate
from bench.report import Figure
from gongdan.db import db
from gongdan.sla.ladder import due_clocks, run_escalation_sweep

NAME = "sla sweep"
OPEN_TICKETS = 1_000_000

ARM = """
WITH first_rung AS (
    SELECT policy_revision_id, metric, min(next_level) AS level
    FROM sla_clocks WHERE next_level IS NOT NULL
    GROUP BY policy_revision_id, metric
), armed AS (
    SELECT c.id, f.level, random() * interval '30 minutes' AS late
    FROM sla_clocks c JOIN first_rung f USING (policy_revision_id, metric)
    WHERE c.stopped_at IS NULL AND c.paused_at IS NULL AND c.ticket_id % 100 = :slot
)
UPDATE sla_clocks c SET
    started_at = now() - make_interval(secs => c.target_seconds * 0.8) - armed.late,
    running_since = now() - make_interval(secs => c.target_seconds * 0.8) - armed.late,
    business_seconds_used_before_pause = 0,
    next_fire_at = now() - armed.late,
    next_level = armed.level
FROM armed WHERE c.id = armed.id
"""
#: Clocks left due by an earlier run (or fired part-way) go back to waiting.
DISARM = """
UPDATE sla_clocks SET next_fire_at = now() + interval '3 days'
WHERE stopped_at IS NULL AND paused_at IS NULL AND next_fire_at <= now()
"""


def _fresh_slot(connection: sa.Connection) -> int:
    """A 1 % slot of tickets none of whose rungs fired yet (each rung fires once, ever)."""
    free = connection.scalar(
        sa.text(
            "SELECT s FROM generate_series(0, 99) AS s WHERE NOT EXISTS"
            " (SELECT 1 FROM sla_escalations WHERE ticket_id % 100 = s) LIMIT 1"
        )
    )
    if free is None:  # a hundred runs later: forget the benchmark's own firings
        connection.execute(sa.text("DELETE FROM sla_escalations"))
        free = 0
    return int(free)


def _scan_rows(plan: dict) -> list[tuple[str, str, int]]:
    """(node type, index or table, rows read) of every scan of a table in a JSON plan.

    Rows read are the rows a scan returned plus those its filter or recheck threw away, over
    all its loops: what PostgreSQL had to look at, not only what it kept.
    """
    found = []
    kind = plan.get("Node Type", "")
    if kind in ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"):
        loops = plan.get("Actual Loops", 1)
        kept = plan["Actual Rows"] * loops
        dropped = plan.get("Rows Removed by Filter", 0) + plan.get(
            "Rows Removed by Index Recheck", 0
        )
        name = plan.get("Index Name") or plan.get("Relation Name") or ""
        found.append((kind, name, kept + dropped))
    for child in plan.get("Plans", []):
        found += _scan_rows(child)
    return found


def run() -> list[Figure]:
    """Arm 1 % of the backlog, find it, sweep it, sweep again."""
    app = BACKLOG.ensure()
    generate(app, OPEN_TICKETS, Shape(open_backlog=True, due_share=0.0))
    figures: list[Figure] = []
    with app.app_context():
        engine = db.engine
        with engine.begin() as connection:
            connection.execute(sa.text(DISARM))
            slot = _fresh_slot(connection)
            armed = connection.execute(sa.text(ARM), {"slot": slot}).rowcount
            connection.execute(sa.text("ANALYZE sla_clocks"))
            open_tickets = connection.scalar(
                sa.text("SELECT count(*) FROM tickets WHERE state_category IN ('open', 'paused')")
            )
        now = datetime.now(UTC)
        query = due_clocks(now, limit=1_000_000)
        compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
        with engine.connect() as connection:
            began = time.perf_counter()
            due = len(connection.execute(query).all())
            find_ms = (time.perf_counter() - began) * 1000
            plan = connection.scalar(sa.text(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}"))
        scans = _scan_rows((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
        read = sum(rows for _, _, rows in scans)
        how = "; ".join(f"{kind} {name}" for kind, name, _ in scans)
        if any(kind == "Bitmap Heap Scan" for kind, _, _ in scans):
            how += " (via ix_sla_clocks_due)"
        note = f"{open_tickets:,} open tickets, {armed:,} clocks armed"
        figures += [
            Figure(NAME, "find due", find_ms, "ms", note),
            Figure(NAME, "due clocks", due, "rows", note),
            Figure(NAME, "rows read to find them", read, "rows", how),
        ]
        session = db.session
        began = time.perf_counter()
        report = run_escalation_sweep(session, now)
        seconds = time.perf_counter() - began
        fired = len(report.fired)
        figures += [
            Figure(NAME, "sweep", seconds * 1000, "ms", f"{fired:,} rungs fired"),
            Figure(
                NAME, "sweep per rung", seconds * 1000 / max(fired, 1), "ms", "claim+fire+event"
            ),
            Figure(NAME, "sweep failures", len(report.failed), "count"),
        ]
        # The same instant again: nothing is due any more, which is what a sweep costs on a
        # quiet minute. (Later instants would find rungs that came due during a long sweep.)
        began = time.perf_counter()
        idle = run_escalation_sweep(session, now)
        figures.append(
            Figure(
                NAME,
                "idle sweep",
                (time.perf_counter() - began) * 1000,
                "ms",
                f"{len(idle.fired)} fired: nothing left due",
            )
        )
    return figures
