"""Short excerpts of a message around the words that matched, with highlight spans."""

from __future__ import annotations

import re

WIDTH = 200


def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    words = []
    for term in terms:
        term = term.strip()
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
    return re.compile("|".join(sorted(words, key=len, reverse=True)), re.IGNORECASE)


def make_snippet(
    text: str, terms: tuple[str, ...], width: int = WIDTH
) -> tuple[str, list[list[int]]]:
    """A one-line excerpt of ``text`` around the first match and the [start, end) spans
    of every match inside it. Without a match, the start of the text."""
    flat = " ".join(text.split())
    pattern = _pattern(terms)
    first = pattern.search(flat) if pattern else None
    if first is None:
        excerpt = flat[:width]
        return (excerpt + "…" if len(flat) > width else excerpt), []
    start = max(0, first.start() - width // 3)
    if start:
        space = flat.rfind(" ", start - 20, start)
        start = space + 1 if space > 0 else start
    end = min(len(flat), start + width)
    excerpt = flat[start:end]
    prefix = "…" if start else ""
    suffix = "…" if end < len(flat) else ""
    assert pattern is not None
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
