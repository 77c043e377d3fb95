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


def test_longer_cjk_query_is_an_or_of_its_bigrams() -> None:
    parsed = parse_query("日本語")
    assert parsed.match == '("日本" OR "本語")'
    assert parsed.all_match == '"日本" AND "本語"'


def test_cjk_function_word_bigrams_are_dropped() -> None:
    terms = [t.text for t in parse_query("我曾经和你推荐过一部科幻电影").terms]
    assert {"推荐", "科幻", "幻电", "电影"} <= set(terms)
    assert not {"我曾", "曾经", "经和", "和你", "过一"} & set(terms)


def test_cjk_run_of_only_function_words_is_still_searched() -> None:
    assert [t.text for t in parse_query("什么").terms] == ["什么"]


def test_english_question_words_are_dropped() -> None:
    terms = [t.text for t in parse_query("When did I tell you about the support group?").terms]
    assert terms == ["support", "group"]


def test_single_character_query_is_a_prefix() -> None:
    assert parse_query("猫").match == '"猫"*'


def test_stopwords_dropped_unless_nothing_else_remains() -> None:
    assert parse_query("the cat").match == '"cat"'
    assert parse_query("the").match == '"the"'


def test_quoted_phrase_is_required_and_exact() -> None:
    parsed = parse_query('"legal brief" deadline notes')
    assert parsed.match == '"legal brief" AND ("deadline" OR "notes")'
    assert [t.required for t in parsed.terms] == [True, False, False]


def test_quoted_cjk_phrase_is_its_adjacent_bigrams() -> None:
    assert parse_query('"科幻电影"').match == '"科幻 幻电 电影"'
    assert parse_query('"看 猫"').match == '"看 猫"*'


def test_fts_syntax_characters_are_neutralised() -> None:
    parsed = parse_query('foo" OR bar* NEAR(')
    assert "NEAR(" not in parsed.match
    assert parsed


def test_empty_query() -> None:
    assert not parse_query("   ")
