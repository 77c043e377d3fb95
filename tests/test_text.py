"""The text toolbox: one definition of clipping, CJK runs, stopwords, IDF and token counts."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from keeper import text
from keeper.store import fts_text
from keeper.summarize import terms


def test_clip_keeps_short_lines_and_cuts_long_ones_with_an_ellipsis() -> None:
    assert text.clip("  two\n words ", 20) == "two words"
    assert text.clip("abcdef ghij", 8) == "abcdef…"
    assert text.clip("abcdefghij", 1) == "a…"  # width 1 still shows a letter


@given(st.text(), st.integers(min_value=2, max_value=200))
def test_clip_never_exceeds_its_width(value: str, width: int) -> None:
    clipped = text.clip(value, width)
    assert len(clipped) <= width
    assert "\n" not in clipped
    flat = " ".join(value.split())
    assert clipped == flat or (clipped.endswith("…") and flat.startswith(clipped[:-1]))


def test_one_cjk_rule_for_the_index_and_the_summaries() -> None:
    assert fts_text.CJK_RUN is text.CJK_RUN and terms.CJK_RUN is text.CJK_RUN
    assert fts_text.STOPWORDS is text.STOPWORDS
    assert text.CJK_RUN.findall("I like 猫 and すし, 한국어 too") == ["猫", "すし", "한국어"]
    assert {"the", "and"} <= text.STOPWORDS and "tea" not in text.STOPWORDS


def test_smoothed_idf_orders_rare_terms_first_and_stays_positive() -> None:
    assert text.smoothed_idf(0, 10) > text.smoothed_idf(3, 10) > text.smoothed_idf(10, 10)
    assert text.smoothed_idf(10, 10) == 1.0
    assert text.smoothed_idf(0, 0) == 1.0
    assert terms.idf_from([["a", "b"], ["a"]]) == {
        "a": 1.0,
        "b": math.log(3 / 2) + 1.0,
    }


def test_token_estimate_counts_cjk_per_character_and_latin_per_four() -> None:
    assert text.estimate_tokens("") == 0
    assert text.estimate_tokens("abcd") == 1 and text.estimate_tokens("abcde") == 2
    assert text.estimate_tokens("我很喜欢猫") == 5
    assert text.estimate_tokens("我很 tea") == 2 + math.ceil(4 / 4)
