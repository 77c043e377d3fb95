"""Dates named in search queries, in English, Chinese and Japanese."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from keeper.query_dates import find_dates, without_dates

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("query", "year", "month", "day"),
    [
        ("在5月6号我读了一本书", None, 5, 6),
        ("4月27日我们聊了什么", None, 4, 27),
        ("2023年4月的计划", 2023, 4, None),
        ("2023年4月27日", 2023, 4, 27),
        ("五月六号看了电影", None, 5, 6),
        ("十二月的旅行", None, 12, None),
        ("3月5日に東京へ行きました", None, 3, 5),
        ("what did I plan in March 2024", 2024, 3, None),
        ("On May 6, 2023 we met", 2023, 5, 6),
        ("the 6th of May", None, 5, 6),
        ("meeting notes 2024-03-05", 2024, 3, 5),
    ],
)
def test_dates_are_recognised(query: str, year: int | None, month: int, day: int | None) -> None:
    [mention] = find_dates(query, TODAY)
    assert (mention.year, mention.month, mention.day) == (year, month, day)


def test_last_month_name_is_the_most_recent_past_one() -> None:
    [mention] = find_dates("what did I say last May?", TODAY)
    assert (mention.year, mention.month) == (2026, 5)
    [mention] = find_dates("last December", TODAY)
    assert (mention.year, mention.month) == (2025, 12)


@pytest.mark.parametrize(
    "query", ["You may go now", "mar the surface", "4 months later", "13月40日", "page 2023"]
)
def test_things_that_are_not_dates(query: str) -> None:
    assert find_dates(query, TODAY) == []


def test_dates_are_cut_from_the_words_searched() -> None:
    query = "在5月6号我读了一本书"
    assert without_dates(query, find_dates(query, TODAY)) == "我读了一本书"
    query = "what did we cook on May 6?"
    assert without_dates(query, find_dates(query, TODAY)) == "what did we cook ?"


def test_windows_cover_the_day_in_every_year_when_no_year_is_named() -> None:
    [mention] = find_dates("5月6号", TODAY)
    windows = mention.windows(range(2023, 2025))
    assert [datetime.fromtimestamp(s).date() for s, _ in windows] == [
        date(2023, 5, 6),
        date(2024, 5, 6),
    ]
    assert all(until - since == 86_400 for since, until in windows)


def test_month_window_spans_the_month_and_bad_days_are_skipped() -> None:
    [mention] = find_dates("2023年12月", TODAY)
    [(since, until)] = mention.windows(range(0))
    assert datetime.fromtimestamp(since).date() == date(2023, 12, 1)
    assert datetime.fromtimestamp(until).date() == date(2024, 1, 1)
    [mention] = find_dates("2月30日", TODAY)
    assert mention.windows(range(2023, 2025)) == []
