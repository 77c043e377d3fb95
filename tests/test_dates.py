"""keeper.dates: what people type becomes the span they mean, for the CLI and the TUI."""

from __future__ import annotations

from datetime import datetime

import pytest

from keeper import dates
from keeper.cli.common import make_filters
from keeper.errors import UsageError
from keeper.tui.query import parse_query


def local(*parts: int) -> float:
    return datetime(*parts).astimezone().timestamp()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024", (2024, 1, 1), (2025, 1, 1)),
        ("2024-05", (2024, 5, 1), (2024, 6, 1)),
        ("2024-12", (2024, 12, 1), (2025, 1, 1)),
        ("2024-05-06", (2024, 5, 6), (2024, 5, 7)),
        ("2024-5-6", (2024, 5, 6), (2024, 5, 7)),
        ("2024/05/06", (2024, 5, 6), (2024, 5, 7)),
        ("2024-05-06 14:30", (2024, 5, 6, 14, 30), (2024, 5, 6, 14, 31)),
        ("2024-05-06T14:30:15", (2024, 5, 6, 14, 30, 15), (2024, 5, 6, 14, 30, 16)),
        ("2024-02-29", (2024, 2, 29), (2024, 3, 1)),
    ],
)
def test_a_date_names_a_half_open_span(text: str, start: tuple, end: tuple) -> None:
    assert dates.parse_span(text) == (local(*start), local(*end))


def test_a_zone_is_honoured_and_epoch_seconds_are_an_instant() -> None:
    assert dates.parse_span("2024-05-06T00:00Z")[0] == 1714953600.0
    assert dates.parse_span("2024-05-06T02:00+02:00")[0] == 1714953600.0
    assert dates.parse_span("1714953600") == (1714953600.0, 1714953600.0)


@pytest.mark.parametrize(
    "text", ["24", "2024-13", "2024-02-30", "May 2024", "", "2024-05-06 25:00"]
)
def test_unreadable_dates_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match="2024-05"):
        dates.parse_span(text)


def test_until_a_year_runs_through_its_end_and_since_starts_at_its_start() -> None:
    filters = make_filters(since="2024", until="2024")
    assert filters.since == local(2024, 1, 1)
    assert filters.until == local(2025, 1, 1)
    with pytest.raises(UsageError, match="Could not read the date '2024-13'"):
        make_filters(since="2024-13")
    with pytest.raises(UsageError, match="starts after"):
        make_filters(since="2025", until="2024")


def test_the_tui_box_reads_dates_as_the_cli_does() -> None:
    query = parse_query("tea since:2024-05 until:2024")
    assert query.text == "tea"
    assert query.filters.since == make_filters(since="2024-05").since
    assert query.filters.until == make_filters(until="2024").until
    assert parse_query("since:someday").problems == (dates.HINT,)
