"""The admin's packs page: upload a zip, read its report, install on confirmation; download."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from tests.gongdan.fieldwork.factories import csrf_token_of
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from gongdan.audit.models import AuditEntry
from gongdan.db import db
from gongdan.definitions.models import DefinitionRevision, DefinitionSetState
from gongdan.definitions.packs import load_pack
from gongdan.definitions.registry import (
    active_generation,
    active_revision,
    active_revisions,
    compiled_active_set,
    install_pack,
)

MINIMAL = Path(__file__).resolve().parents[1] / "gongdan" / "definitions" / "fixtures" / "minimal"
PACKS = "/admin/packs/"

Edits = dict[str, tuple[str, str]]


def pack_zip(edits: Edits | None = None, extra: dict[str, str] | None = None) -> bytes:
    """The minimal pack zipped under ``minimal/``, with one text replacement per file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(MINIMAL.rglob("*.yaml")):
            relative = path.relative_to(MINIMAL).as_posix()
            text = path.read_text(encoding="utf-8")
            if edits and relative in edits:
                old, new = edits[relative]
                assert text.count(old) == 1, (relative, old)
                text = text.replace(old, new)
            archive.writestr(f"minimal/{relative}", text)
        for relative, text in (extra or {}).items():
            archive.writestr(f"minimal/{relative}", text)
    return buffer.getvalue()


#: The workshop gets a new title: one definition changes.
RETITLED = {"departments/departments.yaml": ("维修车间", "维修中心")}


@pytest.fixture
def installed(app: Flask) -> None:
    """The minimal pack is the active set."""
    with app.app_context():
        install_pack(db.session, load_pack(MINIMAL), author="test")


@pytest.fixture
def admin(client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]) -> None:
    """``client`` is logged in as an admin who reads English."""
    make_user("root", "admin")
    login("root")
    client.get("/language/en")


