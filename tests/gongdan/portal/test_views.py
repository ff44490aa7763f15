"""The customer portal: submit, list, follow, add information, confirm or reopen — own only."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select
from tests.gongdan.fieldwork.factories import (
    Site,
    create_repair,
    csrf_token_of,
    png_bytes,
    step,
    version_of,
)

from gongdan.db import db
from gongdan.tickets import services
from gongdan.tickets.models import Ticket, TicketAttachment, TicketComment

REPAIR_FORM = {
    "type_key": "repair",
    "f.contact": "",
    "f.visit_address.region": "east",
    "f.visit_address.city": "上海",
    "f.visit_address.line": "南京西路 1 号",
    "f.serial_no": "SN-P-1",
    "f.product_model": "es_pro_2",
    "f.symptom": "蒸汽棒漏水",
    "f.impact": "degraded",
}


def repair_form(site: Site, **changes: Any) -> dict[str, Any]:
    data = {**REPAIR_FORM, "f.contact": str(site.contacts["acme"])}
    data.update(changes)
    return data


def tickets_of(site: Site) -> list[Ticket]:
    with site.app.app_context():
        return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


def resolved_repair(site: Site) -> str:
    """An acme repair resolved at first contact by the agent."""
    number = create_repair(site)
    with site.app.app_context():
        ticket = site.ticket(number)
        services.update_fields(
            db.session,
            site.user("agent"),
            ticket.id,
            changes={"resolution_code": "remote_guidance"},
            expected_version=ticket.version,
        )
    step(site, number, "agent", "solve_at_first_contact", comment="已远程指导")
    return number


def test_submit_a_request_with_photos_through_the_portal(site: Site) -> None:
    client = site.client("acme_user")
    page = client.get("/portal/new").get_data(as_text=True)
    assert 'data-testid="type-repair"' in page and 'data-testid="type-installation"' not in page
    form = client.get("/portal/new?type=repair").get_data(as_text=True)
    assert 'name="f.symptom"' in form and 'name="f.customer"' not in form
    assert 'name="f.diagnosis_notes"' not in form  # staff only
    assert 'name="f.customer_signature"' not in form
    photo = (io.BytesIO(png_bytes()), "leak.png", "image/png")
    response = client.post(
        "/portal/new",
        data={**repair_form(site), "f.photos": [photo]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    [ticket] = tickets_of(site)
    assert ticket.channel == "portal" and ticket.customer_id == site.customers["acme"]
    assert ticket.fields["symptom"] == "蒸汽棒漏水" and len(ticket.fields["photos"]) == 1
    assert response.headers["Location"].endswith(f"/portal/tickets/{ticket.number}")


def test_a_saved_address_is_stored_with_its_parts(site: Site) -> None:
    client = site.client("acme_user")
    data = repair_form(site, **{"f.visit_address.id": str(site.addresses["acme"])})
    assert client.post("/portal/new", data=data).status_code == 302
    [ticket] = tickets_of(site)
    assert ticket.address_id == site.addresses["acme"]
    assert ticket.fields["visit_address"]["line"] == "acme 路 1 号"
    other = repair_form(site, **{"f.visit_address.id": str(site.addresses["beta"])})
    response = client.post("/portal/new", data=other)
    assert response.status_code == 422 and len(tickets_of(site)) == 1


def test_a_disallowed_type_is_rejected(site: Site) -> None:
    client = site.client("acme_user")
    response = client.post("/portal/new", data={"type_key": "installation", "f.order_no": "1"})
    assert response.status_code == 403
    assert client.get("/portal/new?type=installation").status_code == 404
    assert tickets_of(site) == []


def test_missing_fields_are_shown_and_nothing_is_created(site: Site) -> None:
    client = site.client("acme_user")
    response = client.post("/portal/new", data=repair_form(site, **{"f.symptom": ""}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="request-error"' in html and 'aria-invalid="true"' in html
    assert "南京西路 1 号" in html  # the customer's input is kept
    assert tickets_of(site) == []


def test_the_list_shows_only_my_organisation_with_customer_status(site: Site) -> None:
    mine = create_repair(site, "acme")
    theirs = create_repair(site, "beta")
    html = site.client("acme_user", "zh_CN").get("/portal").get_data(as_text=True)
    assert f'data-testid="request-{mine}"' in html and theirs not in html
    status = f'data-testid="status-{mine}">已受理<'  # the customer_status, not the title 新建
    assert status in html
    assert "我的请求" in html
    english = site.client("acme_user").get("/portal").get_data(as_text=True)
    assert "Received" in english and "My requests" in english


def test_another_organisations_ticket_is_not_found(site: Site) -> None:
    theirs = create_repair(site, "beta")
    with site.app.app_context():
        ticket_id = site.ticket(theirs).id
    client = site.client("acme_user")
    assert client.get(f"/portal/tickets/{theirs}").status_code == 404
    assert client.get(f"/portal/tickets/by-id/{ticket_id}").status_code == 404
    assert (
        client.post(f"/portal/tickets/{theirs}/information", data={"body": "hi"}).status_code == 404
    )
    response = client.post(
        f"/portal/tickets/{theirs}/transition",
        data={"transition": "cancel", "version": "1", "comment": "x"},
    )
    assert response.status_code == 404
    assert site.client("beta_user").get(f"/portal/tickets/by-id/{ticket_id}").status_code == 302


def test_staff_pages_are_not_for_customers_and_the_portal_not_for_staff(site: Site) -> None:
    assert site.client("agent").get("/portal").status_code == 403
    assert site.client("acme_user").get("/work").status_code == 403


def test_internal_comments_events_and_fields_stay_hidden(site: Site) -> None:
    number = create_repair(site)
    with site.app.app_context():
        ticket = site.ticket(number)
        services.add_comment(
            db.session, site.user("agent"), ticket.id, body="内部：客户难缠", internal=True
        )
        services.add_comment(db.session, site.user("agent"), ticket.id, body="我们已收到")
        assert site.ticket(number).fields["product_line"] == "espresso"  # customer_visible: false
        ticket = site.ticket(number)
        services.add_attachment(
            db.session,
            site.user("agent"),
            ticket.id,
            filename="internal.png",
            content_type="image/png",
            data=png_bytes(),
            internal=True,
        )
        internal_id = db.session.scalar(select(TicketAttachment.id))
    step(site, number, "agent", "accept")
    client = site.client("acme_user")
    html = client.get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert "我们已收到" in html
    assert "客户难缠" not in html and "internal.png" not in html
    assert (
        'data-testid="detail-product_line"' not in html and 'data-testid="detail-symptom"' in html
    )
    assert "tech_support_by_product_line" not in html
    assert "Status: Being diagnosed" in html  # the status change, in customer words
    assert client.get(f"/portal/tickets/{number}/files/{internal_id}").status_code == 404


def test_add_information_with_a_file_and_escaping(site: Site) -> None:
    number = create_repair(site)
    client = site.client("acme_user")
    script = "<script>alert('x')</script>"
    response = client.post(
        f"/portal/tickets/{number}/information",
        data={
            "body": script,
            "files": [(io.BytesIO(png_bytes()), "more.png", "image/png")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    html = client.get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert script not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "more.png" in html
    with site.app.app_context():
        [comment] = db.session.scalars(select(TicketComment)).all()
        assert comment.internal is False and comment.body == script
    empty = client.post(f"/portal/tickets/{number}/information", data={"body": "  "})
    assert empty.status_code == 422


def test_confirm_the_fix(site: Site) -> None:
    number = resolved_repair(site)
    client = site.client("acme_user")
    html = client.get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert 'data-testid="transition-close"' in html and 'data-testid="transition-reopen"' in html
    assert "Fixed, please confirm" in html
    response = client.post(
        f"/portal/tickets/{number}/transition",
        data={"transition": "close", "version": version_of(site, number)},
    )
    assert response.status_code == 302
    with site.app.app_context():
        assert site.ticket(number).state == "closed"


def test_reopen_needs_a_reason(site: Site) -> None:
    number = resolved_repair(site)
    client = site.client("acme_user")
    data = {"transition": "reopen", "version": version_of(site, number)}
    response = client.post(f"/portal/tickets/{number}/transition", data=data)
    assert response.status_code == 422
    with site.app.app_context():
        assert site.ticket(number).state == "resolved"
    response = client.post(
        f"/portal/tickets/{number}/transition", data={**data, "comment": "还是漏水"}
    )
    assert response.status_code == 302
    with site.app.app_context():
        ticket = site.ticket(number)
        assert ticket.state == "diagnosing" and ticket.reopen_count == 1
    html = client.get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert "还是漏水" in html


def test_a_stale_confirm_changes_nothing(site: Site) -> None:
    number = resolved_repair(site)
    response = site.client("acme_user").post(
        f"/portal/tickets/{number}/transition", data={"transition": "close", "version": "1"}
    )
    assert response.status_code == 409
    assert "changed while you were reading it" in response.get_data(as_text=True)
    with site.app.app_context():
        assert site.ticket(number).state == "resolved"


def test_the_timeline_names_the_engineer_only(site: Site) -> None:
    number = create_repair(site)
    step(site, number, "agent", "accept")
    step(site, number, "dispatcher", "dispatch", fields={"fault_code": "e01_no_water"})
    with site.app.app_context():
        ticket = site.ticket(number)
        services.assign_ticket(
            db.session,
            site.user("dispatcher"),
            ticket.id,
            assignee_id=site.users["engineer"],
            reason="离得最近 secret reason",
            expected_version=ticket.version,
        )
    html = site.client("acme_user").get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert "engineer 名" in html and "secret reason" not in html
    assert html.count('data-testid="timeline-entry"') >= 4


def test_csrf_is_enforced(csrf_site: Site) -> None:
    site = csrf_site
    client = site.app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "username": "acme_user",
            "password": "correct horse",
            "csrf_token": csrf_token_of(login_page),
        },
    )
    form = client.get("/portal/new?type=repair")
    assert form.status_code == 200
    assert client.post("/portal/new", data=repair_form(site)).status_code == 400
    assert tickets_of(site) == []
    token = csrf_token_of(form.get_data(as_text=True))
    response = client.post("/portal/new", data={**repair_form(site), "csrf_token": token})
    assert response.status_code == 302


def test_a_request_without_address_fields_takes_the_organisations_address(site: Site) -> None:
    client = site.client("acme_user")
    form = client.get("/portal/new?type=consultation").get_data(as_text=True)
    assert 'name="address_id"' in form
    data = {"type_key": "consultation", "f.topic": "operation", "f.question": "怎么清洗？"}
    theirs = client.post("/portal/new", data={**data, "address_id": site.addresses["beta"]})
    assert theirs.status_code == 422 and tickets_of(site) == []
    assert 'data-testid="request-files"' in form
    photo = (io.BytesIO(png_bytes()), "machine.png", "image/png")
    mine = client.post(
        "/portal/new",
        data={**data, "address_id": site.addresses["acme"], "files": [photo]},
        content_type="multipart/form-data",
    )
    assert mine.status_code == 302
    [ticket] = tickets_of(site)
    assert ticket.address_id == site.addresses["acme"] and ticket.type_key == "consultation"
    with site.app.app_context():
        [attachment] = db.session.scalars(select(TicketAttachment)).all()
        assert (attachment.filename, attachment.field_key) == ("machine.png", None)
    html = client.get(f"/portal/tickets/{ticket.number}").get_data(as_text=True)
    assert "machine.png" in html
