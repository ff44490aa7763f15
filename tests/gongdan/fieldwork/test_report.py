"""Which fields the engineer fills on site, and reading the posted position and version."""

from __future__ import annotations

import pytest
from flask import Flask
from tests.gongdan.fieldwork.factories import after_sales_pack

from gongdan.definitions.compile import compile_definitions
from gongdan.errors import ValidationFailed
from gongdan.fieldwork import report


@pytest.fixture(scope="module")
def repair() -> tuple[object, object]:
    compiled = compile_definitions(list(after_sales_pack().definitions))
    return compiled.ticket_types["repair"], compiled.workflows["repair_flow"]


def test_report_fields_of_a_repair_on_site(repair: tuple[object, object]) -> None:
    ticket_type, workflow = repair
    on_site = [t for t in workflow.transitions if "on_site" in t.sources and "engineer" in t.roles]
    keys = report.report_field_keys(ticket_type, workflow, "on_site", on_site, {"engineer"})
    assert keys == ["fault_code", "diagnosis_notes", "work_done", "labour_hours", "parts_used",
                    "resolution_code"]  # fmt: skip
    assert [f.key for f in report.image_fields(ticket_type, {"engineer"})] == [
        "photos",
        "site_photos",
    ]
    geo = [f.key for f in report.fields_of_type(ticket_type, "geo", {"engineer"})]
    assert geo == ["check_in_location"]
    check_in = report.check_in_transition(workflow.transitions, geo)
    assert check_in is not None and check_in.key == "check_in"
    # A customer may not edit the engineer's fields.
    assert report.report_field_keys(ticket_type, workflow, "on_site", on_site, {"customer"}) == []


def test_position_and_version_parsing(app: Flask) -> None:
    with app.test_request_context():
        position = report.parse_position({"lat": "31.5", "lng": "-121", "accuracy": "8"})
        assert (position.lat, position.lng, position.accuracy) == (31.5, -121.0, 8.0)
        assert report.parse_position({"lat": "1", "lng": "2"}).accuracy is None
        for bad in ({"lat": "", "lng": "2"}, {"lat": "91", "lng": "2"}, {"lat": "nan", "lng": "2"},
                    {"lat": "1", "lng": "2", "accuracy": "-3"}):  # fmt: skip
            with pytest.raises(ValidationFailed):
                report.parse_position(bad)
        assert report.parse_version({"version": "7"}) == 7
        with pytest.raises(ValidationFailed):
            report.parse_version({"version": "seven"})
