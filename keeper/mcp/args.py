"""Check and convert the arguments a model passes to keeper's MCP tools.

Every problem raises :class:`keeper.errors.UsageError` with a message written for the model
that made the call: what was wrong and what to send instead.
"""

from __future__ import annotations

from keeper import timefmt
from keeper.errors import UsageError
from keeper.mcp.budget import MAX_TOKENS, MIN_TOKENS


def parse_date(value: str | None, name: str, *, end: bool = False) -> float | None:
    """Epoch seconds for ``YYYY-MM-DD`` (local midnight; with ``end`` the next midnight, so
    the day is included) or an ISO date-time, by keeper's one time policy; None for None
    or ""."""
    if value is None or not value.strip():
        return None
    try:
        return timefmt.parse_date(value.strip(), end=end)
    except UsageError as error:
        raise UsageError(
            f"{name}={value!r} is not a date. Use YYYY-MM-DD (e.g. 2024-05-31) or an ISO "
            "date-time (2024-05-31T18:00)."
        ) from error


def date_range(since: str | None, until: str | None) -> tuple[float | None, float | None]:
    """``since`` (inclusive) and ``until`` (the whole day included) as epoch seconds."""
    start = parse_date(since, "since")
    stop = parse_date(until, "until", end=True)
    if start is not None and stop is not None and start >= stop:
        raise UsageError(f"since={since!r} is not before until={until!r}; swap them.")
    return start, stop


def tokens(value: int) -> int:
    """A ``max_tokens`` value within what the server allows."""
    if not MIN_TOKENS <= value <= MAX_TOKENS:
        raise UsageError(
            f"max_tokens={value} is out of range; use {MIN_TOKENS} to {MAX_TOKENS} "
            "(smaller answers leave more room in your context)."
        )
    return value


def text(value: str | None) -> str | None:
    """``value`` stripped, None when empty."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None
