"""Short excerpts of a message around the words that matched, with highlight spans."""

from __future__ import annotations

import functools
import re

WIDTH = 200


@functools.lru_cache(maxsize=256)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    words = []
    for term in terms:
        term = " ".join(term.split())  # as the text is collapsed: any whitespace is one space
        if not term:
            continue
        if not term.isascii():
            words.append(re.escape(term))  # CJK: the bigram run itself, mid-sentence
            continue
        # Stemmed matches ("running" for "run", "clients" for "client") share a prefix:
        # highlight the whole word that starts with it.
        stem = term if len(term) <= 4 else term[: max(4, len(term) - 2)]
        words.append(rf"\b{re.escape(stem)}\w*")
    if not words:
        return None
    # A phrase's space matches any run of whitespace, so the raw text matches where its
    # collapsed form does.
    alternatives = [word.replace(r"\ ", r"\s+") for word in sorted(words, key=len, reverse=True)]
    return re.compile("|".join(alternatives), re.IGNORECASE)


_SPACE = re.compile(r"\s")
_NON_SPACE = re.compile(r"\S")


def _flat(text: str) -> str:
    return " ".join(text.split())


def make_snippet(
    text: str, terms: tuple[str, ...], width: int = WIDTH
) -> tuple[str, list[list[int]]]:
    """A one-line excerpt of ``text`` (whitespace collapsed) around the first match and
    the [start, end) spans of every match inside it. Without a match, the start of the
    text. Only a window around the match is normalised, so a long message costs no more
    than a short one."""
    pattern = _pattern(terms)
    first = pattern.search(text) if pattern else None
    if pattern is None or first is None:
        reach = 4 * width
        while True:
            flat = _flat(text[:reach])
            if len(flat) > width or reach >= len(text):
                break
            reach *= 2
        # The window stops short of the text's end only when it already holds more.
        return (flat[:width] + "…" if len(flat) > width else flat), []
    reach = 2 * width
    while True:
        # The window starts on whitespace, so its first word is whole (no false match).
        left = max(0, first.start() - reach)
        if left:
            blank = _SPACE.search(text, left, first.start())
            left = blank.start() if blank else first.start()
        right = min(len(text), first.end() + reach)
        flat = _flat(text[left:right])
        found = pattern.search(flat)
        if found is None:  # cannot happen (the window holds the first match, whole)
            return _flat(text)[:width], []
        start = max(0, found.start() - width // 3)
        enough_left = left == 0 or found.start() > width // 3 + 21
        enough_right = right == len(text) or len(flat) - start > width
        if enough_left and enough_right:
            break
        reach *= 2
    if start:
        space = flat.rfind(" ", max(0, start - 20), start)
        start = space + 1 if space > 0 else start
    end = min(len(flat), start + width)
    excerpt = flat[start:end]
    before = start > 0 or _NON_SPACE.search(text, 0, left) is not None
    prefix = "…" if before else ""
    suffix = "…" if end < len(flat) else ""  # (a window short of the end holds more)
    spans = [[m.start() + len(prefix), m.end() + len(prefix)] for m in pattern.finditer(excerpt)]
    return prefix + excerpt + suffix, spans


def mark(snippet: str, spans: list[list[int]], left: str = "[", right: str = "]") -> str:
    """``snippet`` with each highlighted span wrapped in ``left``/``right``."""
    out = []
    last = 0
    for start, end in spans:
        out.append(snippet[last:start])
        out.append(left + snippet[start:end] + right)
        last = end
    out.append(snippet[last:])
    return "".join(out)


def context_turn(role: str | None, context: dict[str, dict]) -> dict | None:
    """The neighbouring turn worth showing under a hit: the reply to a user's message,
    the question an assistant's reply answered."""
    side = "before" if role == "assistant" else "after"
    return context.get(side) or context.get("after" if side == "before" else "before")


def context_line(role: str | None, context: dict[str, dict], width: int = WIDTH) -> str:
    """``↳ role: text`` for :func:`context_turn`, clipped to ``width`` characters in all;
    '' when there is none."""
    turn = context_turn(role, context)
    if not turn:
        return ""
    line = f"↳ {turn.get('role') or '?'}: " + " ".join(str(turn.get("text", "")).split())
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"
