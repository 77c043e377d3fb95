"""Terms for keywords and similarity: lower-cased words without stopwords, CJK as bigrams.

Like the keyword index (``keeper.store.fts_text``), ideograph and hangul runs become their
overlapping character pairs, so "麻糬很可爱" yields 麻糬, 糬很, 很可, 可爱 and Chinese, Japanese
and Korean conversations get terms at all (a whitespace tokenizer sees one giant word).
For keywords, Japanese kana are handled by script: katakana words stay whole, hiragana
(particles, inflection) is dropped.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

import numpy as np

from keeper.text import CJK_RUN, STOPWORDS, smoothed_idf

_WORD = re.compile(r"[^\W\d_](?:[^\W_]|['’-][^\W\d_])*", re.UNICODE)
# ASCII fast path; a possessive 's is left off ("mika's" -> "mika").
_ASCII_WORD = re.compile(r"[a-z](?:[a-z0-9]|-[a-z]|'(?!s\b)[a-z])*")
_EXTRA_STOPWORDS = frozenset(
    [
        "about",
        "also",
        "am",
        "any",
        "been",
        "being",
        "can",
        "could",
        "does",
        "doing",
        "done",
        "don't",
        "just",
        "like",
        "more",
        "most",
        "much",
        "no",
        "not",
        "now",
        "one",
        "only",
        "other",
        "out",
        "over",
        "same",
        "some",
        "such",
        "than",
        "then",
        "there",
        "these",
        "those",
        "through",
        "too",
        "up",
        "very",
        "want",
        "was",
        "well",
        "what's",
        "yes",
        "yeah",
        "okay",
        "ok",
        "let",
        "let's",
        "it's",
        "i'm",
        "i've",
        "you're",
        "that's",
        "here",
        "get",
        "got",
        "make",
        "made",
        "go",
        "going",
        "know",
        "think",
        "really",
        "still",
        "even",
        "way",
        "something",
        "thing",
        "things",
        "sure",
        "maybe",
        "might",
        "may",
        "should",
        "each",
        "every",
        "own",
        "again",
        "both",
        "few",
        "after",
        "before",
        "because",
        "while",
        "during",
        "until",
        "off",
        "once",
        "all",
        "new",
        "first",
        "last",
        "good",
        "great",
        "use",
        "using",
        "used",
        "need",
        "see",
        "say",
        "said",
        "tell",
        "us",
        "him",
        "hers",
        "ours",
    ]
)
STOP = STOPWORDS | _EXTRA_STOPWORDS
# A CJK run split by script: hiragana is mostly particles and inflection (dropped),
# katakana words are loanwords and names (kept whole: メニュー), ideographs and hangul
# become overlapping bigrams.
_SCRIPT_RUN = re.compile(
    "(?P<hira>[\u3040-\u309f]+)|(?P<kata>[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]+)|"
    "(?P<other>[^\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]+)"
)
_LATIN_CJK = re.compile(f"({CJK_RUN.pattern})")


def _cjk_terms(run: str) -> list[str]:
    out: list[str] = []
    for match in _SCRIPT_RUN.finditer(run):
        part = match.group()
        if match.lastgroup == "kata":
            if len(part) > 1:
                out.append(part)
        elif match.lastgroup == "other" and len(part) > 1:
            out.extend(part[i : i + 2] for i in range(len(part) - 1))
    return out


def _keep(words: list[str]) -> list[str]:
    out = []
    for word in words:
        if "’" in word:
            word = word.replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        if len(word) > 2 and word not in STOP:
            out.append(word)
    return out


@lru_cache(maxsize=50_000)
def _cached_terms(text: str) -> tuple[str, ...]:
    return tuple(_terms(text))


def terms(text: str) -> list[str]:
    """Content terms of ``text`` in order (words of 3+ letters, CJK bigrams).

    Cached: the keyword statistics, the summary and the pack read the same messages."""
    return list(_cached_terms(text))


def _terms(text: str) -> list[str]:
    lowered = text.lower()
    if lowered.isascii():
        return [w for w in _ASCII_WORD.findall(lowered) if len(w) > 2 and w not in STOP]
    out: list[str] = []
    for piece in _LATIN_CJK.split(lowered):
        if not piece:
            continue
        if CJK_RUN.fullmatch(piece):
            out.extend(_cjk_terms(piece))
            continue
        out.extend(_keep(_WORD.findall(piece)))
    return out


def idf_from(docs: list[list[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency over ``docs``."""
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    n = len(docs)
    return {t: smoothed_idf(d, n) for t, d in df.items()}


def dense_tfidf(docs: list[list[str]], idf: dict[str, float], max_columns: int) -> np.ndarray:
    """L2-normalised TF-IDF rows (sublinear tf) over the ``max_columns`` terms with the
    largest summed weight; one pass, no intermediate sparse vectors."""
    counts = [Counter(doc) for doc in docs]
    mass: Counter[str] = Counter()
    for counter in counts:
        mass.update(counter.keys())
    ranked = sorted(mass, key=lambda t: -mass[t] * idf.get(t, 0.0))[:max_columns]
    columns = {t: i for i, t in enumerate(ranked)}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for row, counter in enumerate(counts):
        for term, count in counter.items():
            column = columns.get(term)
            if column is not None:
                rows.append(row)
                cols.append(column)
                values.append((1.0 + math.log(count)) * idf[term])
    matrix = np.zeros((len(docs), max(1, len(columns))), dtype=np.float32)
    matrix[rows, cols] = values
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms
