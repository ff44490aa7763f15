"""Cutting Chinese and English into search tokens, quoting them, highlighting safely."""

from __future__ import annotations

from gongdan.knowledge.tokens import (
    MAX_QUERY_CHARS,
    MAX_QUERY_TOKENS,
    fts5_query,
    highlight,
    index_tokens,
    parse_query,
    snippet,
    tsquery,
)


def test_chinese_text_gives_words_characters_and_bigrams() -> None:
    tokens = index_tokens("蒸汽棒漏水")
    assert "漏水" in tokens  # a jieba word and a bigram
    assert "汽棒" in tokens  # a bigram jieba would not cut
    assert "棒" in tokens


def test_latin_words_are_lower_case_and_full_width_is_folded() -> None:
    assert index_tokens("ES-Pro ＥＯ８ Water") == ["es", "pro", "eo8", "water"]


def test_a_two_character_query_is_one_bigram() -> None:
    assert parse_query("漏水").tokens == ("漏水",)
    assert parse_query("出水").tokens == ("出水",)


def test_longer_chinese_queries_ask_for_the_bigrams_of_their_words() -> None:
    assert parse_query("蒸汽棒漏水").tokens == ("蒸汽", "漏水")
    assert parse_query("咖啡机不出水").tokens == ("咖啡", "啡机", "出水")  # not 机不 or 不出


def test_syntax_characters_never_reach_the_query() -> None:
    query = parse_query("\"* NEAR( '; drop table kb_articles; -- &|!(): 漏水")
    assert query.tokens == ("near", "drop", "table", "kb", "articles", "漏水")
    fts = fts5_query(query, match_all=True)
    assert fts == '"near" AND "drop" AND "table" AND "kb" AND "articles" AND "漏水"'
    assert (
        tsquery(query, match_all=False) == "'near' | 'drop' | 'table' | 'kb' | 'articles' | '漏水'"
    )


def test_only_punctuation_is_an_empty_query() -> None:
    assert parse_query("\"'*()&|!:;-").is_empty
    assert parse_query("").is_empty


def test_enormous_queries_are_cut() -> None:
    query = parse_query("漏水" * 50_000)
    assert len(query.text) == MAX_QUERY_CHARS
    assert len(parse_query(" ".join(f"w{i}" for i in range(1000))).tokens) == MAX_QUERY_TOKENS


def test_the_word_being_typed_is_a_prefix() -> None:
    query = parse_query("water lea", prefix_last=True)
    assert query.tokens == ("water",) and query.prefix == ("lea",)
    assert fts5_query(query, match_all=False) == '"water" OR "lea" *'
    assert tsquery(query, match_all=True) == "'water' & 'lea':*"


def test_highlight_escapes_before_marking() -> None:
    html = highlight("<b>漏水</b> & <script>", ["漏水", "script"])
    assert html == "&lt;b&gt;<mark>漏水</mark>&lt;/b&gt; &amp; &lt;<mark>script</mark>&gt;"


def test_highlight_is_case_insensitive_and_merges_overlaps() -> None:
    assert highlight("Water LEAK", ["leak", "water"]) == "<mark>Water</mark> <mark>LEAK</mark>"
    assert highlight("蒸汽棒漏水", ["蒸汽", "汽棒", "棒漏"]) == "<mark>蒸汽棒漏</mark>水"


def test_snippet_centres_on_the_first_match() -> None:
    text = "开头" * 100 + "蒸汽棒漏水" + "结尾" * 100
    result = snippet(text, ["漏水"], width=40)
    assert result.startswith("…") and result.endswith("…")
    assert "<mark>漏水</mark>" in result
