"""A small, bounded property-based run of the API against its own OpenAPI document.

Needs ``schemathesis`` (skipped without it). Every operation gets a few generated requests as
the agent; none may answer 5xx, and every answer must match the document (status, media type,
body schema).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from tests.gongdan.api.world import ApiWorld, consultation

#: Generated requests per operation: enough to hit each error path, small enough to stay fast.
EXAMPLES = 8


def _exercise(
    operation: Any, headers: dict[str, str], failures: list[str], calls: list[int]
) -> None:
    from hypothesis import HealthCheck, given, settings
    from schemathesis import checks
    from schemathesis.core.failures import FailureGroup

    # The conformance checks; auth probing is left out: every request carries a valid token.
    conformance = [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_schema_conformance,
        checks.response_headers_conformance,
    ]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(headers=headers)
        calls.append(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{operation.label}: {response.status_code} {response.text[:300]}")
            return
        try:
            case.validate_response(response, checks=conformance)
        except FailureGroup as error:
            failures.append(f"{operation.label}: {str(error)[:500]}")

    check()


def test_generated_requests_match_the_document(
    app: Flask, world: ApiWorld, db_backend: str
) -> None:
    if db_backend != "sqlite":
        pytest.skip("one backend is enough for the generated run")
    schemathesis = pytest.importorskip("schemathesis")
    world.call("POST", "/api/v1/tickets", "agent", json=consultation(world))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {world.tokens['agent']}"}
    failures: list[str] = []
    calls: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        _exercise(operation, headers, failures, calls)
    # Generated data reached the views, not only the token check.
    assert {200, 201} & set(calls) and {400, 404, 422} & set(calls)
    assert not failures, "\n".join(sorted(set(failures))[:15])
