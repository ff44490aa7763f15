"""Ticket lists over 100 000 and 1 000 000 tickets: the agent workspace and ``GET /tickets``.

Each figure is a whole request through the app (routing, login or token, SQL, rendering or
JSON), served in-process so that only the list's own cost is measured:

* ``workspace filter``: ``/tickets?state=&department=&priority=`` as an agent (the open queue,
  the page of 25, the queue counts, the SLA column);
* ``workspace search``: ``/tickets?q=`` with part of a ticket number, then of a customer name;
* ``api filter`` and ``api search``: the same through ``/api/v1/tickets`` with a token (with
  the total count the API returns).

Filters are sampled from the open tickets that exist (weighted as they occur), search strings
from real numbers and customer names, so every request finds something.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench.database import HISTORY
from bench.generate import Shape, generate
from bench.report import Figure, summary, timings_ms
from gongdan.accounts.models import User
from gongdan.accounts.tokens import create_token
from gongdan.customers.models import Customer
from gongdan.db import db
from gongdan.demo import DEMO_PASSWORD
from gongdan.tickets.models import Ticket

NAME = "list"
SIZES = (100_000, 1_000_000)
REPEAT = 30


def _samples(app: Flask, rng: random.Random) -> tuple[list[dict[str, str]], list[str], list[str]]:
    with app.app_context():
        session = db.session
        combos = session.execute(
            sa.select(Ticket.state, Ticket.department_key, Ticket.priority, sa.func.count())
            .where(Ticket.state_category.in_(("open", "paused")))
            .group_by(Ticket.state, Ticket.department_key, Ticket.priority)
        ).all()
        filters = [
            {"state": state, "department": department or "", "priority": priority}
            for state, department, priority, _ in rng.choices(
                combos, weights=[row[3] for row in combos], k=REPEAT
            )
        ]
        top = session.scalar(sa.select(sa.func.max(Ticket.id))) or 1
        pick = sa.select(Ticket.number).order_by(Ticket.id).limit(1)
        numbers = [
            session.scalar(pick.where(Ticket.id >= rng.randint(1, top))) for _ in range(REPEAT)
        ]
        customers = [
            session.scalar(
                sa.select(Customer.name).where(Customer.code == f"B{rng.randint(1, 20_000):07d}")
            )
            for _ in range(REPEAT)
        ]
    # Part of a number (its sequence) and part of a name (the customer's serial).
    return filters, [n[-6:] for n in numbers if n], [c[-7:] for c in customers if c]


def _cycle(
    client: FlaskClient, path: str, queries: list[str], **headers: str
) -> Callable[[], None]:
    position = iter(range(10**9))

    def request() -> None:
        query = queries[next(position) % len(queries)]
        response = client.get(f"{path}?{query}", headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {path}?{query} answered {response.status_code}")

    return request


def _measure(app: Flask, size: int, rng: random.Random) -> list[Figure]:
    filters, numbers, names = _samples(app, rng)
    with app.app_context():
        agent = db.session.scalar(sa.select(User).where(User.username == "agent1"))
        assert agent is not None
        token = create_token(db.session, agent, name="bench").secret
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": "agent1", "password": DEMO_PASSWORD})
    auth = {"Authorization": f"Bearer {token}"}
    filter_queries = [urlencode(f) for f in filters]
    search_queries = [urlencode({"q": n}) for n in numbers] + [urlencode({"q": n}) for n in names]
    note = f"{size:,} tickets"
    label = f"{size // 1000}k"
    figures: list[Figure] = []
    for figure, path, queries, headers in (
        ("workspace filter", "/tickets", filter_queries, {}),
        ("workspace search", "/tickets", search_queries, {}),
        ("api filter", "/api/v1/tickets", filter_queries, auth),
        ("api search", "/api/v1/tickets", search_queries, auth),
    ):
        samples = timings_ms(_cycle(client, path, queries, **headers), repeat=REPEAT * 2, warmup=3)
        figures += summary(NAME, f"{figure} {label}", samples, note)
    return figures


def run() -> list[Figure]:
    """Generate up to each size in turn and measure the lists there."""
    rng = random.Random(11)
    app = HISTORY.ensure()
    # The workspace is measured with a logged-in browser session, without its CSRF token.
    client_app = HISTORY.app(WTF_CSRF_ENABLED=False)
    figures: list[Figure] = []
    for size in SIZES:
        generate(app, size, Shape())
        figures += _measure(client_app, size, rng)
    return figures
