"""Search tokens for Chinese and English text, and highlighting — pure functions, no IO.

Chinese has no spaces between words, so text is cut into words by jieba (search mode: long
words and the shorter words inside them) and, in addition, every run of Chinese characters
gives its single characters and its two-character bigrams. Any two-character query such as
「漏水」 therefore matches, whether or not jieba's dictionary knows the word. Latin letters and
digits form words of their own (``E08``, ``water``), lower-cased and NFKC-normalised (full-width
``ＥＯ８`` is ``eo8``).

The index stores the tokens space-separated; queries are cut the same way and each token is
quoted before it reaches FTS5 or ``to_tsquery`` (:func:`fts5_query`, :func:`tsquery`), so no
character a user types is ever read as query syntax.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

#: The longest query taken into account (characters); the rest is ignored, not an error.
MAX_QUERY_CHARS = 200

#: At most this many distinct tokens go into one query.
MAX_QUERY_TOKENS = 32

#: At most this many characters of an article body are indexed.
MAX_INDEXED_CHARS = 50_000

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[0-9a-z]+")


@cache
def _jieba() -> Any:
    """jieba, loaded once (its dictionary ships with the package: nothing is downloaded)."""
    with warnings.catch_warnings():
        # jieba 0.42 imports pkg_resources, which newer setuptools deprecate; not our code.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def normalise(text: str) -> str:
    """NFKC and lower case, keeping one character per character (so offsets still match).

    A character whose normal form is longer than one character is kept as it is.
    """
    out = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char).lower()
        out.append(folded if len(folded) == 1 else char.lower() if len(char.lower()) == 1 else char)
    return "".join(out)


def _cjk_grams(run: str) -> list[str]:
    """The characters and bigrams of a run of Chinese characters."""
    return [*run, *(run[i : i + 2] for i in range(len(run) - 1))]


def index_tokens(text: str, *, limit: int = MAX_INDEXED_CHARS) -> list[str]:
    """Every token of ``text`` for the index: jieba words, Chinese characters and bigrams,
    Latin words; duplicates kept (they count for ranking)."""
    text = normalise(text[:limit])
    tokens: list[str] = []
    for word in _jieba().cut_for_search(text):
        tokens.extend(_WORD.findall(word))
    for run in _CJK.findall(text):
        tokens.extend(_cjk_grams(run))
    return tokens


def index_text(*parts: str | None) -> str:
    """The space-separated tokens of ``parts``, as stored in the search columns."""
    return " ".join(token for part in parts if part for token in index_tokens(part))


@dataclass(frozen=True)
class Query:
    """A search query cut into tokens.

    ``tokens`` is what the index is asked for (Chinese bigrams — or a lone character — and
    Latin words); ``prefix`` holds Latin words to be matched as prefixes (the word being
    typed); ``words`` is what highlighting marks.
    """

    text: str
    tokens: tuple[str, ...]
    prefix: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.tokens and not self.prefix

    @property
    def words(self) -> tuple[str, ...]:
        return (*self.tokens, *self.prefix)


def _bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]


def _cjk_query_tokens(run: str) -> list[str]:
    """The tokens a run of Chinese characters in a query asks for.

    One or two characters: the run itself (always indexed). Longer: the bigrams of the words
    jieba finds in it, so 「咖啡机不出水」 asks for 咖啡, 啡机 and 出水 but not the 机不 that
    straddles two words; every bigram is indexed, so matching never depends on the article
    having been cut the same way. A run jieba finds no word in falls back to all its bigrams.
    """
    if len(run) <= 2:
        return [run]
    words = [word for word in _jieba().cut_for_search(run) if len(word) >= 2]
    tokens = [bigram for word in words for bigram in _bigrams(word)]
    return tokens or _bigrams(run)


def parse_query(text: str, *, prefix_last: bool = False) -> Query:
    """Cut a search query into tokens; anything but letters, digits and Chinese is ignored.

    Only the first :data:`MAX_QUERY_CHARS` characters and :data:`MAX_QUERY_TOKENS` tokens
    count. With ``prefix_last``, a final Latin word of three letters or more is matched as a
    prefix (the user is still typing it).
    """
    text = normalise((text or "")[:MAX_QUERY_CHARS])
    tokens: list[str] = []
    prefix: list[str] = []
    words = _WORD.findall(text)
    for position, word in enumerate(words):
        for part in re.findall(r"[0-9a-z]+|[^0-9a-z]+", word):
            if _LATIN.fullmatch(part):
                last = position == len(words) - 1 and word.endswith(part)
                if prefix_last and last and len(part) >= 3 and not text.endswith(" "):
                    prefix.append(part)
                else:
                    tokens.append(part)
            else:
                tokens.extend(_cjk_query_tokens(part))
    unique = list(dict.fromkeys(tokens))[:MAX_QUERY_TOKENS]
    return Query(text=text, tokens=tuple(unique), prefix=tuple(dict.fromkeys(prefix)))


def _quoted_fts5(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts5_query(query: Query, *, match_all: bool) -> str:
    """An FTS5 MATCH expression: every token a quoted string, joined by AND or OR."""
    terms = [_quoted_fts5(t) for t in query.tokens]
    terms += [_quoted_fts5(t) + " *" for t in query.prefix]
    return (" AND " if match_all else " OR ").join(terms)


def _quoted_tsquery(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(query: Query, *, match_all: bool) -> str:
    """A ``to_tsquery('simple', ...)`` expression: quoted lexemes joined by ``&`` or ``|``."""
    terms = [_quoted_tsquery(t) for t in query.tokens]
    terms += [_quoted_tsquery(t) + ":*" for t in query.prefix]
    return (" & " if match_all else " | ").join(terms)


# --------------------------------------------------------------------------- highlighting


def _spans(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where ``words`` occur in ``text`` (normalised), overlapping spans merged."""
    folded = normalise(text)
    found: list[tuple[int, int]] = []
    for word in words:
        if not word:
            continue
        start = folded.find(word)
        while start != -1:
            found.append((start, start + len(word)))
            start = folded.find(word, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, words: Sequence[str]) -> str:
    """``text`` as HTML: escaped first, then each match of ``words`` wrapped in ``<mark>``.

    The result holds no markup but the ``<mark>`` elements added here.
    """
    out: list[str] = []
    position = 0
    for start, end in _spans(text, words):
        out.append(html.escape(text[position:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        position = end
    out.append(html.escape(text[position:]))
    return "".join(out)


def snippet(text: str, words: Sequence[str], *, width: int = 120) -> str:
    """About ``width`` characters of ``text`` around its first match, highlighted (HTML)."""
    text = " ".join(text.split())
    spans = _spans(text, words)
    start = max(0, spans[0][0] - width // 3) if spans else 0
    end = min(len(text), start + width)
    piece = text[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return html.escape(prefix) + highlight(piece, words) + html.escape(suffix)
