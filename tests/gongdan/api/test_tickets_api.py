"""The ticket endpoints: happy paths, every error status with its JSON shape, access."""

from __future__ import annotations

import io

from tests.gongdan.api.world import ApiWorld, consultation

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.json["error"]
    assert error["code"] == code
    assert set(error) == {"code", "message", "fields"}
    return error


def create(world: ApiWorld, who: str = "agent", **extra) -> dict:
    response = world.call("POST", "/api/v1/tickets", who, json=consultation(world, **extra))
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def test_create_get_and_list(world: ApiWorld) -> None:
    ticket = create(world)
    assert ticket["number"].startswith("ZX-")
    assert ticket["channel"] == "phone"
    assert ticket["fields"]["question"] == "How often to clean the grinder?"
    got = world.call("GET", f"/api/v1/tickets/{ticket['id']}", "agent")
    assert got.json["number"] == ticket["number"]
    assert got.headers["ETag"] == f'"{ticket["version"]}"'
    by_number = world.call("GET", f"/api/v1/tickets/by-number/{ticket['number']}", "agent")
    assert by_number.json["id"] == ticket["id"]
    create(world)
    page = world.call("GET", "/api/v1/tickets?per_page=1&type=consultation", "agent").json
    assert page["total"] == 2 and page["pages"] == 2 and len(page["items"]) == 1
    assert page["links"]["next"] is not None and page["links"]["prev"] is None
    found = world.call("GET", "/api/v1/tickets?q=acme", "agent").json
    assert found["total"] == 2
    # The same search as the workspace: numbers too, and wildcards are plain characters.
    one = world.call("GET", f"/api/v1/tickets?q={ticket['number'][-4:]}", "agent").json
    assert ticket["number"] in {item["number"] for item in one["items"]}
    assert world.call("GET", "/api/v1/tickets?q=%25", "agent").json["total"] == 0
    assert world.call("GET", "/api/v1/tickets?state=nope", "agent").json["total"] == 0


def test_list_parameters_are_checked(world: ApiWorld) -> None:
    error = error_of(world.call("GET", "/api/v1/tickets?per_page=500", "agent"), 400, "bad_request")
    assert error["fields"] == {"per_page": "per_page must be between 1 and 100, not 500"}
    error = error_of(
        world.call("GET", "/api/v1/tickets?created_from=yesterday&sort=color", "agent"),
        400,
        "bad_request",
    )
    assert set(error["fields"]) == {"created_from", "sort"}


def test_authentication(world: ApiWorld) -> None:
    missing = world.call("GET", "/api/v1/tickets")
    error_of(missing, 401, "unauthorized")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    forged = world.call("GET", "/api/v1/tickets", headers={"Authorization": "Bearer gd_dead_beef"})
    error_of(forged, 401, "unauthorized")


def test_bad_bodies(world: ApiWorld) -> None:
    malformed = world.call(
        "POST", "/api/v1/tickets", "agent", data="{not json", content_type="application/json"
    )
    error_of(malformed, 400, "bad_request")
    unknown = world.call("POST", "/api/v1/tickets", "agent", json={"type": "consultation", "x": 1})
    assert error_of(unknown, 422, "validation_failed")["fields"] == {"x": "unknown member 'x'"}
    invalid = world.call(
        "POST",
        "/api/v1/tickets",
        "agent",
        json=consultation(world, fields={"topic": "weather", "question": "?"}),
    )
    assert "topic" in error_of(invalid, 422, "validation_failed")["fields"]


