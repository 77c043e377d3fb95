"""Dates named in a search query ("5月6号", "2023年4月", "4月27日", "last May", "March
2024", "2024-03-05"), in English, Chinese and Japanese, and the time windows they mean.

Search uses them as a soft boost (messages from that day or month rank higher) and drops
them from the words it looks for: "5月6号" is when, not what. A date without a year means
that day in any year of the archive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_CN_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMBER = "[一二两三四五六七八九十]{1,3}"
_NUM = rf"(?:\d{{1,2}}|{_CN_NUMBER})"
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))

_CJK_DATE = re.compile(
    rf"(?:(?P<year>\d{{4}})\s*年\s*)?(?P<month>{_NUM})\s*月(?:\s*(?P<day>{_NUM})\s*[日号號])?"
)
_CJK_YEAR = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")
_ISO = re.compile(r"\b(?P<year>(?:19|20)\d{2})[-/.](?P<month>\d{1,2})(?:[-/.](?P<day>\d{1,2}))?\b")
# "May 6", "May 6th, 2023", "6 May 2023", "March 2024", "last May", "in May".
_EN_DATE = re.compile(
    rf"(?P<last>\blast\s+)?\b(?:(?P<day1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?)?"
    rf"(?P<month>{_MONTH_NAMES})\b\.?"
    r"(?:\s+(?P<day2>\d{1,2})(?:st|nd|rd|th)?\b)?(?:,?\s+(?P<year>(?:19|20)\d{2})\b)?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class DateMention:
    """A day or month a query names; ``year`` None means any year."""

    text: str
    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None = None

    def windows(self, years: range) -> list[tuple[float, float]]:
        """``[since, until)`` epoch seconds (local time) of each day or month meant, for
        every year in ``years`` when the mention has none."""
        out = []
        for year in [self.year] if self.year is not None else list(years):
            try:
                if self.month is None:
                    first, after = date(year, 1, 1), date(year + 1, 1, 1)
                elif self.day is None:
                    first = date(year, self.month, 1)
                    after = date(year + (self.month == 12), self.month % 12 + 1, 1)
                else:
                    first = date(year, self.month, self.day)
                    after = date.fromordinal(first.toordinal() + 1)
            except ValueError:
                continue  # 2月30日, or a year out of range
            out.append((_epoch(first), _epoch(after)))
        return out


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day).timestamp()  # local midnight


def _number(text: str | None) -> int | None:
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0))
    return _CN_DIGITS.get(text) if len(text) == 1 else None


def _valid(month: int | None, day: int | None) -> bool:
    return (month is None or 1 <= month <= 12) and (day is None or 1 <= day <= 31)


def find_dates(query: str, today: date | None = None) -> list[DateMention]:
    """The dates ``query`` names, in order. "last May" is the most recent May before this
    month (``today``: the current date)."""
    today = today or date.today()
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], year: int | None, month: int | None, day: int | None) -> None:
        start, end = match.span()
        if not _valid(month, day) or any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(DateMention(match.group().strip(), start, end, year, month, day))

    for match in _ISO.finditer(query):
        add(match, int(match["year"]), int(match["month"]), _number(match["day"]))
    for match in _CJK_DATE.finditer(query):
        year = int(match["year"]) if match["year"] else None
        add(match, year, _number(match["month"]), _number(match["day"]))
    for match in _CJK_YEAR.finditer(query):
        add(match, int(match["year"]), None, None)
    for match in _EN_DATE.finditer(query):
        word = match["month"]
        has_number = bool(match["day1"] or match["day2"] or match["year"])
        # "may" is mostly the verb: only "May" with a capital, a number or "last"/"in"
        if word.lower() == "may" and not (has_number or match["last"] or word == "May"):
            continue
        if word.lower() in ("mar", "jun", "dec", "sep", "oct", "jan") and not has_number:
            continue  # short forms alone are too often other words ("mar", "dec")
        month = _MONTHS[word.lower().rstrip(".")]
        year = int(match["year"]) if match["year"] else None
        if match["last"] and year is None:
            year = today.year if month < today.month else today.year - 1
        add(match, year, month, _number(match["day1"] or match["day2"]))
    found.sort(key=lambda mention: mention.start)
    return found


def without_dates(query: str, mentions: list[DateMention]) -> str:
    """``query`` with the date mentions (and a Chinese "在"/"on"/"in" before them) cut."""
    out = query
    for mention in sorted(mentions, key=lambda m: m.start, reverse=True):
        before = out[: mention.start]
        before = re.sub(r"(?:\b(?:on|in|at|during|from)\s+|[在于])\s*$", "", before, flags=re.I)
        out = before + " " + out[mention.end :]
    return " ".join(out.split())
