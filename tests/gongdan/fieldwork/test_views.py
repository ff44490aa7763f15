"""The engineer's phone pages: my work, accept, check in, photos, report, signature, submit."""

from __future__ import annotations

import base64
import io
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from tests.gongdan.fieldwork.factories import (
    Site,
    create_repair,
    csrf_token_of,
    dispatched_repair,
    png_bytes,
    png_data_url,
    version_of,
)

from gongdan.accounts.models import User
from gongdan.db import db
from gongdan.tickets.models import TicketAttachment, TicketEvent

HERE = {
    "f.check_in_location.lat": "31.2304",
    "f.check_in_location.lng": "121.4737",
    "f.check_in_location.accuracy": "12",
}


def post(client: FlaskClient, site: Site, number: str, action: str, **data: Any) -> Any:
    """POST an action of the work page with the ticket's current version."""
    data.setdefault("version", str(version_of(site, number)))
    return client.post(f"/work/{number}/{action}", data=data)


def events(site: Site, number: str, kind: str) -> list[TicketEvent]:
    with site.app.app_context():
        ticket = site.ticket(number)
        return list(
            db.session.scalars(
                select(TicketEvent).where(
                    TicketEvent.ticket_id == ticket.id, TicketEvent.kind == kind
                )
            )
        )


def test_my_work_lists_only_my_assigned_tickets_most_urgent_first(site: Site) -> None:
    normal = dispatched_repair(site)
    urgent = dispatched_repair(site, priority="urgent")
    other = dispatched_repair(site, "beta", engineer="engineer2")
    unassigned = create_repair(site)
    page = site.client("engineer").get("/work")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index(f'data-testid="work-{urgent}"') < html.index(f'data-testid="work-{normal}"')
    assert other not in html and unassigned not in html
    assert 'href="tel:13800000000"' in html
    assert "uri.amap.com/marker?position=121.470000,31.230000" in html
    assert 'data-testid="availability-available"' in html


def test_work_pages_are_for_engineers_only(site: Site) -> None:
    number = dispatched_repair(site)
    assert site.client("agent").get("/work").status_code == 403
    assert site.client("acme_user").get(f"/work/{number}").status_code == 403
    anonymous = site.app.test_client().get("/work")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_another_engineers_ticket_is_not_found(site: Site) -> None:
    number = dispatched_repair(site)
    client = site.client("engineer2")
    assert client.get(f"/work/{number}").status_code == 404
    assert post(client, site, number, "accept").status_code == 404


def test_accept_records_the_event_once(site: Site) -> None:
    number = dispatched_repair(site)
    client = site.client("engineer")
    assert 'data-testid="accept"' in client.get(f"/work/{number}").get_data(as_text=True)
    response = post(client, site, number, "accept")
    assert response.status_code == 302
    with site.app.app_context():
        assert site.ticket(number).accepted_at is not None
    assert len(events(site, number, "accepted")) == 1
    assert 'data-testid="accept"' not in client.get(f"/work/{number}").get_data(as_text=True)


def test_a_stale_version_changes_nothing_and_says_reload(site: Site) -> None:
    number = dispatched_repair(site)
    client = site.client("engineer")
    stale = str(version_of(site, number) - 1)
    response = post(client, site, number, "accept", version=stale)
    assert response.status_code == 409
    assert "Someone else changed this ticket" in response.get_data(as_text=True)
    with site.app.app_context():
        assert site.ticket(number).accepted_at is None
    response = post(client, site, number, "report", version=stale, **{"f.work_done": "x"})
    assert response.status_code == 409
    with site.app.app_context():
        assert "work_done" not in site.ticket(number).fields


def test_check_in_takes_the_transition_and_records_place_and_time(site: Site) -> None:
    number = dispatched_repair(site)
    client = site.client("engineer")
    response = post(client, site, number, "check-in", **HERE)
    assert response.status_code == 302
    with site.app.app_context():
        ticket = site.ticket(number)
        assert ticket.state == "on_site" and ticket.checked_in_at is not None
        location = ticket.fields["check_in_location"]
        assert (location["lat"], location["lng"], location["accuracy"]) == (31.2304, 121.4737, 12)
        engineer = db.session.get(User, site.users["engineer"])
        assert (engineer.last_lat, engineer.last_lng) == (31.2304, 121.4737)
    [event] = events(site, number, "checked_in")
    assert event.data["location"]["lat"] == 31.2304
    assert 'data-testid="checked-in"' in client.get(f"/work/{number}").get_data(as_text=True)


