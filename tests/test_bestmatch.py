"""Best-match keyword search on a real SQLite FTS5 index: all terms first, then the rarer
terms, CJK bigrams, quoted phrases, highlights of what matched, dates and context."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from keeper.library import Library
from keeper.search import keyword_search
from keeper.snippet import mark
from keeper.store.filters import Filters
from tests.search_support import open_archive

DAY = 86_400.0
T0 = datetime(2023, 4, 27, 12).timestamp()


@pytest.fixture
def archive(tmp_path: Path):
    filler = [("user", f"note {i} about the weather and groceries", T0 + i) for i in range(30)]
    library = open_archive(
        tmp_path,
        {
            "Support": [
                ("user", "I went to a support group meeting yesterday", T0),
                ("assistant", "That sounds brave. How did the group feel?", T0 + 60),
                ("user", "The group was kind, and my support worker came too", T0 + 120),
            ],
            "Weather": filler,
            "电影": [
                ("user", "今天我遇到了一个麻烦", T0 + 3 * DAY),
                ("assistant", "别担心，我们一起想办法解决这个问题。", T0 + 3 * DAY + 30),
                ("user", "我也很喜欢科幻电影，推荐你看《流浪地球》", T0 + 9 * DAY),
                ("assistant", "这是一部非常棒的电影", T0 + 9 * DAY + 30),
                ("user", "我喜欢猫", T0 + 9 * DAY + 60),
            ],
        },
    )
    yield library
    library.close()


def _texts(library: Library, query: str, limit: int = 10) -> list[str]:
    return [h.snippet for h in keyword_search(library.conn, query, Filters(), limit)]


def test_a_question_finds_messages_that_share_only_some_words(archive: Library) -> None:
    hits = keyword_search(archive.conn, "When did I tell you about the support group?")
    assert hits, "a natural question must find the messages about its words"
    # every message holding both content words comes before one holding only one
    both = [h for h in hits if "support" in h.snippet.lower() and "group" in h.snippet.lower()]
    assert [h.rowid for h in hits[: len(both)]] == [h.rowid for h in both]
    assert any("group feel" in h.snippet for h in hits)


def test_chinese_without_spaces_matches_by_bigrams(archive: Library) -> None:
    hits = keyword_search(archive.conn, "我曾经和你推荐过一部科幻电影，它的名字是？")
    assert hits and "流浪地球" in hits[0].snippet


def test_single_character_matches_inside_a_run(archive: Library) -> None:
    assert any("我喜欢猫" in s for s in _texts(archive, "猫"))


def test_quoted_phrase_stays_exact(archive: Library) -> None:
    assert _texts(archive, '"support group"') == ["I went to a support group meeting yesterday"]
    assert _texts(archive, '"group support"') == []


def test_short_query_keeps_precision(archive: Library) -> None:
    hits = keyword_search(archive.conn, "support worker")
    assert "support worker" in hits[0].snippet


def test_highlights_follow_what_matched(archive: Library) -> None:
    hits = keyword_search(archive.conn, "group kindness weather")
    marked = {mark(h.snippet, h.highlights) for h in hits}
    assert "That sounds brave. How did the [group] feel?" in marked
    assert all("[kindness]" not in m for m in marked)
    chinese = keyword_search(archive.conn, "科幻电影")
    assert "[科幻][电影]" in mark(chinese[0].snippet, chinese[0].highlights)


def test_a_date_alone_finds_that_days_messages(archive: Library) -> None:
    hits = keyword_search(archive.conn, "4月30日")
    assert {h.snippet for h in hits} == {
        "今天我遇到了一个麻烦",
        "别担心，我们一起想办法解决这个问题。",
    }


def test_a_date_boosts_that_days_messages(archive: Library) -> None:
    plain = keyword_search(archive.conn, "我们")
    dated = keyword_search(archive.conn, "4月30号我们")
    assert plain and dated[0].snippet.startswith("别担心")


def test_hits_carry_the_neighbouring_turns(archive: Library) -> None:
    [hit, *_] = keyword_search(archive.conn, "麻烦")
    assert hit.context["after"]["text"] == "别担心，我们一起想办法解决这个问题。"
    assert hit.context["after"]["role"] == "assistant"
    assert "before" not in hit.context
    assert hit.as_dict()["context"]["after"]["message_id"]


def test_a_caller_that_only_ranks_can_leave_the_turns_around_out(archive: Library) -> None:
    full = archive.search("麻烦 电影", mode="keyword")
    bare = archive.search("麻烦 电影", mode="keyword", context=False)
    assert [h.rowid for h in bare] == [h.rowid for h in full] and full
    assert any(h.context for h in full) and not any(h.context for h in bare)


@pytest.mark.parametrize(("query", "limit"), [("weather groceries", 10), ("note weather", 30)])
def test_common_words_skip_the_or_pool_and_rank_the_same(
    archive: Library, query: str, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the ``limit`` best messages holding every term fill the list, the OR of the
    terms is not ranked at all, and the list is what ranking it would have given."""
    from keeper.store import bestmatch
    from keeper.store.fts_text import parse_query

    parsed = parse_query(query)
    conn = archive.conn
    pool = bestmatch.keyword_candidates(conn, parsed.match, Filters(), 2 * limit + 100)
    pool += [
        row
        for row in bestmatch.keyword_candidates(conn, parsed.all_match, Filters(), limit)
        if row.rowid not in {r.rowid for r in pool}
    ]
    reference = [row.rowid for row in bestmatch._rank(conn, parsed, pool)[:limit]]
    asked: list[str] = []
    real = bestmatch.keyword_candidates

    def spy(conn_: object, match: str, filters: Filters, wanted: int) -> list:
        asked.append(match)
        return real(conn_, match, filters, wanted)  # type: ignore[arg-type]

    monkeypatch.setattr(bestmatch, "keyword_candidates", spy)
    got = [row.rowid for row in bestmatch.best_match(conn, parsed, Filters(), limit)]
    assert got == reference and len(got) == limit
    assert asked == [parsed.all_match], "the 30 filler notes hold both words"
