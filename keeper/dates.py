"""The one reader of dates people type, for the CLI and the TUI alike.

A date names a span, not an instant: ``2024`` is the whole year, ``2024-05`` the month,
``2024-05-06`` the day, ``2024-05-06 14:30`` the minute. :func:`parse_span` turns it into a
half-open range of epoch seconds, so ``--since X`` starts where X starts and ``--until X``
runs through the end of X. Dates without a zone are local time, as people mean them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

HINT = "dates look like 2024, 2024-05, 2024-05-06 or 2024-05-06 14:30"

_DATE = re.compile(
    r"""^(?P<year>\d{4})
    (?:[-/.](?P<month>\d{1,2})
      (?:[-/.](?P<day>\d{1,2})
        (?:[T\s]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?
      )?
    )?
    \s*(?P<zone>Z|[+-]\d{2}:?\d{2})?$""",
    re.VERBOSE | re.IGNORECASE,
)
_EPOCH = re.compile(r"^\d{9,}(?:\.\d*)?$|^\d+\.\d*$")


def parse_span(text: str) -> tuple[float, float]:
    """The half-open range ``[start, end)`` of epoch seconds that ``text`` names.

    Accepts a year, a year-month, a day, a day with a time (minutes or seconds, ``T`` or a
    space, an optional ``Z``/``+hh:mm`` zone) and epoch seconds (an instant: start == end).
    Raises ValueError with a message a person can act on."""
    value = text.strip()
    if _EPOCH.match(value):
        moment = float(value)
        return moment, moment
    match = _DATE.match(value)
    if not match:
        raise ValueError(f"Could not read the date {text!r}: {HINT}.")
    parts = {k: int(v) for k, v in match.groupdict().items() if v and k != "zone"}
    try:
        start = datetime(
            parts["year"],
            parts.get("month", 1),
            parts.get("day", 1),
            parts.get("hour", 0),
            parts.get("minute", 0),
            parts.get("second", 0),
        )
    except ValueError as error:
        raise ValueError(f"Could not read the date {text!r} ({error}): {HINT}.") from None
    if "second" in parts:
        after = start + timedelta(seconds=1)
    elif "minute" in parts:
        after = start + timedelta(minutes=1)
    elif "day" in parts:
        after = start + timedelta(days=1)
    elif "month" in parts:
        after = _add_month(start)
    else:
        after = _shift_year(start)
    zone = match.group("zone")
    if zone:
        tz = _zone(zone)
        return start.replace(tzinfo=tz).timestamp(), after.replace(tzinfo=tz).timestamp()
    return start.astimezone().timestamp(), after.astimezone().timestamp()


def since(text: str) -> float:
    """Where the span ``text`` names begins (the first instant an ``--since`` keeps)."""
    return parse_span(text)[0]


def until(text: str) -> float:
    """Where the span ``text`` names ends (exclusive): ``--until 2024`` keeps all of 2024."""
    return parse_span(text)[1]


def _add_month(moment: datetime) -> datetime:
    if moment.month == 12:
        return _shift_year(moment.replace(month=1))
    return moment.replace(month=moment.month + 1)


def _shift_year(moment: datetime) -> datetime:
    if moment.year == 9999:
        # The span runs to the end of time datetime can name.
        return datetime.max.replace(microsecond=0)
    return moment.replace(year=moment.year + 1)


def _zone(text: str) -> tzinfo:
    if text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
