"""The application as a whole: health, languages, error pages, the home page per role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.customers.models import Customer
from gongdan.db import utcnow
from gongdan.definitions.models import DefinitionRevision
from gongdan.tickets.models import Ticket


def test_healthz_answers_without_login(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_home_redirects_to_login_when_not_logged_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_page_is_chinese_by_default_and_english_on_request(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "用户名" in page and "登录" in page
    assert '<html lang="zh-CN">' in page
    assert 'class="dropdown-item active" lang="zh-CN"' in page

    client.get("/language/en")
    page = client.get("/login").get_data(as_text=True)
    assert "Username" in page and "Log in" in page
    assert '<html lang="en">' in page
    assert 'class="dropdown-item active" lang="en"' in page


def test_language_switch_ignores_unknown_languages_and_foreign_redirects(
    client: FlaskClient,
) -> None:
    response = client.get("/language/xx?next=https://evil.example/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "用户名" in client.get("/login").get_data(as_text=True)


def test_unknown_page_shows_the_product_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "页面不存在" in page and "返回首页" in page
    assert "Traceback" not in page


def test_api_clients_get_json_errors(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "404"


def test_an_unexpected_error_shows_a_500_page_without_a_traceback(make_app: Any) -> None:
    app = make_app(TESTING=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "系统出错了" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_a_lost_database_shows_a_503_page_and_other_database_errors_the_500_page(
    make_app: Any,
) -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    app = make_app(TESTING=False)

    @app.get("/lost")
    def lost() -> str:
        raise OperationalError("SELECT secret", {}, Exception("server closed the connection"))

    @app.get("/clash")
    def clash() -> str:
        raise IntegrityError("INSERT secret", {}, Exception("duplicate key"))

    client = app.test_client()
    response = client.get("/lost")
    assert response.status_code == 503 and response.headers["Retry-After"]
    page = response.get_data(as_text=True)
    assert "暂时无法服务" in page and "本次操作未保存" in page
    assert "secret" not in page and "Traceback" not in page
    response = client.get("/clash")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "系统出错了" in page and "secret" not in page


def test_forbidden_shows_the_product_403(app: Flask) -> None:
    from flask import abort

    @app.get("/secret")
    def secret() -> str:
        abort(403)

    response = app.test_client().get("/secret")
    assert response.status_code == 403
    assert "无权访问" in response.get_data(as_text=True)


def test_the_compiled_chinese_catalogue_matches_the_po_file() -> None:
    from pathlib import Path

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    import gongdan

    folder = Path(gongdan.__file__).parent / "translations" / "zh" / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po_file, open(folder / "messages.mo", "rb") as mo:
        po, compiled = read_po(po_file), read_mo(mo)
    expected = {m.id: m.string for m in po if m.id}
    actual = {m.id: m.string for m in compiled if m.id}
    assert actual == expected, "run: pybabel compile -d platform/gongdan/translations"


def test_every_message_in_the_code_has_a_chinese_translation() -> None:
    """A message added in code or a template but not to messages.po shows English in zh_CN."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    import gongdan
    import gongdan_admin

    method_map = [("**.py", "python"), ("**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2), "N_": None}
    extracted: set[str] = set()
    for package in (gongdan, gongdan_admin):
        for _name, _line, message, _comments, _context in extract_from_dir(
            Path(package.__file__).parent, method_map, keywords=keywords
        ):
            extracted.add(message if isinstance(message, str) else message[0])
    catalogue = Path(gongdan.__file__).parent / "translations" / "zh" / "LC_MESSAGES"
    with open(catalogue / "messages.po", "rb") as po_file:
        translated = {m.id for m in read_po(po_file) if m.id and m.string and not m.fuzzy}
    missing = sorted(extracted - translated)
    assert not missing, f"add these to messages.po (see gongdan/i18n.py): {missing}"


# ------------------------------------------------------------------------------ home per role


def _revision(session: Session, kind: str, key: str, document: dict[str, Any]) -> int:
    revision = DefinitionRevision(
        kind=kind,
        key=key,
        revision=1,
        content_hash=f"{kind}-{key}",
        document={"kind": kind, "key": key, **document},
        status="active",
        author="test",
    )
    session.add(revision)
    session.flush()
    return revision.id


@pytest.fixture
def tickets_world(session: Session, make_user: Callable[..., User]) -> dict[str, Any]:
    """Two customers, a field-service engineer, and tickets spread over them."""
    type_id = _revision(
        session, "TicketType", "repair", {"title": {"zh": "故障报修", "en": "Fault repair"}}
    )
    flow_id = _revision(
        session,
        "Workflow",
        "repair_flow",
        {"spec": {"states": [{"key": "new", "title": {"zh": "新建", "en": "New"}}]}},
    )
    field = Department(key="field_service", title_zh="现场服务部", title_en="Field service")
    acme = Customer(code="ACME", name="Acme 咖啡", tier="vip")
    bravo = Customer(code="BRAVO", name="Bravo 茶饮")
    session.add_all([field, acme, bravo])
    session.commit()
    engineer = make_user("eng", "engineer", department_id=field.id, display_name="张工")
    make_user("other_eng", "engineer")
    make_user("acme_user", "customer", customer_id=acme.id, display_name="Acme 店长")
    make_user("agent", "agent", display_name="李客服")

    def ticket(number: str, customer: Customer, **attrs: Any) -> None:
        session.add(
            Ticket(
                number=number,
                type_key="repair",
                ticket_type_revision_id=type_id,
                workflow_revision_id=flow_id,
                state="new",
                state_category="open",
                subject=f"subject of {number}",
                customer_id=customer.id,
                created_at=utcnow() - timedelta(minutes=len(number)),
                **attrs,
            )
        )

    ticket("RP-ACME-1", acme, department_key="customer_service", priority="urgent")
    ticket("RP-ACME-FIELD", acme, department_key="field_service")
    ticket("RP-BRAVO-MINE", bravo, department_key="repair_center", assignee_id=engineer.id)
    ticket("RP-BRAVO-2", bravo, department_key="customer_service")
    session.commit()
    return {"engineer": engineer}


@pytest.mark.parametrize(
    ("username", "greeting", "visible"),
    [
        ("agent", "您好，李客服", {"RP-ACME-1", "RP-ACME-FIELD", "RP-BRAVO-MINE", "RP-BRAVO-2"}),
        ("eng", "您好，张工", {"RP-ACME-FIELD", "RP-BRAVO-MINE"}),
        ("other_eng", "您好，other_eng", set()),
    ],
)
def test_home_lists_only_the_tickets_the_user_may_see(
    client: FlaskClient,
    login: Callable[..., Any],
    tickets_world: dict[str, Any],
    username: str,
    greeting: str,
    visible: set[str],
) -> None:
    assert login(username).status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert greeting in page
    all_numbers = {"RP-ACME-1", "RP-ACME-FIELD", "RP-BRAVO-MINE", "RP-BRAVO-2"}
    assert {number for number in all_numbers if number in page} == visible
    if visible:
        assert "故障报修" in page  # the type title from the pinned revision
        assert "新建" in page  # the state title from the pinned workflow
    else:
        assert "暂无工单" in page


def test_home_shows_role_priority_and_titles_in_english(
    client: FlaskClient, login: Callable[..., Any], tickets_world: dict[str, Any]
) -> None:
    login("agent")
    client.get("/language/en")
    page = client.get("/").get_data(as_text=True)
    assert "Hello, 李客服" in page
    assert "Service agent" in page
    assert "Fault repair" in page and "Urgent" in page and "Acme 咖啡" in page


def test_home_escapes_what_users_typed(
    session: Session, client: FlaskClient, login: Callable[..., Any], make_user: Any
) -> None:
    make_user("mallory", "agent", display_name="<script>alert(1)</script>")
    login("mallory")
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_customers_start_in_the_portal(
    client: FlaskClient, login: Callable[..., Any], tickets_world: dict[str, Any]
) -> None:
    # What the portal lists is tested in tests/gongdan/portal and test_demo.py.
    assert login("acme_user").status_code == 302

    home = client.get("/")

    assert home.status_code == 302
    assert home.headers["Location"].endswith("/portal")


def test_an_app_builds_inside_another_apps_context(make_app: Any) -> None:
    """Building an app evaluates lazy titles (the admin's "Home") while no request is active.

    The locale selector used to read the session then, which raised "Working outside of
    request context" whenever a test built a second app inside the first one's app context.
    """
    outer: Flask = make_app()
    with outer.app_context():
        inner: Flask = make_app()
    assert inner.test_client().get("/healthz").status_code == 200
