"""Keeping an article's search tokens in step with its text, on every flush.

Whatever writes an article — the services, the admin GUI, the demo loader — the session's
``before_flush`` hook re-cuts the token columns of each new or changed article, so search
can never disagree with what the article says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from gongdan.definitions.registry import compiled_active_set
from gongdan.knowledge.markdown import plain_text
from gongdan.knowledge.models import KbArticle
from gongdan.knowledge.tokens import index_text

#: The option lists whose titles are searchable words of an article.
FAULT_CODE_LIST = "fault_codes"
PRODUCT_MODEL_LIST = "product_models"

#: The attributes whose change re-cuts the tokens.
_INDEXED = ("title", "body", "category", "fault_codes", "product_models")


def option_titles(session: Session, list_key: str) -> dict[str, list[str]]:
    """Each option value of the active list ``list_key`` with its titles (every language)."""
    option_list = compiled_active_set(session).option_lists.get(list_key)
    if option_list is None:
        return {}
    return {
        str(option["value"]): [str(t) for t in (option.get("title") or {}).values() if t]
        for option in option_list.options
    }


def tag_words(values: Sequence[str] | None, titles: Mapping[str, Sequence[str]]) -> list[str]:
    """The words an article's fault codes or product models are found by: value and titles."""
    words: list[str] = []
    for value in values or []:
        words.append(str(value))
        words.extend(titles.get(str(value), ()))
    return words


def refresh_tokens(
    article: KbArticle, faults: Mapping[str, Sequence[str]], models: Mapping[str, Sequence[str]]
) -> None:
    """Fill ``article``'s token columns from its title, category, tags and body."""
    article.search_title = index_text(article.title)
    article.search_tags = index_text(
        article.category,
        *tag_words(article.fault_codes, faults),
        *tag_words(article.product_models, models),
    )
    article.search_body = index_text(plain_text(article.body or ""))


def _changed(article: KbArticle) -> bool:
    state = sa.inspect(article)
    if state.pending or state.transient:
        return True
    return any(state.attrs[name].history.has_changes() for name in _INDEXED)


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    articles = [
        item
        for item in (*session.new, *session.dirty)
        if isinstance(item, KbArticle) and _changed(item)
    ]
    if not articles:
        return
    with session.no_autoflush:
        faults = option_titles(session, FAULT_CODE_LIST)
        models = option_titles(session, PRODUCT_MODEL_LIST)
    for article in articles:
        refresh_tokens(article, faults, models)


def install() -> None:
    """Listen to every session's flushes (once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
