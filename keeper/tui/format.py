"""Small formatting helpers shared by the screens (dates, badges, highlighted snippets)."""

from __future__ import annotations

from rich.text import Text

from keeper import timefmt
from keeper.text import clip as text_clip


def day(epoch: float | None) -> str:
    """``2024-05-01`` in local time, or "" when unknown."""
    return timefmt.day(epoch, undated="")


clip = text_clip  # one line of at most ``width`` characters (keeper.text)


def highlighted(snippet: str, spans: list[list[int]], style: str = "bold reverse") -> Text:
    """``snippet`` as Rich text with the matching words (``[start, end]`` spans) styled.

    Search marks the shared stem of stemmed matches ("runn" in "running"); the span is
    widened to the whole (ASCII) word so the eye catches the word itself."""
    plain = " ".join(snippet.split("\n"))
    text = Text(plain)
    for start, end in spans:
        while end < len(plain) and plain[end].isascii() and plain[end].isalnum():
            end += 1
        text.stylize(style, start, end)
    return text


def size(count: int | None) -> str:
    """A file size for people (``7.6 KB``)."""
    if count is None:
        return "?"
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
