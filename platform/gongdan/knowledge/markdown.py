"""Article bodies: Markdown rendered safely to HTML, and to plain text for snippets.

markdown-it-py with raw HTML switched off (``<script>`` is shown as text, never run), links
and images limited to ``http``, ``https``, ``mailto`` and addresses on this site (no
``javascript:``, ``data:``, ``vbscript:`` or ``file:``), and every link opened with
``rel="nofollow noopener noreferrer"``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

#: Schemes a link or image may use; anything else is left as plain text.
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def safe_link(url: str) -> bool:
    """Whether ``url`` may become a link: an allowed scheme, or a path on this site."""
    url = url.strip()
    # Browsers ignore tabs, newlines and some control characters inside a scheme.
    compact = re.sub(r"[\x00-\x20\x7f]+", "", url)
    match = _SCHEME.match(compact)
    if match is None:
        return not compact.startswith("//") and not compact.startswith("\\")
    return match.group(1).lower() in ALLOWED_SCHEMES


def _link_open(renderer: Any, tokens: list[Token], index: int, options: Any, env: Any) -> str:
    tokens[index].attrSet("rel", "nofollow noopener noreferrer")
    return str(renderer.renderToken(tokens, index, options, env))


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.validateLink = safe_link  # type: ignore[method-assign]
    parser.add_render_rule("link_open", _link_open)
    return parser


def render_markdown(body: str) -> str:
    """The article body as HTML that is safe to insert into a page (see the module doc)."""
    return _parser().render(body or "")


def plain_text(body: str) -> str:
    """The words of the article body without Markdown syntax (for snippets and search)."""
    parts: list[str] = []
    for token in _parser().parse(body or ""):
        if token.type == "inline" and token.children:
            for child in token.children:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            parts.append("\n")
        elif token.type in ("code_block", "fence"):
            parts.append(token.content)
    return "".join(parts).strip()
