"""Notification templates parse in the sandbox, use only declared names, never reach internals."""

from __future__ import annotations

from tests.gongdan.definitions.fixtures.minimal_set import validate_edited, where

NT = "notifications/sla_warning.yaml"


def test_undeclared_variable_is_reported_on_its_line() -> None:
    problems, texts = validate_edited({NT: [("Open: {{ url }}", "Open: {{ ur }}")]})
    assert [(p.code, p.message, p.hint, p.json_path) for p in problems] == [
        (
            "template.undeclared_variable",
            "template uses 'ur', which is not in its variables",
            "did you mean 'url'?",
            "$.spec.channels.email.body.en",
        )
    ]
    assert (problems[0].file, problems[0].line) == where(texts, NT, "{{ ur }}")[:2]


def test_undeclared_variable_in_a_one_line_subject() -> None:
    problems, texts = validate_edited(
        {NT: [('en: "Ticket {{ ticket.number }}', 'en: "Ticket {{ tickt.number }}')]}
    )
    assert [(p.code, p.hint, p.json_path) for p in problems] == [
        (
            "template.undeclared_variable",
            "did you mean 'ticket'?",
            "$.spec.channels.email.subject.en",
        )
    ]
    assert (problems[0].line, problems[0].column) == where(texts, NT, "subject:", '"Ticket')[1:]


def test_syntax_error_points_at_the_broken_line() -> None:
    problems, texts = validate_edited({NT: [("Urgent!{% endif %}", "Urgent!{% endfi %}")]})
    assert [p.code for p in problems] == ["template.syntax"]
    assert problems[0].message.startswith("template syntax error: Encountered unknown tag 'endfi'")
    assert problems[0].line == where(texts, NT, "endfi")[1]


def test_dunder_attribute_access_is_unsafe() -> None:
    problems, texts = validate_edited(
        {NT: [("Open: {{ url }}", "Open: {{ url.__class__.__mro__ }}")]}
    )
    assert sorted((p.code, p.message) for p in problems) == [
        ("template.unsafe_attribute", "template reaches the internal attribute '__class__'"),
        ("template.unsafe_attribute", "template reaches the internal attribute '__mro__'"),
    ]
    assert {p.line for p in problems} == {where(texts, NT, "__mro__")[1]}


def test_subscript_and_public_internals_are_unsafe_too() -> None:
    problems, _ = validate_edited(
        {NT: [("Open: {{ url }}", "Open: {{ url['_secret'] }} {{ url.mro }}")]}
    )
    assert sorted(p.message for p in problems) == [
        "template reaches the internal attribute '_secret'",
        "template reaches the internal attribute 'mro'",
    ]


def test_every_language_and_channel_is_checked() -> None:
    problems, _ = validate_edited(
        {NT: [('body: {zh: "工单 {{ ticket.number }} 即将超时"}', 'body: {zh: "{{ nope }}"}')]}
    )
    assert [(p.code, p.json_path) for p in problems] == [
        ("template.undeclared_variable", "$.spec.channels.sms.body.zh")
    ]


def test_recipients_and_events_of_a_template_resolve() -> None:
    problems, _ = validate_edited(
        {
            NT: [
                ("on: [sla_warning]", 'on: ["state_entered:clsed"]'),
                ("to: [assignee]", "to: [role:boss]"),
            ]
        }
    )
    assert [(p.code, p.message) for p in problems] == [
        ("ref.unknown_state", "event 'state_entered:clsed' names unknown state 'clsed'"),
        ("ref.unknown_role", "unknown role 'boss'"),
    ]


def test_a_remembered_template_is_still_checked_against_each_definitions_variables() -> None:
    """Parse results are kept per text; the variables and positions are each definition's."""
    first, _ = validate_edited({NT: [("Open: {{ url }}", "Open: {{ ur }}")]})
    again, texts = validate_edited({NT: [("Open: {{ url }}", "Open: {{ ur }}")]})
    assert [p.format() for p in again] == [p.format() for p in first]
    fixed, _ = validate_edited({NT: [("variables: [", "variables: [ur, ")]})
    assert fixed == []
    assert again[0].line == where(texts, NT, "{{ ur }}")[1]
