"""Search-box syntax: free words plus the CLI's filters as ``key:value`` tokens.

``model:gpt-4o role:user project:g-p-123 since:2024-01-01 until:2024-12-31 hidden:yes``
"""

from __future__ import annotations

from dataclasses import dataclass

from keeper import dates
from keeper.store.filters import Filters

KEYS = ("model", "role", "project", "since", "until", "conversation", "hidden")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """The words to search for and the filters the box asked for."""

    text: str
    filters: Filters
    problems: tuple[str, ...] = ()


def parse_date(value: str, *, end: bool = False) -> float:
    """Epoch seconds where the date ``value`` begins (with ``end``: where it ends); the
    CLI's reader, :mod:`keeper.dates`. ValueError if unreadable."""
    return dates.until(value) if end else dates.since(value)


def parse_query(raw: str) -> SearchQuery:
    """Split ``raw`` into search words and :class:`Filters`; unknown keys stay words."""
    words: list[str] = []
    values: dict[str, str] = {}
    for token in raw.split():
        key, sep, value = token.partition(":")
        if sep and value and key.lower() in KEYS:
            values[key.lower()] = value
        else:
            words.append(token)
    problems: list[str] = []
    since = until = None
    try:
        if "since" in values:
            since = parse_date(values["since"])
        if "until" in values:
            until = parse_date(values["until"], end=True)
    except ValueError:
        problems.append(dates.HINT)
    filters = Filters(
        since=since,
        until=until,
        model=values.get("model"),
        role=values.get("role"),
        project=values.get("project"),
        conversation=values.get("conversation"),
        include_hidden=values.get("hidden", "").lower() in ("yes", "true", "1", "on"),
    )
    return SearchQuery(" ".join(words), filters, tuple(problems))
