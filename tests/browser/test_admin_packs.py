"""An admin downloads the active set as a pack, changes a copy, uploads it, reads the report and
installs it; the change is live at once."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from tests.browser.conftest import Browser, LiveSite

from gongdan.db import db
from gongdan.definitions.registry import active_revision, compiled_active_set

pytestmark = pytest.mark.browser

CALLBACK = "after_sales/departments/callback.yaml"


@pytest.fixture
def db_backend() -> str:
    """Only SQLite: the packs page reads and writes revisions alike on both backends, and
    tests/admin/test_packs.py covers PostgreSQL."""
    return "sqlite"


def _retitled(archive: bytes) -> bytes:
    """``archive`` with the callback desk renamed, every other entry as it was."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == CALLBACK:
                text = data.decode()
                assert text.count("回访组") == 1
                data = text.replace("回访组", "客户回访中心").encode()
            target.writestr(info, data)
    return buffer.getvalue()


def test_an_admin_downloads_the_active_pack_changes_it_and_installs_it(
    browser: Browser, live_site: LiveSite, tmp_path: Path
) -> None:
    page = browser.person("admin")
    page.goto(f"{browser.url}/admin/packs/")
    browser.shot(page, "01-packs")

    with page.expect_download() as download:
        page.click("#pack-download-submit")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "after_sales-1.0.0.zip"

    page.set_input_files(
        "#pack-file",
        files=[
            {
                "name": saved.name,
                "mimeType": "application/zip",
                "buffer": _retitled(saved.read_bytes()),
            }
        ],
    )
    with page.expect_navigation():
        page.click("#pack-upload-submit")
    page.wait_for_selector("#pack-valid")
    changed = page.locator("#pack-plan tr[data-action]")
    assert changed.count() == 1
    assert changed.first.get_attribute("data-ref") == "Department/callback"
    browser.shot(page, "02-report")

    page.check("#pack-confirm")
    with page.expect_navigation():
        page.click("#pack-install-submit")
    assert page.url.endswith("/admin/packs/")
    assert page.locator(".alert-success").count() == 1
    browser.shot(page, "03-installed")

    with live_site.app.app_context():
        revision = active_revision(db.session, "Department", "callback")
        assert revision is not None and (revision.revision, revision.author) == (2, "admin")
        assert compiled_active_set(db.session).departments["callback"].title["zh"] == "客户回访中心"
