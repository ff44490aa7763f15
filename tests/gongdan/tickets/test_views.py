"""The agent workspace pages: queues, search, the generated create form, the ticket page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select
from tests.gongdan.tickets.conftest import World, counts, repair_fields

from gongdan.tickets import services
from gongdan.tickets.models import Ticket, TicketComment

pytestmark = pytest.mark.usefixtures("world")


def log_in(client: FlaskClient, world: World, name: str, locale: str = "en") -> None:
    # The world fixture keeps an app context pushed, which requests reuse: forget its user.
    g.pop("_login_user", None)
    with client.session_transaction() as flask_session:
        flask_session.clear()
        flask_session["_user_id"] = str(world.user(name).id)
        flask_session["_fresh"] = True
        flask_session["locale"] = locale


def make(world: World, actor: str = "agent", **overrides: Any) -> Ticket:
    arguments: dict[str, Any] = {"type_key": "repair", "channel": "phone"}
    fields = repair_fields(world, **overrides.pop("fields", {}))
    arguments.update(overrides)
    return services.create_ticket(world.session, world.user(actor), fields=fields, **arguments)


def listed(html: str) -> set[str]:
    return set(re.findall(r'data-ticket="([^"]+)"', html))


def test_queues_and_counts(client: FlaskClient, world: World) -> None:
    mine = make(world)
    services.assign_ticket(
        world.session,
        world.user("dispatcher"),
        mine.id,
        assignee_id=world.user("agent").id,
        reason="I take it",
        expected_version=mine.version,
    )
    unassigned = make(world, priority="urgent")
    log_in(client, world, "agent")

    page = client.get("/tickets?queue=mine").get_data(as_text=True)
    assert listed(page) == {mine.number}
    assert listed(client.get("/tickets?queue=unassigned").get_data(as_text=True)) == {
        unassigned.number
    }
    everything = client.get("/tickets").get_data(as_text=True)
    assert listed(everything) == {mine.number, unassigned.number}
    assert re.search(r'data-testid="queue-count-mine">1<', everything)
    assert re.search(r'data-testid="queue-count-open">2<', everything)
    # SLA is off in these tests: no clock runs, so nothing is overdue.
    assert re.search(r'data-testid="queue-count-overdue">0<', everything)
    assert listed(client.get("/tickets?priority=urgent").get_data(as_text=True)) == {
        unassigned.number
    }
    assert listed(client.get("/tickets?type=complaint").get_data(as_text=True)) == set()


def test_search_by_number_customer_phone_serial_and_text(client: FlaskClient, world: World) -> None:
    acme = make(world, fields={"symptom": "grinder makes a loud noise"})
    vip = make(
        world,
        fields={
            "customer": world.customers["vip"].id,
            "contact": world.contacts["vip"].id,
            "asset": world.assets["vip"].id,
            "serial_no": None,
        },
    )
    world.contacts["vip"].mobile = "13912345678"
    world.session.commit()
    log_in(client, world, "agent")

    def search(text: str) -> set[str]:
        response = client.get("/tickets", query_string={"q": text, "queue": "all"})
        assert response.status_code == 200
        return listed(response.get_data(as_text=True))

    assert search(acme.number) == {acme.number}
    assert search("VIP Co") == {vip.number}
    assert search("1391234") == {vip.number}
    assert search("SN-V-1") == {vip.number}
    assert search("loud noise") == {acme.number}
    assert search("nothing like this") == set()


def test_like_wildcards_in_a_search_match_only_themselves(
    client: FlaskClient, world: World
) -> None:
    percent = make(world, fields={"symptom": "filter 100% blocked"})
    underscore = make(world, fields={"symptom": "error code E_12 on screen"})
    log_in(client, world, "agent")

    def search(text: str) -> set[str]:
        response = client.get("/tickets", query_string={"q": text, "queue": "all"})
        assert response.status_code == 200
        return listed(response.get_data(as_text=True))

    assert search("%") == {percent.number}
    assert search("100%") == {percent.number}
    assert search("E_1") == {underscore.number}
    assert search("_") == {underscore.number}
    assert search("\\") == set()


def test_the_all_queue_shows_no_count_and_counts_only_open_tickets(
    client: FlaskClient, world: World
) -> None:
    make(world)
    log_in(client, world, "agent")
    page = client.get("/tickets").get_data(as_text=True)
    assert re.search(r'data-testid="queue-count-open">1<', page)
    assert 'data-testid="queue-all"' in page
    # Counting a million closed tickets on every page view would buy nothing.
    assert 'data-testid="queue-count-all"' not in page


def test_create_form_lists_types_and_renders_live_conditions(
    client: FlaskClient, world: World
) -> None:
    log_in(client, world, "agent")
    choose = client.get("/tickets/new").get_data(as_text=True)
    assert 'data-testid="type-repair"' in choose
    page = client.get("/tickets/new?type=repair").get_data(as_text=True)
    assert 'id="field-symptom"' in page
    assert "data-visible-if=" in page and "service_mode" in page
    assert 'value="phone" selected' in page  # agents take calls: phone by default
    assert 'id="field-customer_signature"' not in page  # filled on site, not at creation


def _repair_form(world: World, **overrides: str) -> dict[str, str]:
    form = {
        "type": "repair",
        "channel": "phone",
        "f.customer": str(world.customers["acme"].id),
        "f.contact": str(world.contacts["acme"].id),
        "f.service_mode": "remote",
        "f.serial_no": "SN-NEW-9",
        "f.product_model": "es_pro_2",
        "f.symptom": "no water",
        "f.impact": "degraded",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v != ""}


def test_create_ticket_from_the_generated_form(client: FlaskClient, world: World) -> None:
    log_in(client, world, "agent")
    # visit_address is hidden for remote service: a value sent anyway is ignored.
    response = client.post(
        "/tickets/new?type=repair",
        data=_repair_form(world, **{"f.visit_address.line": "ignored street"}),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    world.session.expire_all()
    ticket = world.session.scalars(select(Ticket)).one()
    assert response.headers["Location"].endswith(f"/tickets/{ticket.number}")
    assert ticket.channel == "phone"
    assert ticket.customer_id == world.customers["acme"].id
    assert ticket.fields["symptom"] == "no water"
    assert "visit_address" not in ticket.fields
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Ticket {ticket.number} created." in shown


def test_shown_field_becomes_required_and_errors_are_rerendered(
    client: FlaskClient, world: World
) -> None:
    log_in(client, world, "agent")
    before = counts(world.session)
    response = client.post(
        "/tickets/new?type=repair",
        data=_repair_form(world, **{"f.service_mode": "on_site", "f.symptom": "still <kept>"}),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(r'id="error-visit_address"[^>]*>([^<]+)<', page)
    assert error and error.group(1).strip()
    assert "still &lt;kept&gt;</textarea>" in page  # the value survives the failed submit
    assert counts(world.session) == before


@pytest.mark.parametrize(
    ("locale", "required"), [("zh_CN", "此项为必填项"), ("en", "this field is required")]
)
def test_the_engine_s_field_errors_speak_the_reader_s_language(
    client: FlaskClient, world: World, locale: str, required: str
) -> None:
    log_in(client, world, "agent", locale=locale)
    response = client.post(
        "/tickets/new?type=repair",
        data=_repair_form(world, **{"f.service_mode": "on_site"}),
    )
    assert response.status_code == 422
    error = re.search(r'id="error-visit_address"[^>]*>([^<]+)<', response.get_data(as_text=True))
    assert error and error.group(1).strip() == required


def test_unreadable_number_is_reported_next_to_the_field(client: FlaskClient, world: World) -> None:
    log_in(client, world, "agent")
    response = client.post(
        "/tickets/new?type=installation",
        data={
            "type": "installation",
            "channel": "phone",
            "f.customer": str(world.customers["acme"].id),
            "f.quantity": "many",
        },
    )
    assert response.status_code == 422
    assert re.search(
        r'id="error-quantity"[^>]*>\s*Enter a number.', response.get_data(as_text=True)
    )


def test_ticket_page_shows_only_allowed_transitions_and_escapes_text(
    client: FlaskClient, world: World
) -> None:
    ticket = make(world, fields={"symptom": "<script>alert('x')</script>"})
    log_in(client, world, "agent")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(" in page
    shown = set(re.findall(r'data-testid="transition-([a-z_]+)"', page))
    allowed = {
        t.key for t in services.available_transitions(world.session, world.user("agent"), ticket)
    }
    assert shown == allowed and shown
    assert 'id="assign-form"' not in page  # agents may not dispatch
    log_in(client, world, "dispatcher")
    assert 'id="assign-form"' in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)


def test_transition_button_runs_it(client: FlaskClient, world: World) -> None:
    ticket = make(world)
    log_in(client, world, "agent")
    response = client.post(
        f"/tickets/{ticket.number}/transition/accept", data={"version": str(ticket.version)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    world.session.expire_all()
    assert world.session.get(Ticket, ticket.id).state == "diagnosing"


def test_transition_form_asks_for_its_fields_and_comment(client: FlaskClient, world: World) -> None:
    ticket = make(world)
    log_in(client, world, "agent")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    form = page[page.index('id="transition-form-solve_at_first_contact"') :]
    form = form[: form.index("</details>")]
    assert set(re.findall(r'data-field-key="([a-z_]+)"', form)) == {"resolution_code"}
    before = counts(world.session)
    response = client.post(
        f"/tickets/{ticket.number}/transition/solve_at_first_contact",
        data={"version": str(ticket.version), "f.resolution_code": "remote_guidance"},
    )
    assert response.status_code == 422
    assert 'id="transition-form-solve_at_first_contact" open' in response.get_data(as_text=True)
    assert counts(world.session) == before
    response = client.post(
        f"/tickets/{ticket.number}/transition/solve_at_first_contact",
        data={
            "version": str(ticket.version),
            "f.resolution_code": "remote_guidance",
            "comment": "descaled by phone",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    world.session.expire_all()
    solved = world.session.get(Ticket, ticket.id)
    assert (solved.state, solved.fields["resolution_code"]) == ("resolved", "remote_guidance")


def test_transition_not_allowed_for_the_role_is_refused(client: FlaskClient, world: World) -> None:
    ticket = make(world)
    log_in(client, world, "agent")
    response = client.post(
        f"/tickets/{ticket.number}/transition/dispatch", data={"version": str(ticket.version)}
    )
    assert response.status_code == 409
    world.session.expire_all()
    assert world.session.get(Ticket, ticket.id).state == "new"


def test_transfer_needs_a_reason_and_an_allowed_department(
    client: FlaskClient, world: World
) -> None:
    ticket = make(world)
    log_in(client, world, "agent")
    targets = services.allowed_transfers(world.session, world.user("agent"), ticket)
    assert targets
    response = client.post(
        f"/tickets/{ticket.number}/transfer",
        data={"version": str(ticket.version), "department": targets[0], "reason": ""},
    )
    assert response.status_code == 422
    assert "A reason is required." in response.get_data(as_text=True)
    response = client.post(
        f"/tickets/{ticket.number}/transfer",
        data={"version": str(ticket.version), "department": "nowhere", "reason": "try"},
    )
    assert response.status_code == 409
    response = client.post(
        f"/tickets/{ticket.number}/transfer",
        data={
            "version": str(ticket.version),
            "department": targets[0],
            "reason": "needs a specialist",
        },
    )
    assert response.status_code == 302
    world.session.expire_all()
    assert world.session.get(Ticket, ticket.id).department_key == targets[0]


def test_assign_with_reason_records_it(client: FlaskClient, world: World) -> None:
    ticket = make(world)
    log_in(client, world, "dispatcher")
    engineer = world.user("engineer")
    response = client.post(
        f"/tickets/{ticket.number}/assign",
        data={"version": str(ticket.version), "assignee_id": str(engineer.id), "reason": "nearest"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert re.search(r'id="ticket-assignee">\s*engineer', page)
    assert "Reason: nearest" in page


def test_stale_version_shows_reload_message_and_changes_nothing(
    client: FlaskClient, world: World
) -> None:
    ticket = make(world)
    old_version = ticket.version
    services.assign_ticket(
        world.session,
        world.user("dispatcher"),
        ticket.id,
        assignee_id=world.user("engineer").id,
        reason="first",
        expected_version=old_version,
    )
    before = counts(world.session)
    log_in(client, world, "dispatcher")
    response = client.post(
        f"/tickets/{ticket.number}/assign",
        data={"version": str(old_version), "assignee_id": "", "reason": "second"},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    assert counts(world.session) == before


def test_comments_internal_and_public(client: FlaskClient, world: World) -> None:
    ticket = make(world)
    log_in(client, world, "agent")
    client.post(
        f"/tickets/{ticket.number}/comments",
        data={"version": str(ticket.version), "body": "<b>called back</b>", "internal": "1"},
    )
    client.post(
        f"/tickets/{ticket.number}/comments",
        data={"version": str(ticket.version), "body": "we are on it"},
    )
    world.session.expire_all()
    comments = world.session.scalars(select(TicketComment).order_by(TicketComment.id)).all()
    assert [(c.body, c.internal) for c in comments] == [
        ("<b>called back</b>", True),
        ("we are on it", False),
    ]
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "&lt;b&gt;called back&lt;/b&gt;" in page


def test_customers_are_kept_out_of_the_workspace(client: FlaskClient, world: World) -> None:
    ticket = make(world)
    log_in(client, world, "acme_user")
    assert client.get("/tickets").status_code == 403
    assert client.get(f"/tickets/{ticket.number}").status_code == 403


def test_lookup_filters_pickers_by_customer(client: FlaskClient, world: World) -> None:
    log_in(client, world, "agent")
    acme = world.customers["acme"].id
    assets = client.get(f"/tickets/lookup/assets?customer={acme}").get_json()
    assert {a["title"].split(" ")[0] for a in assets} == {"SN-W-1", "SN-X-1"}
    customers = client.get("/tickets/lookup/customers?q=VIP").get_json()
    assert [c["title"] for c in customers] == ["VIP Co (C-VIP)"]


def test_forged_csrf_token_is_refused(make_app: Any, world: World) -> None:
    app: Flask = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    log_in(client, world, "agent")
    before = counts(world.session)
    response = client.post(
        "/tickets/new?type=repair", data={**_repair_form(world), "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert counts(world.session) == before
    page = client.get("/tickets/new?type=repair").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    response = client.post(
        "/tickets/new?type=repair", data={**_repair_form(world), "csrf_token": token.group(1)}
    )
    assert response.status_code == 302


def test_pages_in_chinese(client: FlaskClient, world: World) -> None:
    ticket = make(world)
    log_in(client, world, "dispatcher", locale="zh_CN")
    listing = client.get("/tickets").get_data(as_text=True)
    assert "全部未结" in listing and "工单号" in listing
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "处理记录" in page and "派工" in page
    assert "故障现象" in page  # the field title in the definition's Chinese


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_upload_and_download_an_attachment(client: FlaskClient, world: World) -> None:
    import io

    ticket = make(world)
    log_in(client, world, "agent")
    response = client.post(
        f"/tickets/{ticket.number}/attachments",
        data={"version": str(ticket.version), "file": (io.BytesIO(PNG), "photo <1>.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    link = re.search(r'href="(/tickets/[^"]+/attachments/\d+)"', page)
    assert link
    with client.get(link.group(1)) as download:
        assert download.status_code == 200 and download.data == PNG
        assert download.mimetype == "image/png"
    log_in(client, world, "other_engineer")  # not assigned, another department
    assert client.get(link.group(1)).status_code == 404


def test_saving_fields_records_before_and_after(client: FlaskClient, world: World) -> None:
    ticket = make(world, fields={"symptom": "no water"})
    opened = ticket.version
    log_in(client, world, "agent")
    response = client.post(
        f"/tickets/{ticket.number}/fields",
        data={"version": str(opened), "f.symptom": "no water, loud noise"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Symptom: no water → no water, loud noise" in page
    response = client.post(
        f"/tickets/{ticket.number}/fields",
        data={"version": str(opened), "f.symptom": "overwritten?"},
    )
    assert response.status_code == 409
    world.session.expire_all()
    assert world.session.get(Ticket, ticket.id).fields["symptom"] == "no water, loud noise"
