"""The one time policy: how instants become days and displayed times.

keeper stores instants (epoch seconds, UTC). Everything a person reads — the reader, the
search list, summary timelines, chapters, packs, the TUI, monthly stats — is shown in the
machine's **local** zone, so a message is always on the same day wherever it appears. JSON
output carries instants as ISO 8601 UTC (``…Z``): that is a time, not a day, and machines
convert it. The store's per-month SQL uses SQLite's ``'localtime'`` for the same reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from keeper import dates
from keeper.errors import UsageError

UNDATED = "undated"


def local(epoch: float) -> datetime:
    """The instant ``epoch`` in the local zone."""
    return datetime.fromtimestamp(epoch, tz=UTC).astimezone()


def display(epoch: float | None, *, seconds: bool = False) -> str:
    """Local date and time for people ("2024-05-01 14:03"), or "" when unknown."""
    if epoch is None:
        return ""
    return local(epoch).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def day(epoch: float | None, *, undated: str = UNDATED) -> str:
    """The local day of ``epoch`` ("2024-05-01"), or ``undated`` when unknown."""
    return local(epoch).strftime("%Y-%m-%d") if epoch is not None else undated


def month(epoch: float | None, *, undated: str = UNDATED) -> str:
    """The local month of ``epoch`` ("2024-05"), or ``undated`` when unknown."""
    return local(epoch).strftime("%Y-%m") if epoch is not None else undated


def today() -> str:
    """Today's local date."""
    return datetime.now().astimezone().strftime("%Y-%m-%d")


def iso_utc(epoch: float | None) -> str | None:
    """ISO 8601 UTC for JSON output ("2024-05-01T12:03:00Z"), or None when unknown."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat().replace("+00:00", "Z")


def day_start(value: str) -> float:
    """Local midnight starting the day ``YYYY-MM-DD`` (a date the export wrote without a
    zone means the day the user saw, in their zone)."""
    return datetime.strptime(value, "%Y-%m-%d").astimezone().timestamp()


def parse_date(value: str, *, end: bool = False) -> float:
    """Epoch seconds where the date ``value`` begins (with ``end``: where it ends, so
    ``--until 2024`` runs through December 31st): :func:`keeper.dates.parse_span`, the one
    reader of typed dates. UsageError if unreadable."""
    try:
        return dates.until(value) if end else dates.since(value)
    except ValueError as error:
        raise UsageError(str(error), "For example --since 2024-05 --until 2024.") from None
