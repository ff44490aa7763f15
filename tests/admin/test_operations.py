"""The operations views are refused to non-admins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

URLS = ["/admin/outbox/", "/admin/outbox/details/?id=1", "/admin/jobs/", "/admin/audit/",
        "/admin/audit/export/csv/"]  # fmt: skip


@pytest.mark.parametrize("role", ["manager", "dispatcher", "engineer", "customer"])
def test_non_admins_get_403_on_every_operations_page(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any], role: str
) -> None:
    make_user("someone", role)
    login("someone")
    for url in URLS:
        assert client.get(url).status_code == 403, url
    assert client.post("/admin/jobs/requeue", data={"job_id": "x"}).status_code == 403
    assert (
        client.post("/admin/outbox/action/", data={"action": "retry", "rowid": "1"}).status_code
        == 403
    )
