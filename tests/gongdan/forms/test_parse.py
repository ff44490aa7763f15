"""Reading submitted generated forms back into typed values."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from gongdan.definitions.compiled import CompiledSet
from gongdan.forms import parse_submission


def test_values_are_typed_and_absent_fields_left_out(compiled: CompiledSet) -> None:
    form = MultiDict(
        [
            ("f.customer", "7"),
            ("f.quantity", "3"),
            ("f.labour_hours", "1.5"),
            ("f.site_ready", "false"),
            ("f.site_ready", "true"),
            ("f.preferred_date", "2026-12-01"),
            ("f.order_no", "  SO-1 "),
            ("f.visit_address.city", "上海"),
            ("f.visit_address.line", "南京西路 1 号"),
            ("f.check_in_location.lat", "31.2"),
            ("f.check_in_location.lng", "121.4"),
            ("f.serial_numbers", ""),
        ]
    )
    values, errors = parse_submission(compiled.ticket_types["installation"], form)
    assert errors == {}
    assert values == {
        "customer": 7,
        "quantity": 3,
        "labour_hours": 1.5,
        "site_ready": True,
        "preferred_date": "2026-12-01",
        "order_no": "SO-1",
        "visit_address": {"city": "上海", "line": "南京西路 1 号"},
        "check_in_location": {"lat": 31.2, "lng": 121.4},
        "serial_numbers": None,
    }


def test_unchecked_box_is_false_and_hidden_box_is_absent(compiled: CompiledSet) -> None:
    installation = compiled.ticket_types["installation"]
    values, _ = parse_submission(installation, MultiDict([("f.site_ready", "false")]))
    assert values == {"site_ready": False}
    values, _ = parse_submission(installation, MultiDict())
    assert values == {}


def test_unreadable_numbers_are_reported_per_field(compiled: CompiledSet) -> None:
    values, errors = parse_submission(
        compiled.ticket_types["installation"],
        MultiDict([("f.quantity", "many"), ("f.labour_hours", "1.5")]),
    )
    assert errors == {"quantity": "Enter a number."}
    assert values == {"labour_hours": 1.5}
    _, errors = parse_submission(
        compiled.ticket_types["installation"], MultiDict([("f.quantity", "1.5")])
    )
    assert errors == {"quantity": "Enter a whole number."}


def test_table_rows_multiselect_and_saved_address(compiled: CompiledSet) -> None:
    depot = compiled.ticket_types["depot_repair"]
    values, errors = parse_submission(
        depot,
        MultiDict(
            [
                ("f.parts_used.__rows__", "1"),
                ("f.parts_used.0.part_no", "P-1"),
                ("f.parts_used.0.quantity", "2"),
                ("f.parts_used.3.part_no", ""),
                ("f.parts_used.3.quantity", ""),
                ("f.parts_used.5.part_no", "P-2"),
                ("f.parts_used.5.quantity", "1"),
                ("f.return_address.id", "12"),
                ("f.return_address.city", "ignored when a saved one is chosen"),
                ("f.test_report.keep", "4"),
            ]
        ),
    )
    assert errors == {}
    assert values["parts_used"] == [
        {"part_no": "P-1", "quantity": 2},
        {"part_no": "P-2", "quantity": 1},
    ]
    assert values["return_address"] == 12
    assert values["test_report"] == [4]
    values, _ = parse_submission(depot, MultiDict([("f.parts_used.__rows__", "1")]))
    assert values == {"parts_used": None}
