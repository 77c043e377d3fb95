"""Keywords that set one conversation apart from the rest of the archive.

Score = (1 + log tf) × log((N + 1) / (df + 1)): tf counts the term in this conversation,
df counts the conversations that use it anywhere (cached in ``term_df``, rebuilt when
the archive changes). Words every conversation uses score near zero however often
they appear here.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import apsw

from keeper.store import continuity
from keeper.summarize.terms import terms
from keeper.text import smoothed_idf


def corpus_df(conn: apsw.Connection) -> tuple[dict[str, int], int]:
    """Conversation-level document frequency of every term, rebuilt if the archive changed."""
    cached = continuity.term_df(conn)
    if cached is not None:
        return cached
    df: Counter[str] = Counter()
    docs = 0
    current: str | None = None
    seen: set[str] = set()
    for conversation_id, text in continuity.visible_texts(conn):
        if conversation_id != current:
            df.update(seen)
            seen = set()
            current = conversation_id
            docs += 1
        seen.update(terms(text))
    df.update(seen)
    continuity.store_term_df(conn, dict(df), docs)
    return dict(df), docs


@dataclass(frozen=True, slots=True)
class TermWeights:
    """Smoothed IDF of every term over the archive's conversations (what key facts and
    the voice's shared phrases are weighed against), and the archive state it was
    computed in."""

    fingerprint: str
    idf: dict[str, float]


_WEIGHTS: dict[str, TermWeights] = {}  # database file -> its latest term weights


def term_weights(conn: apsw.Connection) -> TermWeights:
    """The archive's current term weights (computed again only when it changes)."""
    fingerprint = continuity.corpus_fingerprint(conn)
    where = conn.db_filename("main")
    known = _WEIGHTS.get(where)
    if known is not None and known.fingerprint == fingerprint:
        return known
    df, docs = corpus_df(conn)
    weights = TermWeights(fingerprint, {t: smoothed_idf(d, docs) for t, d in df.items()})
    _WEIGHTS[where] = weights
    return weights


def distinctive(
    term_lists: list[list[str]], df: dict[str, int], docs: int, k: int = 10
) -> list[str]:
    """The ``k`` terms of these turns most distinctive against the archive."""
    tf: Counter[str] = Counter()
    for items in term_lists:
        tf.update(items)
    min_tf = 2 if len(term_lists) >= 12 else 1
    scored = [
        ((1.0 + math.log(count)) * math.log((docs + 1) / (df.get(term, 0) + 1)), term)
        for term, count in tf.items()
        if count >= min_tf
    ]
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    picked: list[str] = []
    for _, term in scored:
        # Overlapping CJK bigrams of one word ("麻糬", "糬很") would crowd the list.
        if any(
            len(term) == 2
            and len(p) == 2
            and (term[0] == p[1] or term[1] == p[0])
            and not term.isascii()
            for p in picked
        ):
            continue
        picked.append(term)
        if len(picked) == k:
            break
    return picked
