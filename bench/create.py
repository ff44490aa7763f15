"""The create path: tickets created through ``POST /api/v1/tickets`` under gunicorn.

The app runs as in production: gunicorn with ``workers = CPU cores × 2`` on the history
database (PostgreSQL) and, when Redis answers, RQ for the after-commit jobs. Repair tickets are
posted by an agent's token for customers of the generated history, so each one is numbered,
validated, derived (priority, product line, charge class), routed, gets its SLA clocks, its
events and its notifications, like a call-centre ticket.

Figures at concurrency 8 and 32: requests/s, p50/p95/p99 latency, errors (must be 0); then the
**floor**: the same rows (ticket, events, clocks, outbox, number sequence) written with plain
SQLAlchemy Core in one process, one transaction per ticket as the service does, so the
engine's overhead is the ratio ``engine ms per ticket ÷ floor ms per ticket`` (per core).
Last, the peak resident memory (VmHWM) of the web workers after the runs.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.database import HISTORY, instance_path
from bench.report import Figure, percentile
from gongdan.accounts.models import User
from gongdan.accounts.tokens import create_token
from gongdan.customers.models import Contact, Customer
from gongdan.db import db

NAME = "create"
CONCURRENCY = (8, 32)
#: Requests per concurrency level (after a warm-up of one request per connection).
REQUESTS = {8: 600, 32: 1200}
FLOOR_TICKETS = 600
#: Tables a created ticket writes rows to, and the floor copies.
WRITTEN = ("tickets", "ticket_events", "sla_clocks", "notification_outbox")
ROOT = Path(__file__).resolve().parents[1]


def _redis_url() -> str | None:
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # no Redis: the workers run after-commit jobs in-process
        return None
    return url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running gunicorn: its address and master process."""

    port: int
    process: subprocess.Popen[bytes]

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def peak_rss_mb(self) -> float:
        """The largest VmHWM (peak resident set) among the workers, in MiB."""
        peaks = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks, default=0.0)


@contextmanager
def gunicorn(workers: int) -> Iterator[Server]:
    """Serve the history database with ``workers`` gunicorn workers until the block ends."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": HISTORY.url,
        "SECRET_KEY": "bench",
        "GONGDAN_INSTANCE_PATH": instance_path(),
        "RQ_QUEUE": "bench-create",
    }
    redis_url = _redis_url()
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        "--timeout", "60", "gongdan:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    server = Server(port, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/api/v1/openapi.json")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start; see its output above")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
        if redis_url:
            import redis

            connection = redis.Redis.from_url(redis_url)
            for key in connection.scan_iter("rq:*bench-create*"):
                connection.delete(key)


def _bodies(count: int) -> tuple[str, list[bytes]]:
    """An agent's token and ``count`` repair tickets for generated customers."""
    app = HISTORY.app()
    rng = random.Random(5)
    with app.app_context():
        session = db.session
        agent = session.scalar(sa.select(User).where(User.username == "agent1"))
        assert agent is not None
        token = create_token(session, agent, name="bench create").secret
        session.commit()
        customers = session.execute(
            sa.select(Customer.id, sa.func.min(Contact.id))
            .join(Contact, Contact.customer_id == Customer.id)
            .where(Customer.code.like("B%"))
            .group_by(Customer.id)
            .limit(5000)
        ).all()
    models = ["es_pro_2", "es_pro_3", "es_compact", "bc_600", "bc_900_milk", "gr_64", "ic_120"]
    impacts = ["business_down", "degraded", "minor"]
    bodies = []
    for n in range(count):
        customer_id, contact_id = rng.choice(customers)
        fields = {
            "customer": customer_id,
            "contact": contact_id,
            "service_mode": "remote",
            "serial_no": f"SN-BENCH-{n:06d}",
            "product_model": rng.choice(models),
            "symptom": f"出水温度不够，显示屏报错 E{rng.randint(10, 99)}",
            "impact": rng.choice(impacts),
        }
        body = {"type": "repair", "channel": "phone", "fields": fields}
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return token, bodies


