"""An admin-written NotificationTemplate cannot reach Python internals.

Two walls: validation refuses a template that names an internal attribute (with the line it
is on), and should one get past validation (a stored revision, a future editor), rendering
happens in Jinja's sandbox with only the declared variables: it raises a security error or
renders nothing of the interpreter — never a class, a function's globals or a module.
"""

from __future__ import annotations

from typing import Any

import jinja2
import pytest
from jinja2.sandbox import SecurityError
from tests.gongdan.definitions.fixtures.minimal_set import validate_edited, where

from gongdan.definitions.compile_templates import TemplateCompiler
from gongdan.definitions.documents import Definition

NT = "notifications/sla_warning.yaml"

#: Ways into the interpreter from a template, as published for Jinja template injection.
ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__['os'] }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].environ }}",
    "{{ url.__class__.__base__.__subclasses__() }}",
    "{{ ticket['__class__'] }}",
    "{{ ticket.items.__self__ }}",
    "{{ ticket|attr('__class__') }}",
    "{{ [url]|map(attribute='__class__')|list }}",
    "{{ [url]|selectattr('__class__')|list }}",
    "{{ [ticket]|sort(attribute='items.__self__')|first }}",
    "{{ [ticket]|groupby('__class__')|list }}",
    "{{ (ticket|attr('__class__')).mro() }}",
    "{{ url.format.__globals__ }}",
    "{{ '{0.__class__}'.format(url) }}",
    "{{ url.mro }}",
    "{{ self.__init__.__globals__ }}",
    "{% set x = cycler.__init__ %}{{ x.__globals__ }}",
]

#: What rendered output must never contain: signs of the interpreter's objects.
LEAKS = ("<class", "<function", "<module", "<built-in", "<bound", "__builtins__", "uid=")


@pytest.mark.parametrize("text", ESCAPES)
def test_validation_refuses_a_template_reaching_internals_and_says_where(text: str) -> None:
    problems, texts = validate_edited({NT: [("Open: {{ url }}", f"Open: {text}")]})
    assert problems, f"{text} passed validation"
    assert {p.code for p in problems} <= {
        "template.unsafe_attribute",
        "template.undeclared_variable",
    }
    assert any(p.code == "template.unsafe_attribute" for p in problems) or text.startswith(
        "{{ self"
    )
    line = where(texts, NT, "Open: ")[1]
    assert {(p.file, p.line) for p in problems} == {(NT, line)}


def _rendered(text: str) -> str:
    """``text`` compiled and rendered as the product does, validation bypassed."""
    definition = Definition(
        "NotificationTemplate",
        "evil",
        {
            "kind": "NotificationTemplate",
            "key": "evil",
            "spec": {
                "on": ["created"],
                "to": ["customer"],
                "variables": ["ticket", "url"],
                "channels": {"email": {"body": {"en": text}}, "sms": {"body": {"en": text}}},
            },
        },
    )
    template = TemplateCompiler().compile(definition)
    variables: dict[str, Any] = {
        "ticket": {"number": "RP-1", "subject": "x"},
        "url": "http://example.test/t/RP-1",
        "secret": "not declared",
    }
    output = ""
    for channel in ("email", "sms"):
        output += template.render(channel, "body", "en", variables) or ""
    return output


@pytest.mark.parametrize("text", ESCAPES)
def test_rendering_a_template_that_slipped_past_validation_leaks_nothing(text: str) -> None:
    try:
        output = _rendered(text)
    except (SecurityError, jinja2.UndefinedError, TypeError):
        return  # refused by the sandbox: nothing rendered at all
    assert not any(sign in output for sign in LEAKS), output
    assert "os" not in output.split() and "environ" not in output


def test_ordinary_attribute_filters_stay_allowed() -> None:
    problems, _ = validate_edited(
        {NT: [("Open: {{ url }}", "Open: {{ [ticket]|map(attribute='number')|join }}"
               "{{ [ticket]|selectattr('priority', 'equalto', '_x')|list|length }}")]}
    )  # fmt: skip
    assert problems == []


def test_only_declared_variables_reach_a_template() -> None:
    assert _rendered("[{{ secret }}]") == "[][]"
    assert _rendered("{{ ticket.number }}") == "RP-1RP-1"


def test_a_huge_range_is_refused_by_the_sandbox() -> None:
    with pytest.raises(OverflowError):
        _rendered("{% for i in range(10**8) %}{% endfor %}")
