"""CJK-aware index text and query parsing."""

from __future__ import annotations

from keeper.store.fts_text import index_text, parse_query


def test_ascii_text_is_untouched() -> None:
    assert index_text("Hello world") == "Hello world"


def test_cjk_runs_become_bigrams_plus_last_character() -> None:
    assert index_text("我很喜欢猫").split() == ["我很", "很喜", "喜欢", "欢猫", "猫"]


def test_mixed_text_keeps_latin_words() -> None:
    tokens = index_text("I said 東京に行きたい today").split()
    assert tokens[:2] == ["I", "said"] and tokens[-1] == "today"
    assert "東京" in tokens and "行き" in tokens


def test_two_character_query_is_a_single_bigram() -> None:
    assert parse_query("喜欢").match == '"喜欢"'


def test_longer_cjk_query_is_a_phrase_of_bigrams() -> None:
    assert parse_query("日本語").match == '"日本 本語"'


def test_single_character_query_is_a_prefix() -> None:
    assert parse_query("猫").match == '"猫"*'


def test_stopwords_dropped_unless_nothing_else_remains() -> None:
    assert parse_query("the cat").match == '"cat"'
    assert parse_query("the").match == '"the"'


def test_quoted_phrase_stays_a_phrase() -> None:
    assert parse_query('"legal brief" deadline').match == '"legal brief" OR "deadline"'


def test_fts_syntax_characters_are_neutralised() -> None:
    parsed = parse_query('foo" OR bar* NEAR(')
    assert "NEAR(" not in parsed.match
    assert parsed


def test_empty_query() -> None:
    assert not parse_query("   ")