def test_check_in_without_a_position_explains_and_changes_nothing(site: Site) -> None:
    number = dispatched_repair(site)
    response = post(site.client("engineer"), site, number, "check-in")
    assert response.status_code == 422
    assert "Allow this site to use your location" in response.get_data(as_text=True)
    with site.app.app_context():
        assert site.ticket(number).state == "dispatched"
    assert events(site, number, "checked_in") == []


def test_photos_are_added_to_the_field_and_a_fake_image_is_refused(site: Site) -> None:
    number = dispatched_repair(site)
    client = site.client("engineer")
    files = [
        (io.BytesIO(png_bytes()), "a.png", "image/png"),
        (io.BytesIO(png_bytes(30, 30)), "b.png", "image/png"),
    ]
    response = client.post(
        f"/work/{number}/photos",
        data={
            "version": str(version_of(site, number)),
            "field": "site_photos",
            "f.site_photos": files,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with site.app.app_context():
        ids = site.ticket(number).fields["site_photos"]
        assert len(ids) == 2
        rows = db.session.scalars(select(TicketAttachment)).all()
        assert {r.field_key for r in rows} == {"site_photos"}
    page = client.get(f"/work/{number}").get_data(as_text=True)
    assert f"/work/{number}/files/{ids[0]}" in page
    with client.get(f"/work/{number}/files/{ids[0]}") as image:
        assert image.status_code == 200 and image.data == png_bytes()
        assert image.headers["X-Content-Type-Options"] == "nosniff"
    fake = [(io.BytesIO(b"<script>alert(1)</script>"), "evil.png", "image/png")]
    response = client.post(
        f"/work/{number}/photos",
        data={
            "version": str(version_of(site, number)),
            "field": "site_photos",
            "f.site_photos": fake,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "declared as image/png" in response.get_data(as_text=True)
    with site.app.app_context():
        assert len(site.ticket(number).fields["site_photos"]) == 2


def test_the_report_is_saved_and_unreadable_input_is_shown(site: Site) -> None:
    number = dispatched_repair(site)
    client = site.client("engineer")
    response = post(
        client,
        site,
        number,
        "report",
        **{
            "f.fault_code": "e02_heater",
            "f.work_done": "换加热管 <b>ok</b>",
            "f.labour_hours": "1.5",
            "f.parts_used.__rows__": "1",
            "f.parts_used.0.part_no": "P-7",
            "f.parts_used.0.quantity": "2",
        },
    )
    assert response.status_code == 302
    with site.app.app_context():
        fields = site.ticket(number).fields
    assert fields["fault_code"] == "e02_heater" and fields["labour_hours"] == 1.5
    assert fields["parts_used"] == [{"part_no": "P-7", "quantity": 2, "charged": False}] or fields[
        "parts_used"
    ] == [{"part_no": "P-7", "quantity": 2}]
    page = client.get(f"/work/{number}").get_data(as_text=True)
    assert "换加热管 &lt;b&gt;ok&lt;/b&gt;" in page and "<b>ok</b>" not in page
    response = post(client, site, number, "report", **{"f.labour_hours": "abc"})
    assert response.status_code == 422
    assert 'data-testid="error-labour_hours"' in response.get_data(as_text=True)
    with site.app.app_context():
        assert site.ticket(number).fields["labour_hours"] == 1.5


def test_the_signature_is_stored_as_a_png_attachment(site: Site) -> None:
    number = dispatched_repair(site)
    client = site.client("engineer")
    response = post(
        client,
        site,
        number,
        "signature",
        **{
            "field": "customer_signature",
            "f.customer_signature": png_data_url(),
        },
    )
    assert response.status_code == 302
    with site.app.app_context():
        value = site.ticket(number).fields["customer_signature"]
        attachment = db.session.get(TicketAttachment, int(value))
        assert attachment.content_type == "image/png"
        assert attachment.field_key == "customer_signature"
        assert attachment.size == len(png_bytes())


def test_a_forged_signature_is_refused(site: Site) -> None:
    number = dispatched_repair(site)
    client = site.client("engineer")
    forged = {
        "script": "data:image/png;base64," + base64.b64encode(b"<script>x</script>").decode(),
        "jpeg": "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff\xe0").decode(),
        "broken": png_data_url(png_bytes()[:-5]),
        "not base64": "data:image/png;base64,!!!",
        "empty": "",
    }
    for name, data_url in forged.items():
        response = post(
            client,
            site,
            number,
            "signature",
            **{
                "field": "customer_signature",
                "f.customer_signature": data_url,
            },
        )
        assert response.status_code == 422, name
        assert 'data-testid="work-error"' in response.get_data(as_text=True)
    with site.app.app_context():
        assert "customer_signature" not in site.ticket(number).fields
        assert db.session.scalars(select(TicketAttachment)).all() == []


def test_submit_for_review_after_check_in_report_and_signature(site: Site) -> None:
    number = dispatched_repair(site)
    client = site.client("engineer")
    assert post(client, site, number, "accept").status_code == 302
    assert post(client, site, number, "check-in", **HERE).status_code == 302
    page = client.get(f"/work/{number}").get_data(as_text=True)
    assert 'data-testid="transition-submit_report"' in page
    # Without the report the services refuse, naming what is missing.
    response = post(client, site, number, "transition", transition="submit_report")
    assert response.status_code == 422
    report = {"f.work_done": "换泵", "f.labour_hours": "2"}
    assert post(client, site, number, "report", **report).status_code == 302
    signature = {"field": "customer_signature", "f.customer_signature": png_data_url()}
    assert post(client, site, number, "signature", **signature).status_code == 302
    response = post(client, site, number, "transition", transition="submit_report")
    assert response.status_code == 302
    with site.app.app_context():
        assert site.ticket(number).state == "pending_review"


def test_availability_switch(site: Site) -> None:
    client = site.client("engineer")
    assert client.post("/work/availability", data={"availability": "busy"}).status_code == 302
    assert client.post("/work/availability", data={"availability": "asleep"}).status_code == 302
    with site.app.app_context():
        assert db.session.get(User, site.users["engineer"]).availability == "busy"
    html = client.get("/work").get_data(as_text=True)
    assert 'aria-pressed="true"\n              id="availability-busy"' in html


def test_csrf_is_enforced(csrf_site: Site) -> None:
    site = csrf_site
    number = dispatched_repair(site)
    client = site.app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "username": "engineer",
            "password": "correct horse",
            "csrf_token": csrf_token_of(login_page),
        },
    )
    page = client.get(f"/work/{number}")
    assert page.status_code == 200
    forged = client.post(f"/work/{number}/accept", data={"version": version_of(site, number)})
    assert forged.status_code == 400
    with site.app.app_context():
        assert site.ticket(number).accepted_at is None
    token = csrf_token_of(page.get_data(as_text=True))
    response = client.post(
        f"/work/{number}/accept", data={"version": version_of(site, number), "csrf_token": token}
    )
    assert response.status_code == 302


def test_the_work_page_speaks_chinese_by_default(site: Site) -> None:
    number = dispatched_repair(site)
    html = site.client("engineer", "zh_CN").get(f"/work/{number}").get_data(as_text=True)
    assert "现场签到" in html and "接单" in html and "客户签字" in html
    assert 'data-msg-denied="无法获取位置：您拒绝了定位权限' in html


def test_a_closed_ticket_offers_nothing_to_fill_in(site: Site) -> None:
    number = dispatched_repair(site)
    client = site.client("engineer")
    assert post(client, site, number, "report", **{"f.work_done": "换泵"}).status_code == 302
    with site.app.app_context():
        ticket = site.ticket(number)
        ticket.state, ticket.state_category = "closed", "closed"
        db.session.commit()
    html = client.get(f"/work/{number}").get_data(as_text=True)
    assert 'id="report-form"' not in html and 'id="check-in-form"' not in html
    assert 'data-testid="detail-work_done"' in html
