"""The text toolbox: CJK runs, stopwords, clipping, IDF and token estimates.

One home for what the index, search, summaries, packs and the TUI all need, so each rule
exists once (the keyword index and the summaries agree on what a CJK run and a stopword are).
"""

from __future__ import annotations

import math
import re

CJK_CLASS = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u31f0-\u31ff"  # katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # halfwidth katakana
    "\U00020000-\U0003134f"  # CJK extensions B-G
)
"""Characters indexed as bigrams: Japanese kana, Han, Hangul (a regex class body)."""
CJK_RUN = re.compile(f"[{CJK_CLASS}]+")

ANALYSIS_CHARS = 50_000
"""Summaries, key facts, the persona and the voice read at most this much of one message:
a pasted book or log past it adds nothing they could quote, and reading a 100 MB message
whole would take gigabytes (the keyword index and the reader always have all of it)."""

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)
"""English function words a query or a summary keyword never needs."""


def clip(text: str, width: int) -> str:
    """``text`` on one line (whitespace runs collapsed), at most ``width`` characters, with
    an ellipsis when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: max(1, width - 1)].rstrip() + "…"


def smoothed_idf(doc_freq: int, docs: int) -> float:
    """Inverse document frequency, smoothed so unseen terms stay finite and every term
    weighs at least 1: ``ln((docs + 1) / (doc_freq + 1)) + 1``."""
    return math.log((docs + 1) / (doc_freq + 1)) + 1.0


TOKENIZER = "keeper-estimate (4 chars/token; 1 token per CJK character)"
"""How :func:`estimate_tokens` counts, named in every pack."""


def estimate_tokens(text: str) -> int:
    """Estimated tokens in ``text`` without a tokenizer download: one per CJK character
    (BPE vocabularies such as cl100k/o200k spend about 1–1.5 per Han character, Claude's
    slightly more), one per 4 characters of everything else (OpenAI's rule of thumb for
    English), rounded up. On English it over-counts o200k by a few percent: the safe side
    for a budget."""
    if text.isascii():
        return math.ceil(len(text) / 4)
    cjk = sum(len(run) for run in CJK_RUN.findall(text))
    return cjk + math.ceil((len(text) - cjk) / 4)
