"""A TicketType field of the plugin's type ``spare_parts.part_lines``: published with the
plugin, and ticket values checked by the plugin's type when tickets are created."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.gongdan.fieldwork.factories import create_repair
from tests.plugins.spare_parts.factories import Depot

from gongdan.db import db
from gongdan.definitions.extensions import current_extensions
from gongdan.definitions.packs import load_pack
from gongdan.definitions.registry import install_pack
from gongdan.errors import ValidationFailed

REPAIR = Path(__file__).resolve().parents[3] / "definitions/after_sales/ticket_types/repair.yaml"
FIELD = (
    "    - {key: part_lines, type: spare_parts.part_lines, section: service_report,"
    " title: {zh: 使用备件, en: Parts used}}\n"
)


def _repair_with_part_lines(where: Path) -> Path:
    (where / "ticket_types").mkdir(parents=True)
    (where / "pack.yaml").write_text(
        "key: parts_fields\nversion: 0.1.0\ntitle: {en: Parts fields}\n"
        "requires: {plugins: [spare_parts]}\n"
    )
    text = REPAIR.read_text("utf-8").replace("  fields:\n", "  fields:\n" + FIELD, 1)
    (where / "ticket_types" / "repair.yaml").write_text(text, "utf-8")
    return where


def test_part_lines_values_are_checked_when_a_ticket_is_created(
    depot: Depot, tmp_path: Path
) -> None:
    with depot.site.app.app_context():
        report = install_pack(
            db.session, load_pack(_repair_with_part_lines(tmp_path / "pack")), author="test",
            extensions=current_extensions(),
        )  # fmt: skip
        assert report is not None

    number = create_repair(depot.site, part_lines=[{"part": "P-FLT-02", "quantity": 2}])
    with depot.site.app.app_context():
        assert depot.site.ticket(number).fields["part_lines"] == [
            {"part": "P-FLT-02", "quantity": 2}
        ]

    with pytest.raises(ValidationFailed) as refused:
        create_repair(depot.site, part_lines=[{"part": "P-FLT-02", "quantity": -1}])
    assert "line 1: quantity must be more than 0" in str(refused.value.fields)