def upload(client: FlaskClient, data: bytes, name: str = "minimal.zip") -> Any:
    return client.post(
        f"{PACKS}upload",
        data={"pack": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def report_of(client: FlaskClient, data: bytes) -> tuple[str, str]:
    """Upload ``data``; the report's URL and page."""
    response = upload(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    return url, client.get(url).get_data(as_text=True)


def install(client: FlaskClient, report_url: str, page: str, **form: str) -> Any:
    generation = re.search(r'name="generation" value="(\d+)"', page)
    data = {"confirm": "yes", "generation": generation.group(1) if generation else "0", **form}
    return client.post(f"{report_url}/install", data=data)


def state(app: Flask) -> tuple[int, int, int]:
    """Revisions, audit entries and the generation: what must not change on a refusal."""
    with app.app_context():
        revisions = db.session.scalar(sa.select(sa.func.count()).select_from(DefinitionRevision))
        audits = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        return revisions or 0, audits or 0, active_generation(db.session)


# --------------------------------------------------------------------------------- access


@pytest.mark.parametrize("role", ["manager", "agent", "engineer", "customer"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", PACKS), ("post", f"{PACKS}upload"), ("get", f"{PACKS}download")],
)
def test_only_admins_reach_the_packs_page(
    client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    role: str,
    method: str,
    path: str,
) -> None:
    make_user("someone", role)
    login("someone")
    assert getattr(client, method)(path).status_code == 403


# ------------------------------------------------------------------------ upload and install


@pytest.mark.usefixtures("installed", "admin")
def test_an_admin_sees_what_a_pack_changes_and_installs_it_on_confirmation(
    app: Flask, client: FlaskClient
) -> None:
    url, page = report_of(client, pack_zip(RETITLED))
    assert 'id="pack-valid"' in page
    assert 'data-action="change" data-ref="Department/workshop"' in page
    assert page.count('data-action="change"') == 1
    assert 'data-action="create"' not in page
    before = state(app)
    assert before[0] == 16  # nothing installed by looking at the report

    response = install(client, url, page)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(PACKS)
    with app.app_context():
        workshop = active_revision(db.session, "Department", "workshop")
        assert workshop is not None and workshop.revision == 2
        assert workshop.author == "root"
        # Takes effect at once: the compiled set follows the generation, no restart.
        assert compiled_active_set(db.session).departments["workshop"].title["zh"] == "维修中心"
        (entry,) = db.session.scalars(sa.select(AuditEntry)).all()
        assert (entry.action, entry.target_type, entry.target_id) == (
            "pack.install",
            "pack",
            "minimal",
        )
        assert entry.actor_name == "root"
        assert entry.before == {"Department/workshop": 1, "generation": before[2]}
        assert entry.after == {"Department/workshop": 2, "generation": before[2] + 1}
    assert "Pack minimal installed: 1 revisions created, 15 unchanged" in client.get(
        PACKS
    ).get_data(as_text=True)
    # The upload is gone once installed.
    assert client.get(url).status_code == 404


@pytest.mark.usefixtures("admin")
def test_a_pack_installs_into_an_empty_database(app: Flask, client: FlaskClient) -> None:
    url, page = report_of(client, pack_zip())
    assert page.count('data-action="create"') == 16
    assert install(client, url, page).status_code == 302
    with app.app_context():
        assert len(active_revisions(db.session)) == 16


@pytest.mark.usefixtures("installed", "admin")
def test_install_needs_the_confirmation_box(app: Flask, client: FlaskClient) -> None:
    url, page = report_of(client, pack_zip(RETITLED))
    before = state(app)
    response = install(client, url, page, confirm="")
    assert response.status_code == 400
    assert "confirm" in response.get_data(as_text=True)
    assert state(app) == before


@pytest.mark.usefixtures("installed", "admin")
def test_a_report_made_before_another_change_must_be_read_again(
    app: Flask, client: FlaskClient
) -> None:
    url, page = report_of(client, pack_zip(RETITLED))
    with app.app_context():  # someone else installs in between
        edited = pack_zip({"departments/departments.yaml": ("客服中心", "客服部")})
        from gongdan.definitions.pack_archive import load_pack_archive

        install_pack(db.session, load_pack_archive(edited), author="other")
    before = state(app)
    response = install(client, url, page)
    assert response.status_code == 409
    assert "changed since this report" in response.get_data(as_text=True)
    assert state(app) == before


# ------------------------------------------------------------------------------ refusals


@pytest.mark.usefixtures("installed", "admin")
def test_invalid_yaml_is_reported_with_file_and_line_and_cannot_be_installed(
    app: Flask, client: FlaskClient
) -> None:
    broken = {
        "departments/departments.yaml": ("spec: {parent: customer_service}", "spec: {parent: [")
    }
    url, page = report_of(client, pack_zip(broken))
    assert 'id="pack-invalid"' in page
    assert re.search(r"<code>minimal/departments/departments\.yaml:\d+:\d+</code>", page)
    assert 'id="pack-install"' not in page
    before = state(app)
    # A forged confirmation changes nothing either.
    response = install(client, url, page, generation=str(before[2]))
    assert response.status_code == 422
    assert state(app) == before


@pytest.mark.usefixtures("installed", "admin")
def test_a_pack_breaking_a_reference_of_the_installed_set_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    # The pack's own files are fine; the *installed* routing rule uses the option it removes.
    pack = zipfile.ZipFile(io.BytesIO(pack_zip()))
    only_options = io.BytesIO()
    with zipfile.ZipFile(only_options, "w") as archive:
        archive.writestr("minimal/pack.yaml", pack.read("minimal/pack.yaml"))
        text = pack.read("minimal/options/product_models.yaml").decode()
        text = text.replace(
            "    - {value: cm_pro_x1, title: {zh: 咖啡机 Pro X1, en: Coffee machine Pro X1}}\n", ""
        )
        archive.writestr("minimal/options/product_models.yaml", text)
    url, page = report_of(client, only_options.getvalue())
    assert "&lt;db:RoutingRule/workshop_pool@1&gt;" in page
    assert "is not a value of" in page
    assert 'data-ref="OptionList/product_models"' in page
    assert 'data-action="change"' in page
    assert "15 installed definitions that the pack does not contain stay as they are" in page
    before = state(app)
    assert install(client, url, page, generation=str(before[2])).status_code == 422
    assert state(app) == before


@pytest.mark.usefixtures("installed", "admin")
def test_a_pack_needing_an_absent_plugin_is_refused(app: Flask, client: FlaskClient) -> None:
    needs = {
        "pack.yaml": ('requires: {gongdan: ">=0.1"}', 'requires: {gongdan: ">=0.1", plugins: [pm]}')
    }
    url, page = report_of(client, pack_zip(needs))
    assert 'data-code="pack.requires_plugin"' in page
    assert "<code>minimal/pack.yaml:4:" in page
    before = state(app)
    assert install(client, url, page, generation=str(before[2])).status_code == 422
    assert state(app) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "not a zip archive"),
        (None, "points outside the pack"),
        (b"PK\x05\x06" + bytes(18), "has no pack.yaml"),
    ],
)
@pytest.mark.usefixtures("installed", "admin")
def test_unsafe_or_unreadable_archives_are_refused_and_nothing_is_kept(
    app: Flask, client: FlaskClient, data: bytes | None, message: str
) -> None:
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("minimal/pack.yaml", (MINIMAL / "pack.yaml").read_text())
            archive.writestr("minimal/../../escape.yaml", "kind: Department\n")
        data = buffer.getvalue()
    before = state(app)
    response = upload(client, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert state(app) == before
    assert not list((Path(app.instance_path) / "pack_uploads").glob("*.zip"))


@pytest.mark.usefixtures("admin")
def test_no_file_chosen(client: FlaskClient) -> None:
    response = client.post(f"{PACKS}upload", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a pack archive" in response.get_data(as_text=True)


def test_a_file_over_the_upload_limit_gets_a_friendly_page(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    # With CSRF on, as in production: the form is read (and refused) before the view runs.
    app = make_app(MAX_CONTENT_LENGTH=2 * 1024 * 1024, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    make_user("root", "admin")
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    login = {"username": "root", "password": "correct horse", "csrf_token": token}
    client.post("/login", data=login)
    client.get("/language/en")
    # Encoded here: the test client would spool a body this large to a temporary file that
    # nobody closes once the server refuses to read it.
    boundary, body = encode_multipart(
        {"pack": FileStorage(io.BytesIO(bytes(3 << 20)), "big.zip"), "csrf_token": token}
    )
    response = client.post(
        f"{PACKS}upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than the 2.0 MB this server accepts" in page
    assert 'id="pack-upload"' in page  # the form is right there to try again


@pytest.mark.usefixtures("admin")
def test_an_unknown_upload_token_is_404(client: FlaskClient) -> None:
    assert client.get(f"{PACKS}upload/{'0' * 32}").status_code == 404
    assert client.get(f"{PACKS}upload/..%2F..%2Fsecret_key").status_code == 404


# ------------------------------------------------------------------------------- download


@pytest.mark.usefixtures("installed", "admin")
def test_the_downloaded_active_set_reinstalls_to_the_same_hashes(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        installed = {(r.kind, r.key): r.content_hash for r in active_revisions(db.session)}
    page = client.get(PACKS).get_data(as_text=True)
    assert 'name="key" value="minimal"' in page  # one pack made the set: its key is offered

    response = client.get(f"{PACKS}download")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "minimal-0.1.0.zip" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert zipfile.ZipFile(io.BytesIO(data)).namelist()[0].startswith("minimal/")

    with app.app_context():  # an empty database
        db.session.execute(sa.delete(DefinitionRevision))
        db.session.execute(sa.delete(DefinitionSetState))
        db.session.commit()
    url, report = report_of(client, data)
    assert report.count('data-action="create"') == len(installed)
    assert install(client, url, report).status_code == 302
    with app.app_context():
        assert {(r.kind, r.key): r.content_hash for r in active_revisions(db.session)} == installed


@pytest.mark.usefixtures("installed", "admin")
def test_a_download_asks_for_a_proper_key(client: FlaskClient) -> None:
    response = client.get(f"{PACKS}download?key=Bad Key&version=1")
    assert response.status_code == 400
    named = client.get(f"{PACKS}download?key=site_copy&version=2.1.0")
    assert "site_copy-2.1.0.zip" in named.headers["Content-Disposition"]


# ----------------------------------------------------------------------------------- CSRF


@pytest.mark.usefixtures("installed")
def test_uploads_and_installs_need_the_form_token(
    csrf_app: Flask, make_user: Callable[..., Any]
) -> None:
    client = csrf_app.test_client()
    make_user("root", "admin")
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    client.post(
        "/login", data={"username": "root", "password": "correct horse", "csrf_token": token}
    )

    assert upload(client, pack_zip(RETITLED)).status_code == 400
    page = client.get(PACKS).get_data(as_text=True)
    token = csrf_token_of(page)
    response = client.post(
        f"{PACKS}upload",
        data={"pack": (io.BytesIO(pack_zip(RETITLED)), "m.zip"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    url = response.headers["Location"]
    report = client.get(url).get_data(as_text=True)
    assert install(client, url, report).status_code == 400  # no token
    assert install(client, url, report, csrf_token=token).status_code == 302
