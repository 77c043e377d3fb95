"""Search-box syntax: free words plus the CLI's filters as ``key:value`` tokens.

``model:gpt-4o role:user project:g-p-123 since:2024-01-01 until:2024-12-31 hidden:yes``
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from keeper.store.filters import Filters

KEYS = ("model", "role", "project", "since", "until", "conversation", "hidden")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """The words to search for and the filters the box asked for."""

    text: str
    filters: Filters
    problems: tuple[str, ...] = ()


def parse_date(value: str, *, end: bool = False) -> float:
    """Epoch seconds for ``YYYY-MM-DD`` / ``YYYY-MM`` / ``YYYY`` (local time); with ``end``
    the first moment after that day, month or year. ValueError if unreadable."""
    parts = value.split("-")
    if len(parts) == 1 and len(value) == 4:
        start = datetime(int(value), 1, 1)
        after = datetime(start.year + 1, 1, 1)
    elif len(parts) == 2:
        start = datetime(int(parts[0]), int(parts[1]), 1)
        after = datetime(start.year + start.month // 12, start.month % 12 + 1, 1)
    else:
        start = datetime.fromisoformat(value)
        after = start + timedelta(days=1)
    return (after if end else start).astimezone().timestamp()


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
        problems.append("dates look like 2024-05-01, 2024-05 or 2024")
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
