"""Notification templates compiled once, in one sandbox shared by the whole definition set."""

from __future__ import annotations

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from gongdan.definitions.compiled import CompiledNotificationTemplate
from gongdan.definitions.documents import Definition
from gongdan.definitions.frozen import freeze
from gongdan.definitions.semantic.templates import template_texts

__all__ = ["TemplateCompiler"]


def _autoescape(name: str | None) -> bool:
    # Email bodies are HTML: escape what the ticket data brings in. Subjects, SMS, WeChat and
    # webhook payloads are plain text (a webhook body should use |tojson for its values).
    return bool(name) and "/email/body/" in str(name)


class TemplateCompiler:
    """One sandbox for the whole set: each template text is compiled exactly once."""

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}
        self.environment = SandboxedEnvironment(
            loader=jinja2.DictLoader(self.sources),
            autoescape=_autoescape,
            undefined=jinja2.ChainableUndefined,
            auto_reload=False,
        )

    def compile(self, definition: Definition) -> CompiledNotificationTemplate:
        spec = definition.spec
        templates: dict[str, dict[str, dict[str, jinja2.Template]]] = {}
        for text, path in template_texts(spec):
            _, _, channel, part, language = path
            name = f"{definition.key}/{channel}/{part}/{language}"
            self.sources[name] = text
            compiled = self.environment.get_template(name)
            templates.setdefault(str(channel), {}).setdefault(str(part), {})[str(language)] = (
                compiled
            )
        return CompiledNotificationTemplate(
            key=definition.key,
            on=frozenset(spec.get("on", ())),
            to=tuple(spec.get("to", ())),
            variables=frozenset(spec.get("variables", ())),
            templates=freeze(templates),
        )