def test_patch_transition_and_conflict(world: ApiWorld) -> None:
    ticket = create(world)
    url = f"/api/v1/tickets/{ticket['id']}"
    changed = world.call(
        "PATCH", url, "agent", json={"fields": {"answer": "Weekly."}, "version": ticket["version"]}
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["fields"]["answer"] == "Weekly."
    stale = world.call(
        "PATCH",
        url,
        "agent",
        json={"fields": {"answer": "Daily."}},
        headers={"If-Match": f'"{ticket["version"]}"'},
    )
    error_of(stale, 409, "stale")
    keys = [t["key"] for t in world.call("GET", f"{url}/transitions", "agent").json]
    assert keys == ["answer", "ask_expert", "ask_customer"]
    version = changed.json["version"]
    not_here = world.call("POST", f"{url}/transitions/close", "agent", json={"version": version})
    error_of(not_here, 409, "transition_not_allowed")
    answered = world.call(
        "POST", f"{url}/transitions/answer", "agent", headers={"If-Match": str(version)}, json={}
    )
    assert answered.status_code == 200, answered.json
    assert answered.json["state"] == "resolved"
    assert answered.json["state_title"] == {"zh": "已答复", "en": "Answered"}
    no_version = world.call("POST", f"{url}/transitions/close", "agent", json={})
    assert error_of(no_version, 422, "validation_failed")["fields"] == {"version": "is required"}
    events = world.call("GET", f"{url}/events", "agent").json
    assert events[0]["kind"] == "created"


def test_customers_cannot_see_other_customers_tickets(world: ApiWorld) -> None:
    ticket = create(world)
    url = f"/api/v1/tickets/{ticket['id']}"
    error_of(world.call("GET", url, "other_user"), 404, "not_found")
    error_of(
        world.call("POST", f"{url}/comments", "other_user", json={"body": "hi"}), 404, "not_found"
    )
    assert world.call("GET", "/api/v1/tickets", "other_user").json["total"] == 0
    assert world.call("GET", url, "acme_user").status_code == 200
    assert world.call("GET", "/api/v1/tickets", "acme_user").json["total"] == 1


def test_comments_attachments_and_download(world: ApiWorld) -> None:
    ticket = create(world)
    url = f"/api/v1/tickets/{ticket['id']}"
    public = world.call("POST", f"{url}/comments", "agent", json={"body": "We call you."})
    assert public.status_code == 201
    internal = world.call(
        "POST", f"{url}/comments", "agent", json={"body": "VIP?", "internal": True}
    )
    assert internal.status_code == 201
    seen = [c["body"] for c in world.call("GET", f"{url}/comments", "acme_user").json]
    assert seen == ["We call you."]
    upload = world.call(
        "POST",
        f"{url}/attachments",
        "agent",
        data={"file": (io.BytesIO(PNG), "photo.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    download = upload.json["download_url"]
    got = world.call("GET", download, "acme_user")
    assert got.status_code == 200 and got.data == PNG
    got.close()
    error_of(world.call("GET", download, "other_user"), 404, "not_found")
    error_of(world.call("POST", f"{url}/attachments", "agent", data={}), 400, "bad_request")
    assert len(world.call("GET", f"{url}/attachments", "acme_user").json) == 1


def test_unknown_paths_and_methods_answer_json(world: ApiWorld) -> None:
    error_of(world.call("GET", "/api/v1/nothing-here", "agent"), 404, "not_found")
    error_of(world.call("DELETE", "/api/v1/tickets", "agent"), 405, "method_not_allowed")
    error_of(world.call("GET", "/api/v1/tickets/999999", "agent"), 404, "not_found")


def test_browser_session_may_read_but_not_write(world: ApiWorld, login) -> None:
    client = world.client
    client.post("/login", data={"username": "agent", "password": "correct horse"})
    assert client.get("/api/v1/tickets").status_code == 200
    error_of(client.post("/api/v1/tickets", json=consultation(world)), 401, "unauthorized")


def test_transfer_and_assign(world: ApiWorld) -> None:
    ticket = create(world)
    url = f"/api/v1/tickets/{ticket['id']}"
    outside = world.call(
        "POST",
        f"{url}/transfer",
        "agent",
        json={"department": "quality", "reason": "wrong", "version": ticket["version"]},
    )
    error_of(outside, 409, "transition_not_allowed")
    moved = world.call(
        "POST", f"{url}/transfer", "agent",
        json={"department": "tech_support", "reason": "needs an expert",
              "version": ticket["version"]},
    )  # fmt: skip
    assert moved.status_code == 200, moved.json
    assert moved.json["department"] == "tech_support"
    kinds = [e["kind"] for e in world.call("GET", f"{url}/events", "agent").json]
    assert kinds == ["created", "transferred"]
    missing_reason = world.call("POST", f"{url}/assign", "agent", json={"assignee_id": None})
    assert error_of(missing_reason, 422, "validation_failed")["fields"] == {"reason": "is required"}


def test_customer_may_not_comment_internally_or_create_for_others(world: ApiWorld) -> None:
    ticket = create(world, who="acme_user")
    url = f"/api/v1/tickets/{ticket['id']}"
    internal = world.call(
        "POST", f"{url}/comments", "acme_user", json={"body": "x", "internal": True}
    )
    error_of(internal, 403, "forbidden")
    for_other = world.call(
        "POST", "/api/v1/tickets", "acme_user", json=consultation(world, customer="other")
    )
    error_of(for_other, 403, "forbidden")


def test_too_large_upload_is_413(app, world: ApiWorld) -> None:
    ticket = create(world)
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = world.call(
        "POST",
        f"/api/v1/tickets/{ticket['id']}/attachments",
        "agent",
        data={"file": (io.BytesIO(PNG * 100), "big.png", "image/png")},
        content_type="multipart/form-data",
    )
    error_of(response, 413, "too_large")


def test_list_sorted_by_priority(world: ApiWorld) -> None:
    for priority in ("high", "low", "urgent"):
        create(world, priority=priority)
    page = world.call("GET", "/api/v1/tickets?sort=-priority", "agent").json
    assert [t["priority"] for t in page["items"]] == ["urgent", "high", "low"]


def test_token_requests_need_no_csrf_token(make_app) -> None:
    from tests.gongdan.api.world import build_world

    world = build_world(make_app(WTF_CSRF_ENABLED=True))
    response = world.call("POST", "/api/v1/tickets", "agent", json=consultation(world))
    assert response.status_code == 201, response.json


def test_an_unexpected_error_is_a_json_500(world: ApiWorld, monkeypatch) -> None:
    from gongdan.tickets import services

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "get_ticket", explode)
    response = world.call("GET", "/api/v1/tickets/1", "agent")
    error = error_of(response, 500, "internal_error")
    assert "boom" not in error["message"] and "Traceback" not in response.get_data(as_text=True)


def test_a_lost_database_is_a_503_to_retry_and_other_database_errors_a_plain_500(
    world: ApiWorld, monkeypatch
) -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    from gongdan.tickets import services

    def fail_with(error: Exception):
        def fail(*args, **kwargs):
            raise error

        return fail

    lost = OperationalError("SELECT secret", {}, Exception("server closed the connection"))
    monkeypatch.setattr(services, "get_ticket", fail_with(lost))
    response = world.call("GET", "/api/v1/tickets/1", "agent")
    error = error_of(response, 503, "database_unavailable")
    assert "nothing was saved" in error["message"] and response.headers["Retry-After"]
    assert "SELECT" not in response.get_data(as_text=True)
    clash = IntegrityError("INSERT secret", {}, Exception("duplicate key"))
    monkeypatch.setattr(services, "get_ticket", fail_with(clash))
    response = world.call("GET", "/api/v1/tickets/1", "agent")
    error_of(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True)


def test_customers_see_only_public_events_and_visible_fields(world: ApiWorld) -> None:
    ticket = create(world)
    url = f"/api/v1/tickets/{ticket['id']}"
    changed = world.call(
        "PATCH", url, "agent",
        json={"fields": {"kb_article": "KB-7"}, "version": ticket["version"]},
    )  # fmt: skip
    assert changed.json["fields"]["kb_article"] == "KB-7"
    world.call("POST", f"{url}/comments", "agent", json={"body": "check KB", "internal": True})
    assert "kb_article" not in world.call("GET", url, "acme_user").json["fields"]
    staff = world.call("GET", f"{url}/events", "agent").json
    customer = world.call("GET", f"{url}/events", "acme_user").json
    assert all(event["public"] for event in customer)
    assert len(customer) < len(staff)
