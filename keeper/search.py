"""Search the archive: keyword (FTS5, CJK-aware), semantic (sqlite-vec) and hybrid.

Hybrid fuses the two ranked candidate lists with weighted reciprocal rank fusion, led by
keywords (see :data:`DEFAULT_FUSION`; weights measured on locomo-dev with
``python -m tests.perf eval``). Filters apply inside both retrievals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import apsw
import numpy as np

from keeper.errors import UsageError
from keeper.model import Hit as Hit  # re-exported: Hit lived here
from keeper.snippet import make_snippet
from keeper.store import reader, vectors
from keeper.store.filters import Filters
from keeper.store.fts_text import parse_query

MODES = ("hybrid", "keyword", "semantic")
RRF_K = 60


class QueryEncoder(Protocol):
    """Anything that turns texts into unit vectors (a loaded embedder)."""

    name: str

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """One unit-length float32 row per text."""
        ...


@dataclass(frozen=True, slots=True)
class Fusion:
    """How hybrid search fuses keyword and vector ranks: weighted RRF over ``depth``
    candidates from each side. Keyword-led (vectors weigh 0.8) with a small RRF constant,
    so the top few of each list count most: measured on locomo-dev (`python -m tests.perf
    eval --sweep`), equal-weight k=60 RRF loses to BM25 at k<=10, this does not."""

    keyword_weight: float = 1.0
    vector_weight: float = 0.8
    k: int = 5
    depth: int = 100
    method: str = "rrf"  # or "score": weighted sum of max-normalised BM25 and min-max cosine


DEFAULT_FUSION = Fusion()


def _hit(row: reader.KeywordRow, score: float, terms: tuple[str, ...]) -> Hit:
    snippet, spans = make_snippet(row.text, terms)
    return Hit(
        conversation_id=row.conversation_id,
        message_id=row.message_id or row.node_id,
        node_id=row.node_id,
        title=row.title,
        role=row.role,
        model=row.model,
        create_time=row.create_time,
        score=round(score, 6),
        snippet=snippet,
        highlights=spans,
        rowid=row.rowid,
    )


def message_keyword_search(
    conn: apsw.Connection, query: str, filters: Filters = Filters(), limit: int = 20
) -> list[Hit]:
    """BM25 over message text only (hybrid's keyword side: titles are embedded with every
    chunk, and title hits would put each matching conversation's first message on top)."""
    parsed = parse_query(query)
    if not parsed:
        return []
    try:
        messages = reader.keyword_candidates(conn, parsed.match, filters, limit)
    except apsw.SQLError as error:
        raise UsageError(f"Could not search for {query!r}: {error}") from error
    return [_hit(row, row.score, parsed.highlight) for row in messages]


def keyword_search(
    conn: apsw.Connection, query: str, filters: Filters = Filters(), limit: int = 20
) -> list[Hit]:
    """BM25 keyword search over messages; conversations whose title matches join by RRF."""
    parsed = parse_query(query)
    if not parsed:
        return []
    try:
        messages = reader.keyword_candidates(conn, parsed.match, filters, limit)
        titles = reader.title_candidates(conn, parsed.match, filters, limit)
    except apsw.SQLError as error:
        raise UsageError(f"Could not search for {query!r}: {error}") from error
    if not titles:
        return [_hit(row, row.score, parsed.highlight) for row in messages]
    fused: dict[int, tuple[float, reader.KeywordRow]] = {}
    for ranked in (messages, titles):
        for rank, row in enumerate(ranked):
            score, _ = fused.get(row.rowid, (0.0, row))
            fused[row.rowid] = (score + 1.0 / (RRF_K + rank + 1), row)
    ordered = sorted(fused.values(), key=lambda pair: pair[0], reverse=True)[:limit]
    return [_hit(row, score, parsed.highlight) for score, row in ordered]


def _terms(query: str) -> tuple[str, ...]:
    parsed = parse_query(query)
    return parsed.highlight if parsed else ()


def _vector_hits(
    conn: apsw.Connection, ranked: list[tuple[int, float]], terms: tuple[str, ...]
) -> list[Hit]:
    rows = vectors.node_rows(conn, [rowid for rowid, _ in ranked])
    return [_hit(rows[rowid], score, terms) for rowid, score in ranked if rowid in rows]


def _query_vector(encoder: QueryEncoder, query: str) -> np.ndarray:
    return np.asarray(encoder.encode([query])[0], dtype=np.float32)


def semantic_search(
    conn: apsw.Connection,
    query: str,
    encoder: QueryEncoder,
    filters: Filters = Filters(),
    limit: int = 20,
    *,
    vector: np.ndarray | None = None,
) -> list[Hit]:
    """Messages nearest in meaning to ``query`` (cosine of their best chunk)."""
    model = _model_for(conn, encoder)
    vec = _query_vector(encoder, query) if vector is None else vector
    ranked = vectors.vector_candidates(conn, model, vec, filters, limit)
    return _vector_hits(conn, ranked, _terms(query))


def fuse_ranked(
    keyword: list[tuple[int, float]],
    semantic: list[tuple[int, float]],
    fusion: Fusion = DEFAULT_FUSION,
    limit: int = 20,
) -> list[tuple[int, float]]:
    """Fuse two ranked ``(rowid, score)`` lists into the best ``limit`` ``(rowid, score)``:
    weighted reciprocal rank fusion, or (``method="score"``) a weighted sum of
    max-normalised BM25 and min-max-normalised cosine."""
    scores: dict[int, float] = {}
    for side, (weight, ranked) in enumerate(
        ((fusion.keyword_weight, keyword), (fusion.vector_weight, semantic))
    ):
        low, spread = 0.0, 1.0
        if fusion.method == "score" and ranked:
            top, bottom = ranked[0][1], ranked[-1][1]
            low, spread = (bottom, (top - bottom) or 1.0) if side else (0.0, top or 1.0)
        for rank, (rowid, score) in enumerate(ranked):
            if fusion.method == "score":
                part = weight * (score - low) / spread
            else:
                part = weight / (fusion.k + rank + 1)
            scores[rowid] = scores.get(rowid, 0.0) + part
    ordered = sorted(scores, key=lambda rowid: scores[rowid], reverse=True)[:limit]
    return [(rowid, scores[rowid]) for rowid in ordered]


def fuse(
    keyword: list[Hit], semantic: list[Hit], fusion: Fusion = DEFAULT_FUSION, limit: int = 20
) -> list[Hit]:
    """:func:`fuse_ranked` over hit lists; returns new hits carrying the fused score."""
    best = {hit.rowid: hit for hit in reversed(semantic)} | {
        hit.rowid: hit for hit in reversed(keyword)
    }
    ranked = fuse_ranked(
        [(h.rowid, h.score) for h in keyword], [(h.rowid, h.score) for h in semantic], fusion, limit
    )
    return [replace(best[rowid], score=round(score, 6)) for rowid, score in ranked]


def hybrid_search(
    conn: apsw.Connection,
    query: str,
    encoder: QueryEncoder,
    filters: Filters = Filters(),
    limit: int = 20,
    *,
    fusion: Fusion = DEFAULT_FUSION,
    vector: np.ndarray | None = None,
) -> list[Hit]:
    """Keyword (message BM25) and vector candidates, filters inside both, fused by
    :func:`fuse_ranked`; snippets are made only for the hits returned."""
    depth = max(fusion.depth, limit)
    model = _model_for(conn, encoder)
    parsed = parse_query(query)
    keyword_rows: list[reader.KeywordRow] = []
    if parsed:
        try:
            keyword_rows = reader.keyword_candidates(conn, parsed.match, filters, depth)
        except apsw.SQLError as error:
            raise UsageError(f"Could not search for {query!r}: {error}") from error
    vec = _query_vector(encoder, query) if vector is None else vector
    semantic = vectors.vector_candidates(conn, model, vec, filters, depth)
    ranked = fuse_ranked([(r.rowid, r.score) for r in keyword_rows], semantic, fusion, limit)
    rows = {row.rowid: row for row in keyword_rows}
    rows.update(vectors.node_rows(conn, [rowid for rowid, _ in ranked if rowid not in rows]))
    terms = parsed.highlight if parsed else ()
    return [_hit(rows[rowid], score, terms) for rowid, score in ranked if rowid in rows]


def _model_for(conn: apsw.Connection, encoder: QueryEncoder) -> vectors.EmbedModel:
    model = vectors.active_model(conn)
    if model is None:
        raise UsageError(
            "Nothing is embedded yet, so semantic search has nothing to search.",
            "Run `keeper embed`, or search with --mode keyword.",
        )
    if model.name != encoder.name:
        raise UsageError(
            f"The archive was embedded with {model.name}, not {encoder.name}.",
            f"Search with the same model, or re-embed: keeper embed --model {encoder.name}",
        )
    return model


def search(
    conn: apsw.Connection,
    query: str,
    filters: Filters = Filters(),
    *,
    mode: str = "keyword",
    limit: int = 20,
    encoder: QueryEncoder | None = None,
    fusion: Fusion = DEFAULT_FUSION,
) -> list[Hit]:
    """Message-level hits for ``query`` under ``filters``, best first.

    ``semantic`` and ``hybrid`` need ``encoder``, the model that made the stored vectors."""
    if mode not in MODES:
        raise UsageError(f"Unknown search mode {mode!r}; choose one of {', '.join(MODES)}.")
    if limit < 1:
        raise UsageError("--limit must be at least 1.")
    if mode == "keyword":
        return keyword_search(conn, query, filters, limit)
    if encoder is None:
        raise UsageError(f"{mode} search needs the embedding model.")
    if not query.strip():
        return []
    if mode == "semantic":
        return semantic_search(conn, query, encoder, filters, limit)
    return hybrid_search(conn, query, encoder, filters, limit, fusion=fusion)


def group_by_conversation(hits: list[Hit]) -> list[dict[str, Any]]:
    """Hits grouped by conversation, groups in order of their best hit."""
    groups: dict[str, dict[str, Any]] = {}
    for hit in hits:
        group = groups.setdefault(
            hit.conversation_id,
            {
                "conversation_id": hit.conversation_id,
                "title": hit.title,
                "score": hit.score,
                "hits": [],
            },
        )
        group["hits"].append(hit)
    return list(groups.values())
