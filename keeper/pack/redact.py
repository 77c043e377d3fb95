"""Mask personal identifiers in pack text and keep a list of what was masked.

Each distinct value gets a stable placeholder (``[EMAIL-1]``, ``[PHONE-2]``), so the same
address masked twice reads the same and the list maps placeholders back for the user.
Pattern-based, so it errs towards masking: numbers that look like phone numbers are
masked even when they are not.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

_STREET_TYPES = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|way|court|ct|place|pl|"
    r"terrace|ter|parkway|pkwy|highway|hwy|square|sq|trail|crescent|close|straße|strasse|"
    r"rue|calle|via"
)
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")),
    ("CARD", re.compile(r"\b(?:\d[ -]?){13,19}\b")),
    ("SSN", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("IP", re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")),
    (
        "PHONE",
        re.compile(
            r"(?<![\w.-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,8}){1,4}"
            r"(?![\w.])|(?<!\d)0\d{9,10}(?!\d)"
        ),
    ),
    (
        "ADDRESS",
        re.compile(
            rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][\w'.-]*\s+){{1,4}}(?:{_STREET_TYPES})\b\.?"
            r"(?:,?\s+(?:apt|apartment|unit|suite|#)\.?\s*\w+)?",
            re.IGNORECASE,
        ),
    ),
    (
        "ADDRESS",
        re.compile(
            r"[\u4e00-\u9fff]{2,}(?:路|街|道)\d+号|[\u4e00-\u9fff]{1,6}[区市町村]\d+-\d+(?:-\d+)?"
        ),
    ),
)


def _digits(value: str) -> int:
    return sum(ch.isdigit() for ch in value)


def _luhn(value: str) -> bool:
    digits = [int(ch) for ch in value if ch.isdigit()]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


def _accept(kind: str, value: str) -> bool:
    if kind == "CARD":
        return _luhn(value)
    if kind == "PHONE":
        # Years, times and short counts are not phone numbers.
        return _digits(value) >= 7 and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip())
    return True


@dataclass(slots=True)
class Redactor:
    """Masks identifiers; remembers placeholders across every text it is given."""

    enabled: bool = True
    placeholders: dict[tuple[str, str], str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def __call__(self, text: str) -> str:
        """``text`` with identifiers replaced by placeholders (unchanged when disabled)."""
        if not self.enabled or not text:
            return text
        for kind, pattern in PATTERNS:
            text = pattern.sub(functools.partial(self._mask_match, kind), text)
        return text

    def _mask_match(self, kind: str, match: re.Match[str]) -> str:
        return self._mask(kind, match.group(0))

    def _mask(self, kind: str, value: str) -> str:
        if not _accept(kind, value):
            return value
        stripped = value.strip()
        key = (kind, stripped)
        if key not in self.placeholders:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.placeholders[key] = f"[{kind}-{self.counts[kind]}]"
        placeholder = self.placeholders[key]
        self.hits[placeholder] = self.hits.get(placeholder, 0) + 1
        return value.replace(stripped, placeholder)

    def report(self) -> list[dict[str, Any]]:
        """What was masked: kind, placeholder, original value and how often."""
        return [
            {"kind": kind, "placeholder": ph, "value": value, "count": self.hits.get(ph, 0)}
            for (kind, value), ph in self.placeholders.items()
        ]

    def summary_line(self) -> str:
        """ "2 e-mail addresses, 1 phone number" for the pack's own note."""
        names = {
            "EMAIL": "e-mail address",
            "PHONE": "phone number",
            "ADDRESS": "street address",
            "CARD": "card number",
            "IBAN": "IBAN",
            "SSN": "social security number",
            "IP": "IP address",
        }
        parts = []
        for kind, count in sorted(self.counts.items()):
            label = names.get(kind, kind.lower())
            parts.append(
                f"{count} {label}{'es' if count > 1 and label.endswith('ss') else ''}"
                f"{'s' if count > 1 and not label.endswith('ss') else ''}"
            )
        return ", ".join(parts)