@dataclass
class LoadResult:
    """Latencies (ms) of the successful requests, errors by status, wall time."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _load(port: int, token: str, bodies: list[bytes], concurrency: int, total: int) -> LoadResult:
    """Post ``total`` tickets over ``concurrency`` keep-alive connections."""
    result = LoadResult()
    lock = threading.Lock()
    counter = iter(range(total))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    start_line = threading.Barrier(concurrency + 1)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start_line.wait()
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            began = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/tickets", bodies[n % len(bodies)], headers)
                response = connection.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status, payload = 0, str(error).encode()
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                if status == 201:
                    result.latencies.append(elapsed)
                else:
                    key = f"{status} {payload[:120].decode(errors='replace')}"
                    result.errors[key] = result.errors.get(key, 0) + 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - began
    return result


def _sample_rows(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """The rows the newest API-created ticket wrote, table by table."""
    metadata = sa.MetaData()
    metadata.reflect(engine, only=WRITTEN)
    with engine.connect() as connection:
        ticket = (
            connection.execute(
                sa.select(metadata.tables["tickets"])
                .where(metadata.tables["tickets"].c.channel == "phone")
                .order_by(metadata.tables["tickets"].c.id.desc())
                .limit(1)
            )
            .mappings()
            .one()
        )
        rows = {"tickets": [dict(ticket)]}
        for name in WRITTEN[1:]:
            table = metadata.tables[name]
            rows[name] = [
                dict(row)
                for row in connection.execute(
                    sa.select(table).where(table.c.ticket_id == ticket["id"])
                ).mappings()
            ]
    return rows


def floor(engine: sa.Engine, count: int) -> tuple[float, dict[str, int]]:
    """Write ``count`` tickets' rows with SQLAlchemy Core; returns ms per ticket and rows."""
    sample = _sample_rows(engine)
    metadata = sa.MetaData()
    metadata.reflect(engine, only=(*WRITTEN, "ticket_sequences"))
    tables = metadata.tables
    sequences = tables["ticket_sequences"]
    scope = f"FLOOR-{time.time_ns()}"
    with engine.begin() as connection:
        connection.execute(sa.insert(sequences).values(scope=scope, next_value=1))
    began = time.perf_counter()
    for n in range(count):
        with engine.begin() as connection:
            number = connection.scalar(
                sa.update(sequences)
                .where(sequences.c.scope == scope)
                .values(next_value=sequences.c.next_value + 1)
                .returning(sequences.c.next_value)
            )
            ticket = {k: v for k, v in sample["tickets"][0].items() if k != "id"}
            ticket["number"] = f"{scope}-{number}"
            ticket_id = connection.scalar(
                sa.insert(tables["tickets"]).values(ticket).returning(tables["tickets"].c.id)
            )
            for name in WRITTEN[1:]:
                rows = [
                    {
                        **{k: v for k, v in row.items() if k != "id"},
                        "ticket_id": ticket_id,
                        **(
                            {"dedupe_key": f"{row['dedupe_key']}-{n}"}
                            if "dedupe_key" in row
                            else {}
                        ),
                    }
                    for row in sample[name]
                ]
                if rows:
                    connection.execute(sa.insert(tables[name]), rows)
    seconds = time.perf_counter() - began
    return seconds * 1000 / count, {name: len(rows) for name, rows in sample.items()}


def run() -> list[Figure]:
    """Load gunicorn at each concurrency, then write the floor; ratio and memory last."""
    token, bodies = _bodies(2000)
    workers = (os.cpu_count() or 1) * 2
    figures: list[Figure] = []
    best_ms_per_ticket = float("inf")
    with gunicorn(workers) as server:
        _load(server.port, token, bodies, 4, 40)  # warm-up: every worker compiles its set
        for concurrency in CONCURRENCY:
            result = _load(server.port, token, bodies, concurrency, REQUESTS[concurrency])
            done = len(result.latencies)
            rate = done / result.seconds if result.seconds else 0.0
            note = f"c={concurrency}, {workers} workers, {done} tickets"
            figures += [
                Figure(NAME, f"api c={concurrency} throughput", rate, "tickets/s", note),
                Figure(NAME, f"api c={concurrency} p50", percentile(result.latencies, 0.5), "ms"),
                Figure(NAME, f"api c={concurrency} p95", percentile(result.latencies, 0.95), "ms"),
                Figure(NAME, f"api c={concurrency} p99", percentile(result.latencies, 0.99), "ms"),
                Figure(NAME, f"api c={concurrency} errors", sum(result.errors.values()), "count"),
            ]
            for error, times in result.errors.items():
                print(f"  {times} × {error}", file=sys.stderr)
            figures.append(
                Figure(NAME, f"worker peak RSS after c={concurrency}", server.peak_rss_mb(), "MiB")
            )
            if rate:
                # Core-milliseconds per ticket: the whole machine was busy serving.
                best_ms_per_ticket = min(best_ms_per_ticket, (os.cpu_count() or 1) * 1000 / rate)
    engine = HISTORY.engine()
    try:
        floor_ms, rows = floor(engine, FLOOR_TICKETS)
    finally:
        engine.dispose()
    shape = ", ".join(f"{count} {name}" for name, count in rows.items())
    figures += [
        Figure(NAME, "floor (Core, 1 process)", floor_ms, "ms/ticket", shape),
        Figure(NAME, "engine core-ms per ticket", best_ms_per_ticket, "ms/ticket", "best of runs"),
        Figure(
            NAME,
            "engine ÷ floor",
            best_ms_per_ticket / floor_ms if floor_ms else 0.0,
            "ratio",
            "target ≤ 3",
        ),
    ]
    return figures
