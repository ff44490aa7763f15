"""NotificationTemplate checks: every subject and body parses in the sandbox and stays safe.

Templates are parsed, never rendered, here: a syntax error, a variable the template does not
declare, or an attribute that reaches into Python internals is reported with its line.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from gongdan.definitions.documents import Definition
from gongdan.definitions.problems import JsonPath, Problem, did_you_mean
from gongdan.definitions.semantic.actions import check_events, check_recipients
from gongdan.definitions.semantic.context import SemanticContext, as_list

#: Attribute names a template must never touch, besides any ``_private`` one.
UNSAFE_ATTRIBUTES = frozenset(
    {
        "mro",
        "func_globals",
        "func_code",
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "f_globals",
        "f_locals",
        "f_builtins",
        "tb_frame",
        "im_func",
        "im_self",
        "format",
        "format_map",
    }
)

#: Filters that look an attribute up by a name given as an argument: the positional argument
#: that names it (``|attr('x')``, ``|selectattr('x')``), if any; every one of them also takes
#: ``attribute='a.b'``. Such a name is checked like ``.x`` is.
ATTRIBUTE_FILTERS: dict[str, int | None] = {
    "attr": 0, "selectattr": 0, "rejectattr": 0, "groupby": 0, "map": None, "sort": None,
    "sum": None, "unique": None, "min": None, "max": None,
}  # fmt: skip

#: Names a template may use without declaring them (Jinja's own globals).
JINJA_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop"})


def is_unsafe_attribute(name: str) -> bool:
    """Private names, dunders and the few public names that reach interpreter internals."""
    return name.startswith("_") or name in UNSAFE_ATTRIBUTES


def template_environment() -> SandboxedEnvironment:
    """The sandbox templates are checked (and compiled) in."""
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)


def template_texts(spec: Mapping[str, Any]) -> Iterator[tuple[str, JsonPath]]:
    """Every ``(text, path)`` of a template: each channel's subject and body, each language."""
    channels = spec.get("channels")
    if not isinstance(channels, Mapping):
        return
    for channel, parts in channels.items():
        if not isinstance(parts, Mapping):
            continue
        for part in ("subject", "body"):
            texts = parts.get(part)
            if not isinstance(texts, Mapping):
                continue
            for language, text in texts.items():
                if isinstance(text, str):
                    yield text, ("spec", "channels", channel, part, language)


def _first_line_offset(definition: Definition, text: str, path: JsonPath) -> int | None:
    """The file line of the template's first line, or ``None`` without a source."""
    if definition.source is None:
        return None
    line, _ = definition.source.position(path)
    if not line:
        return None
    # A multi-line text is written as a block scalar (``|``), whose content starts on the line
    # after the indicator the position points at.
    return line + 1 if "\n" in text.rstrip("\n") else line


def _positioned(
    definition: Definition,
    code: str,
    message: str,
    path: JsonPath,
    text: str,
    template_line: int | None,
    *,
    hint: str | None = None,
) -> Problem:
    problem = definition.problem(code, message, path, hint=hint)
    first = _first_line_offset(definition, text, path)
    if first is None or not template_line or "\n" not in text.rstrip("\n"):
        return problem
    # Point at the offending line inside the template, not at its first line.
    return replace(problem, line=first + template_line - 1, column=0)


@dataclass(frozen=True, slots=True)
class TemplateFacts:
    """What checking a template needs from its parse tree (names with the line they are on)."""

    syntax_error: tuple[str, int | None] | None = None
    names: tuple[tuple[str, int | None], ...] = ()  # variables it reads, not declared inside
    unsafe: tuple[tuple[str, int], ...] = ()  # internal attributes it reaches


@functools.lru_cache(maxsize=4096)
def template_facts(text: str) -> TemplateFacts:
    """Parse ``text`` once per process: a pack is checked again on every install and compile,
    and its templates are nearly always the same texts."""
    try:
        tree = template_environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return TemplateFacts(syntax_error=(exc.message or "", exc.lineno))
    undeclared = meta.find_undeclared_variables(tree) - JINJA_GLOBALS
    names = tuple((name, _line_of_name(tree, name)) for name in sorted(undeclared))
    unsafe = tuple(
        (name, node.lineno)
        for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter))
        for name in _accessed_names(node)
        if is_unsafe_attribute(name)
    )
    return TemplateFacts(names=names, unsafe=unsafe)


def check_template_text(
    definition: Definition, text: str, path: JsonPath, variables: set[str]
) -> list[Problem]:
    """Syntax, undeclared variables and unsafe attributes of one template text."""
    facts = template_facts(text)
    if facts.syntax_error is not None:
        message, line = facts.syntax_error
        return [
            _positioned(
                definition,
                "template.syntax",
                f"template syntax error: {message}",
                path,
                text,
                line,
            )
        ]
    found = [
        _positioned(
            definition,
            "template.undeclared_variable",
            f"template uses {name!r}, which is not in its variables",
            path,
            text,
            line,
            hint=did_you_mean(name, variables) or "add it to 'variables'",
        )
        for name, line in facts.names
        if name not in variables
    ]
    found.extend(
        _positioned(
            definition,
            "template.unsafe_attribute",
            f"template reaches the internal attribute {name!r}",
            path,
            text,
            line,
        )
        for name, line in facts.unsafe
    )
    return found


def _accessed_names(node: nodes.Node) -> list[str]:
    """The attribute names ``node`` looks up: ``.x``, ``['x']``, ``|attr('x')``, ``attribute=``."""
    if isinstance(node, nodes.Getattr):
        return [node.attr]
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        value = node.arg.value
        return [value] if isinstance(value, str) else []
    if isinstance(node, nodes.Filter) and node.name in ATTRIBUTE_FILTERS:
        position = ATTRIBUTE_FILTERS[node.name]
        named = [k.value for k in node.kwargs if k.key == "attribute"]
        if position is not None and len(node.args) > position:
            named.append(node.args[position])
        texts = [a.value for a in named if isinstance(a, nodes.Const) and isinstance(a.value, str)]
        # A dotted name (``attribute='a.b'``) is looked up one part after the other.
        return [part for text in texts for part in text.split(".")]
    return []


def _line_of_name(tree: nodes.Template, name: str) -> int | None:
    for node in tree.find_all(nodes.Name):
        if node.name == name and node.ctx == "load":
            return node.lineno
    return None


def check_notification_template(definition: Definition, ctx: SemanticContext) -> list[Problem]:
    """Every semantic rule of one NotificationTemplate."""
    spec = definition.spec
    variables = {v for v in as_list(spec.get("variables")) if isinstance(v, str)}
    found: list[Problem] = []
    for text, path in template_texts(spec):
        found.extend(check_template_text(definition, text, path, variables))
    found.extend(check_recipients(definition, ctx, spec.get("to"), ("spec", "to")))
    found.extend(check_events(definition, ctx, spec.get("on"), ("spec", "on")))
    return found
