"""Agents racing on one ticket from separate processes (spawned, so nothing is inherited).

Each racer plays ``rounds`` rounds in lockstep with the others: wait for everyone, read the
ticket's version and state, wait for everyone again, then try the transition that state offers
with the version read. Each returns ``(version read, outcome)`` per round through ``results``.
The functions live outside the test module so a spawned child can import them by name.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

#: How long a racer waits for the others at a barrier before giving up.
BARRIER_TIMEOUT = 120.0

#: The consultation workflow's cycle: new → waiting_customer → new → ...
NEXT_TRANSITION = {"new": "ask_customer", "waiting_customer": "customer_replied"}


def comment_for(transition: str, racer: int, version: int) -> str | None:
    """``ask_customer`` requires a comment: say who wrote it, so a lost one can be traced."""
    return f"racer {racer} at version {version}" if transition == "ask_customer" else None


def race_through_services(
    racer: int,
    url: str,
    engine_options: dict[str, Any],
    ticket_id: int,
    agent_id: int,
    rounds: int,
    barrier: Barrier,
    results: Queue[tuple[int, list[tuple[int, str]]]],
) -> None:
    """Race with ``run_transition`` on a database connection of this process."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from gongdan.accounts.models import User
    from gongdan.errors import StaleTicket
    from gongdan.tickets.models import Ticket
    from gongdan.tickets.services import run_transition

    engine = sa.create_engine(url, **engine_options)
    outcomes: list[tuple[int, str]] = []
    try:
        for _ in range(rounds):
            barrier.wait(BARRIER_TIMEOUT)
            with Session(engine) as session:
                seen = session.get(Ticket, ticket_id)
                assert seen is not None
                version, state = seen.version, seen.state
                session.rollback()
                barrier.wait(BARRIER_TIMEOUT)
                transition = NEXT_TRANSITION[state]
                actor = session.get(User, agent_id)
                try:
                    run_transition(
                        session, actor, ticket_id, transition, expected_version=version,
                        comment=comment_for(transition, racer, version),
                    )  # fmt: skip
                    outcomes.append((version, "won"))
                except StaleTicket:
                    outcomes.append((version, "stale"))
    finally:
        engine.dispose()
        results.put((racer, outcomes))


def _call(method: str, url: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (local)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def race_through_http(
    racer: int,
    base_url: str,
    token: str,
    ticket_id: int,
    rounds: int,
    barrier: Barrier,
    results: Queue[tuple[int, list[tuple[int, str]]]],
) -> None:
    """Race through the REST API of a live server; the outcome is ``STATUS:error code``."""
    outcomes: list[tuple[int, str]] = []
    ticket_url = f"{base_url}/api/v1/tickets/{ticket_id}"
    try:
        for _ in range(rounds):
            barrier.wait(BARRIER_TIMEOUT)
            status, ticket = _call("GET", ticket_url, token)
            assert status == 200, ticket
            version = int(ticket["version"])
            barrier.wait(BARRIER_TIMEOUT)
            transition = NEXT_TRANSITION[ticket["state"]]
            body: dict[str, Any] = {"version": version}
            comment = comment_for(transition, racer, version)
            if comment is not None:
                body["comment"] = comment
            status, answer = _call("POST", f"{ticket_url}/transitions/{transition}", token, body)
            code = answer["error"]["code"] if status >= 400 else "ok"
            outcomes.append((version, f"{status}:{code}"))
    finally:
        results.put((racer, outcomes))
