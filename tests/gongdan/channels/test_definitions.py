"""``InboundChannel`` definitions: what the schema and the semantic checks tell an admin."""

from __future__ import annotations

from tests.gongdan.api.world import after_sales_pack

from gongdan.channels.jsonpath import MISSING, parse_json_path, resolve
from gongdan.definitions.loader import load_text
from gongdan.definitions.validate import validate_definitions

CHANNEL = """\
kind: InboundChannel
key: line_app
spec:
  channel: wechat
  ticket_type: consultation
  map:
    fields.question: {from: $.text, required: true}
    contact.phone: $.from
  reply:
    search: [$.text]
    comment: $.text
"""


def problems_of(text: str) -> list[tuple[str, int, str]]:
    definitions, loading = load_text(text, "line_app.yaml")
    assert not loading
    found = validate_definitions([*after_sales_pack().definitions, *definitions])
    return [(p.code, p.line, p.message) for p in found if p.file == "line_app.yaml"]


def test_a_valid_channel_has_no_problems() -> None:
    assert problems_of(CHANNEL) == []


def test_references_are_checked_with_positions() -> None:
    text = CHANNEL.replace("ticket_type: consultation", "ticket_type: consultaton")
    assert problems_of(text) == [
        ("ref.unknown_ticket_type", 5, "unknown ticket type 'consultaton'")
    ]
    text = CHANNEL.replace("fields.question:", "fields.questoin:")
    assert problems_of(text) == [("ref.unknown_field", 7, "unknown ticket field 'questoin'")]


def test_fields_a_message_cannot_fill_are_refused() -> None:
    text = CHANNEL.replace("contact.phone: $.from", "fields.customer: $.from")
    assert problems_of(text) == [
        (
            "channel.unmappable_field",
            8,
            "field 'customer' has type 'customer', which a message cannot fill",
        )
    ]


def test_a_reply_needs_a_way_to_find_its_ticket() -> None:
    text = CHANNEL.replace("    search: [$.text]\n", "")
    codes = [code for code, _, _ in problems_of(text)]
    assert codes == ["channel.reply_unfindable"]


def test_schema_catches_bad_paths_and_targets() -> None:
    text = CHANNEL.replace("contact.phone: $.from", "contact.fax: from")
    found = problems_of(text)
    assert any("is not a mapping target" in message for _, _, message in found)
    text = CHANNEL.replace("contact.phone: $.from", "contact.phone: from")
    found = problems_of(text)
    assert any("is not a JSON path such as $.message.text" in m for _, _, m in found)


def test_json_paths() -> None:
    assert parse_json_path("$.a.b[2]['c d']") == ("a", "b", 2, "c d")
    payload = {"a": {"b": [0, 1, {"c d": "x"}]}}
    assert resolve(payload, parse_json_path("$.a.b[2]['c d']")) == "x"
    assert resolve(payload, parse_json_path("$.a.b[9]")) is MISSING
    assert resolve(payload, parse_json_path("$.a.z")) is MISSING
