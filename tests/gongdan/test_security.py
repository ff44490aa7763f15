"""Security across the product: what another customer, a hostile text or a forged request gets.

* One customer cannot read, list, comment on or download the files of another customer's
  tickets by guessing numbers or ids — in the portal or through the API with its own token.
* Text people type (ticket fields, subjects, comments, customer, contact and user names, file
  names) is shown escaped on every page that shows it.
* Every staff form refuses a POST without this site's CSRF token.
* The API answers any request without a working token with a JSON 401.

The notification template sandbox is tested in ``notifications/test_template_sandbox.py``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from tests.conftest import TEST_PASSWORD
from tests.gongdan.fieldwork.factories import (
    Site,
    create_repair,
    csrf_token_of,
    png_bytes,
    repair_fields,
    step,
    version_of,
)

from gongdan.accounts.models import ApiToken, User
from gongdan.accounts.tokens import create_token, hash_token, revoke_token
from gongdan.customers.models import Contact, Customer
from gongdan.db import db, utcnow
from gongdan.tickets import services
from gongdan.tickets.models import Ticket, TicketAttachment, TicketComment, TicketEvent


def rows(site: Site) -> dict[str, int]:
    """Rows of every ticket table: a refused request must leave these unchanged."""
    with site.app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Ticket, TicketEvent, TicketComment, TicketAttachment)
        }


# --- Another customer's tickets ---------------------------------------------------------------


@dataclass
class Tickets:
    """acme's ticket and beta's, each with a public comment and a public photo."""

    acme_number: str
    acme_id: int
    acme_file: int
    beta_number: str
    beta_id: int
    beta_file: int


def _with_comment_and_photo(site: Site, number: str, who: str) -> tuple[int, int]:
    with site.app.app_context():
        ticket = site.ticket(number)
        services.add_comment(db.session, site.user("agent"), ticket.id, body=f"to {who}")
        attachment = services.add_attachment(
            db.session, site.user("agent"), ticket.id,
            filename=f"{who}.png", content_type="image/png", data=png_bytes(10 + len(who)),
        )  # fmt: skip
        return ticket.id, attachment.id


@pytest.fixture
def tickets(site: Site) -> Tickets:
    acme = create_repair(site, "acme")
    beta = create_repair(site, "beta")
    acme_id, acme_file = _with_comment_and_photo(site, acme, "acme")
    beta_id, beta_file = _with_comment_and_photo(site, beta, "beta")
    return Tickets(acme, acme_id, acme_file, beta, beta_id, beta_file)


def test_a_customer_guessing_numbers_and_ids_in_the_portal_finds_nothing_of_another(
    site: Site, tickets: Tickets
) -> None:
    client = site.client("acme_user")
    before = rows(site)
    beta = f"/portal/tickets/{tickets.beta_number}"
    listing = client.get("/portal").get_data(as_text=True)
    assert tickets.acme_number in listing and tickets.beta_number not in listing
    assert client.get(beta).status_code == 404
    assert client.get(f"{beta}/files/{tickets.beta_file}").status_code == 404
    # A file id of the other customer's ticket under my own ticket's address.
    mine = f"/portal/tickets/{tickets.acme_number}"
    assert client.get(f"{mine}/files/{tickets.beta_file}").status_code == 404
    with client.get(f"{mine}/files/{tickets.acme_file}") as download:
        assert download.status_code == 200
    assert client.post(f"{beta}/information", data={"body": "mine now"}).status_code == 404
    upload = {"files": [(io.BytesIO(png_bytes()), "x.png", "image/png")]}
    response = client.post(f"{beta}/information", data=upload, content_type="multipart/form-data")
    assert response.status_code == 404
    response = client.post(
        f"{beta}/transition", data={"transition": "cancel", "version": "1", "comment": "x"}
    )
    assert response.status_code == 404
    # Walking the ids: mine redirect to my page, every other one is "not found" like a gap.
    for ticket_id in range(1, tickets.beta_id + 3):
        status = client.get(f"/portal/tickets/by-id/{ticket_id}").status_code
        assert status == (302 if ticket_id == tickets.acme_id else 404), ticket_id
    # The staff and engineer addresses of the same files are closed to customers.
    staff_file = f"/tickets/{tickets.beta_number}/attachments/{tickets.beta_file}"
    assert client.get(staff_file).status_code in (403, 404)
    assert client.get(f"/work/{tickets.beta_number}/files/{tickets.beta_file}").status_code in (
        403,
        404,
    )
    assert rows(site) == before
    assert "to beta" not in listing


def _token(site: Site, username: str, **options: Any) -> str:
    with site.app.app_context():
        issued = create_token(db.session, site.user(username), **options)
        db.session.commit()
        return issued.secret


def _api(client: FlaskClient, method: str, path: str, token: str | None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    headers.update(kwargs.pop("headers", {}))
    return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


def _not_found(response: Any) -> None:
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.is_json and response.json["error"]["code"] == "not_found"


def test_a_customer_token_cannot_read_list_change_or_download_another_customers_tickets(
    site: Site, tickets: Tickets
) -> None:
    token = _token(site, "acme_user")
    client = site.app.test_client()
    before = rows(site)
    theirs = f"/tickets/{tickets.beta_id}"
    for path in (
        theirs, f"/tickets/by-number/{tickets.beta_number}", f"{theirs}/comments",
        f"{theirs}/events", f"{theirs}/attachments", f"{theirs}/transitions",
        f"/attachments/{tickets.beta_file}",
    ):  # fmt: skip
        _not_found(_api(client, "GET", path, token))
    _not_found(_api(client, "POST", f"{theirs}/comments", token, json={"body": "mine now"}))
    _not_found(
        _api(client, "PATCH", theirs, token, json={"fields": {"symptom": "x"}, "version": 1})
    )
    _not_found(_api(client, "POST", f"{theirs}/transitions/cancel", token, json={"version": 1}))
    upload = {"file": (io.BytesIO(png_bytes()), "x.png", "image/png")}
    _not_found(
        _api(client, "POST", f"{theirs}/attachments", token, data=upload,
             content_type="multipart/form-data")
    )  # fmt: skip
    listed = _api(client, "GET", "/tickets?per_page=100", token).json
    assert [t["number"] for t in listed["items"]] == [tickets.acme_number]
    found = _api(client, "GET", f"/tickets?q={tickets.beta_number}", token).json
    assert found["total"] == 0
    # Their organisation's records are as unknown as their tickets.
    beta = site.customers["beta"]
    for path in (f"/customers/{beta}", f"/customers/{beta}/contacts", f"/customers/{beta}/assets",
                 f"/contacts/{site.contacts['beta']}"):  # fmt: skip
        _not_found(_api(client, "GET", path, token))
    customers = _api(client, "GET", "/customers", token).json
    assert [c["id"] for c in customers["items"]] == [site.customers["acme"]]
    # My own ticket and file work with the same token: the refusals above are not a fluke.
    assert _api(client, "GET", f"/tickets/{tickets.acme_id}", token).status_code == 200
    with _api(client, "GET", f"/attachments/{tickets.acme_file}", token) as download:
        assert download.status_code == 200
    assert rows(site) == before


# --- Stored XSS -------------------------------------------------------------------------------


def payload(where: str) -> str:
    """Breaks out of an attribute, then opens a script, if anything is left unescaped."""
    return f'"><script>x_{where}()</script>'


def escaped(where: str) -> str:
    return f"&lt;script&gt;x_{where}()&lt;/script&gt;"


#: Where hostile text is stored.
SOURCES = ("customer", "contact", "engineer", "subject", "symptom", "comment")
#: A file name that would be markup if it were not cleaned and escaped.
HOSTILE_FILENAME = "<img src=x onerror=alert(1)>.png"


@pytest.fixture
def hostile(site: Site) -> str:
    """A repair of acme, dispatched to the engineer, with hostile text wherever people type."""
    with site.app.app_context():
        db.session.get(Customer, site.customers["acme"]).name = payload("customer")
        db.session.get(Contact, site.contacts["acme"]).name = payload("contact")
        db.session.get(User, site.users["engineer"]).display_name = payload("engineer")
        db.session.commit()
        ticket = services.create_ticket(
            db.session, site.user("agent"), type_key="repair", channel="phone",
            fields=repair_fields(site, "acme", symptom=payload("symptom")),
            subject=payload("subject"), customer_id=site.customers["acme"],
            contact_id=site.contacts["acme"], address_id=site.addresses["acme"],
        )  # fmt: skip
        number = ticket.number
        services.add_comment(db.session, site.user("agent"), ticket.id, body=payload("comment"))
        services.add_attachment(
            db.session, site.user("agent"), ticket.id, filename=HOSTILE_FILENAME,
            content_type="image/png", data=png_bytes(),
        )  # fmt: skip
    step(site, number, "agent", "accept")
    step(site, number, "dispatcher", "dispatch", fields={"fault_code": "e01_no_water"})
    with site.app.app_context():
        ticket = site.ticket(number)
        services.assign_ticket(
            db.session, site.user("dispatcher"), ticket.id, assignee_id=site.users["engineer"],
            reason="nearest", expected_version=ticket.version,
        )  # fmt: skip
    return number


def _assert_escaped(page: str, url: str, shown: tuple[str, ...]) -> None:
    assert "<script>x_" not in page, f"raw script on {url}"
    assert "<img src=x" not in page, f"raw file name on {url}"
    missing = [where for where in shown if escaped(where) not in page]
    assert not missing, f"{url} does not show the escaped {missing}"


@pytest.mark.parametrize(
    ("user", "page", "shown"),
    [
        ("agent", "/", ("customer", "subject")),
        ("agent", "/tickets?queue=all", ("customer", "subject")),
        ("agent", "/tickets/{number}", SOURCES),
        ("agent", "/customers/{customer}", ("customer", "contact", "subject")),
        ("agent", "/customers?q=C-ACME", ("customer",)),
        ("engineer", "/work", ("customer", "subject")),
        ("engineer", "/work/{number}", ("customer", "contact", "symptom")),
        ("acme_user", "/portal", ("subject",)),
        ("acme_user", "/portal/tickets/{number}", ("engineer", "symptom", "comment")),
    ],
)
def test_hostile_text_is_shown_escaped(
    site: Site, hostile: str, user: str, page: str, shown: tuple[str, ...]
) -> None:
    url = page.format(number=hostile, customer=site.customers["acme"])
    response = site.client(user).get(url)
    assert response.status_code == 200, url
    _assert_escaped(response.get_data(as_text=True), url, shown)


def test_a_hostile_file_name_is_cleaned_before_it_is_stored_and_shown(
    site: Site, hostile: str
) -> None:
    with site.app.app_context():
        [stored] = db.session.scalars(select(TicketAttachment.filename)).all()
    assert "<" not in stored and ">" not in stored and stored.endswith(".png")
    for user, url in (
        ("agent", f"/tickets/{hostile}"),
        ("acme_user", f"/portal/tickets/{hostile}"),
    ):
        page = site.client(user).get(url).get_data(as_text=True)
        assert stored in page and "<img src=x" not in page


# --- CSRF on the staff forms ------------------------------------------------------------------


def _logged_in_with_csrf(site: Site, username: str) -> FlaskClient:
    client = site.app.test_client()
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": username, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get("/language/en").status_code == 302
    return client


STAFF_FORMS = [
    ("/tickets/new?type=repair", {"type": "repair", "channel": "phone", "f.symptom": "x"}),
    ("/tickets/{number}/transition/accept", {}),
    ("/tickets/{number}/comments", {"body": "forged"}),
    ("/tickets/{number}/fields", {"f.symptom": "forged"}),
    ("/tickets/{number}/transfer", {"department": "tech_support", "reason": "forged"}),
    ("/tickets/{number}/assign", {"assignee_id": "1", "reason": "forged"}),
]


def test_staff_forms_refuse_a_post_without_this_sites_csrf_token(csrf_site: Site) -> None:
    site = csrf_site
    number = create_repair(site)
    client = _logged_in_with_csrf(site, "dispatcher")
    before = rows(site)
    for path, form in STAFF_FORMS:
        for token in (None, "forged", ""):
            data = {**form, "version": str(version_of(site, number))}
            if token is not None:
                data["csrf_token"] = token
            response = client.post(path.format(number=number), data=data)
            assert response.status_code == 400, (path, token)
            page = response.get_data(as_text=True)
            assert "The form has expired" in page and "Traceback" not in page
    assert rows(site) == before and version_of(site, number) == 1


def test_staff_forms_work_with_the_token_of_the_page(csrf_site: Site) -> None:
    site = csrf_site
    number = create_repair(site)
    client = _logged_in_with_csrf(site, "agent")
    token = csrf_token_of(client.get(f"/tickets/{number}").get_data(as_text=True))
    response = client.post(
        f"/tickets/{number}/comments", data={"body": "fine", "version": "1", "csrf_token": token}
    )
    assert response.status_code == 302
    version = str(version_of(site, number))
    response = client.post(
        f"/tickets/{number}/transition/accept", data={"version": version, "csrf_token": token}
    )
    assert response.status_code == 302
    with site.app.app_context():
        assert site.ticket(number).state == "diagnosing"


# --- API authentication -----------------------------------------------------------------------


def _unauthorized(response: Any) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.is_json
    assert response.json["error"]["code"] == "unauthorized" and response.json["error"]["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_api_answers_every_request_without_a_working_token_with_a_json_401(site: Site) -> None:
    working = _token(site, "agent")
    revoked = _token(site, "agent")
    expired = _token(site, "agent")
    inactive = _token(site, "engineer2")
    with site.app.app_context():

        def row(secret: str) -> ApiToken:
            return db.session.scalars(
                select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
            ).one()

        revoke_token(db.session, row(revoked))
        row(expired).expires_at = utcnow() - timedelta(seconds=1)
        db.session.get(User, site.users["engineer2"]).active = False
        db.session.commit()
    client = site.app.test_client()
    malformed = "gd_nothex_" + "x" * 43
    unknown = working[:-4] + ("AAAA" if not working.endswith("AAAA") else "BBBB")
    headers: list[dict[str, str]] = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {working}"},
        {"Authorization": f"Bearer {malformed}"},
        {"Authorization": f"Bearer {unknown}"},
        {"Authorization": f"Bearer {revoked}"},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {inactive}"},
    ]
    before = rows(site)
    for header in headers:
        _unauthorized(client.get("/api/v1/tickets", headers=header))
        _unauthorized(client.get("/api/v1/tickets/1", headers=header))
        _unauthorized(
            client.post("/api/v1/tickets", headers=header, json={"type": "repair", "fields": {}})
        )
    assert rows(site) == before
    ok = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {working}"})
    assert ok.status_code == 200


def test_a_bad_token_is_refused_even_with_a_logged_in_browser_session(site: Site) -> None:
    client = site.client("agent")
    assert client.get("/api/v1/tickets").status_code == 200  # the UI reads with its session
    _unauthorized(client.get("/api/v1/tickets", headers={"Authorization": "Bearer gd_x"}))
    # Writes never ride on the session cookie (that would be CSRF): they need a token.
    _unauthorized(client.post("/api/v1/tickets", json={"type": "repair", "fields": {}}))
