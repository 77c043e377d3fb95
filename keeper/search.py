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

from keeper.embed.model import encode_queries
from keeper.errors import UsageError
from keeper.model import Hit as Hit  # re-exported: Hit lived here
from keeper.query_dates import DateMention, find_dates, without_dates
from keeper.snippet import make_snippet
from keeper.store import bestmatch, reader, turns, vectors
from keeper.store.filters import Filters
from keeper.store.fts_text import ParsedQuery, parse_query

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
    """How hybrid search fuses its ranked lists: weighted reciprocal rank fusion over
    ``depth`` candidates of each.

    Keyword-led (vectors weigh ``vector_weight``) with a small RRF constant, so the top few
    of each list count most. ``date_weight``: the same lists restricted to the days or
    months the query names count again at this weight (a soft boost). ``reply_weight``: the
    reply to each keyword hit counts at this weight (answers follow the message that shares
    the question's words). ``floor``: semantic candidates join only when they score this
    many standard deviations above the query's cosine with messages picked at random
    (see :func:`above_floor`). Measured with ``python -m tests.perf eval``."""

    keyword_weight: float = 1.0
    vector_weight: float = 0.8
    k: int = 5
    depth: int = 100
    method: str = "rrf"  # or "score": weighted sum of max-normalised BM25 and min-max cosine
    date_weight: float = 2.0
    reply_weight: float = 0.3
    floor: float | None = 2.0


DEFAULT_FUSION = Fusion()


@dataclass(frozen=True, slots=True)
class Understood:
    """A query split into what it looks for and when: ``text`` is the query without the
    dates it names, ``parsed`` its keyword terms."""

    text: str
    parsed: ParsedQuery
    dates: tuple[DateMention, ...]


def understand(query: str) -> Understood:
    """Find the dates in ``query`` and the keyword terms of the rest."""
    dates = find_dates(query)
    text = without_dates(query, dates) if dates else query
    return Understood(text, parse_query(text), tuple(dates))


def semantic_text(query: str) -> str:
    """The text embedded for ``query``: without the dates it names (ranked by time
    instead), or the query itself when nothing else is left."""
    return understand(query).text or query


def _hit(row: reader.KeywordRow, score: float, terms: tuple[str, ...]) -> Hit:
    # The query's terms, one pattern per query: a best-match hit shows only the ones it holds.
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


def _with_context(conn: apsw.Connection, hits: list[Hit], wanted: bool = True) -> list[Hit]:
    """``hits`` with the turns around each (``wanted`` False: as they are, for callers
    that only rank conversations)."""
    if not wanted:
        return hits
    around = turns.neighbours(conn, [hit.rowid for hit in hits])
    return [replace(hit, context=around.get(hit.rowid, {})) for hit in hits]


def _date_filters(
    conn: apsw.Connection, dates: tuple[DateMention, ...], filters: Filters
) -> list[Filters]:
    """The user's filters narrowed to each window the query's dates name."""
    years = bestmatch.archive_years(conn) if any(d.year is None for d in dates) else range(0)
    out = []
    for mention in dates:
        for since, until in mention.windows(years):
            low = since if filters.since is None else max(since, filters.since)
            high = until if filters.until is None else min(until, filters.until)
            if low < high:
                out.append(replace(filters, since=low, until=high))
    return out[:MAX_WINDOWS]


MAX_WINDOWS = 24


def _keyword_rows(
    conn: apsw.Connection, query: str, parsed: ParsedQuery, filters: Filters, limit: int
) -> list[reader.KeywordRow]:
    if not parsed:
        return []
    try:
        return bestmatch.best_match(conn, parsed, filters, limit)
    except apsw.SQLError as error:
        raise UsageError(f"Could not search for {query!r}: {error}") from error


def _dated_keyword_rows(
    conn: apsw.Connection, query: str, seen: Understood, windows: list[Filters], limit: int
) -> list[reader.KeywordRow]:
    """Best matches inside each window the query names, best first; when they are fewer
    than ``limit``, the rest of those days' messages follow in time order (the user asked
    about that day)."""
    rows: list[reader.KeywordRow] = []
    for window in windows:
        if seen.parsed:
            rows += _keyword_rows(conn, query, seen.parsed, window, limit)
    rows.sort(key=lambda row: row.score, reverse=True)
    rows = rows[:limit]
    if len(rows) < limit:
        have = {row.rowid for row in rows}
        for window in windows:
            rows += [
                r for r in bestmatch.dated_messages(conn, window, limit) if r.rowid not in have
            ]
    return rows[:limit]


def message_keyword_search(
    conn: apsw.Connection, query: str, filters: Filters = Filters(), limit: int = 20
) -> list[Hit]:
    """Best-match BM25 over message text only (no titles, no dates)."""
    parsed = parse_query(query)
    rows = _keyword_rows(conn, query, parsed, filters, limit)
    return [_hit(row, row.score, parsed.highlight) for row in rows]


def rrf(lists: Sequence[tuple[float, Sequence[int]]], k: int) -> dict[int, float]:
    """Weighted reciprocal rank fusion of ranked rowid lists: ``weight / (k + rank)``."""
    scores: dict[int, float] = {}
    for weight, ranked in lists:
        for rank, rowid in enumerate(ranked):
            scores[rowid] = scores.get(rowid, 0.0) + weight / (k + rank + 1)
    return scores


def keyword_search(
    conn: apsw.Connection,
    query: str,
    filters: Filters = Filters(),
    limit: int = 20,
    *,
    context: bool = True,
) -> list[Hit]:
    """Best-match keyword search over messages: every term first, then most of the rarer
    terms, by BM25. Conversations whose title holds every term join by RRF, and messages
    from the days or months the query names are boosted the same way."""
    seen = understand(query)
    windows = _date_filters(conn, seen.dates, filters)
    if not seen.parsed and not windows:
        return []
    messages = _keyword_rows(conn, query, seen.parsed, filters, limit)
    lists: list[tuple[float, list[reader.KeywordRow]]] = [(1.0, messages)]
    if seen.parsed:
        try:
            titles = reader.title_candidates(conn, seen.parsed.all_match, filters, limit)
        except apsw.SQLError as error:
            raise UsageError(f"Could not search for {query!r}: {error}") from error
        lists.append((1.0, titles))
    if windows:
        lists.append((1.0, _dated_keyword_rows(conn, query, seen, windows, limit)))
    terms = seen.parsed.highlight
    if len([rows for _, rows in lists if rows]) <= 1:
        only = next((rows for _, rows in lists if rows), [])
        return _with_context(conn, [_hit(row, row.score, terms) for row in only[:limit]], context)
    rows = {row.rowid: row for _, ranked in reversed(lists) for row in ranked}
    scores = rrf([(w, [row.rowid for row in ranked]) for w, ranked in lists], RRF_K)
    ordered = sorted(scores, key=lambda rowid: scores[rowid], reverse=True)[:limit]
    return _with_context(conn, [_hit(rows[r], scores[r], terms) for r in ordered], context)


def _terms(query: str) -> tuple[str, ...]:
    return understand(query).parsed.highlight


def _vector_hits(
    conn: apsw.Connection, ranked: list[tuple[int, float]], terms: tuple[str, ...]
) -> list[Hit]:
    rows = vectors.node_rows(conn, [rowid for rowid, _ in ranked])
    return [_hit(rows[rowid], score, terms) for rowid, score in ranked if rowid in rows]


def _query_vector(encoder: QueryEncoder, query: str) -> np.ndarray:
    return encode_queries(encoder, [semantic_text(query)])[0]


def semantic_search(
    conn: apsw.Connection,
    query: str,
    encoder: QueryEncoder,
    filters: Filters = Filters(),
    limit: int = 20,
    *,
    vector: np.ndarray | None = None,
    context: bool = True,
) -> list[Hit]:
    """Messages nearest in meaning to ``query`` (cosine of their best chunk). ``vector``,
    when given, is the query's embedding of :func:`semantic_text`."""
    model = _model_for(conn, encoder)
    vec = _query_vector(encoder, query) if vector is None else vector
    ranked = vectors.vector_candidates(conn, model, vec, filters, limit)
    return _with_context(conn, _vector_hits(conn, ranked, _terms(query)), context)


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


def above_floor(
    semantic: list[tuple[int, float]], chance: np.ndarray, floor: float | None
) -> list[tuple[int, float]]:
    """The semantic candidates plausibly relevant: scoring at least ``floor`` standard
    deviations above what ``chance`` (the query's cosines with messages spread over the
    archive) scores on average. Without a usable sample, all of them."""
    if floor is None or not semantic or len(chance) < 32:
        return semantic
    cut = float(chance.mean()) + floor * float(chance.std())
    return [(rowid, score) for rowid, score in semantic if score >= cut]


SHORT_QUERY_TERMS = 2


def hybrid_search(
    conn: apsw.Connection,
    query: str,
    encoder: QueryEncoder,
    filters: Filters = Filters(),
    limit: int = 20,
    *,
    fusion: Fusion = DEFAULT_FUSION,
    vector: np.ndarray | None = None,
    context: bool = True,
) -> list[Hit]:
    """Best-match keyword and vector candidates, filters inside both, fused by weighted
    RRF (see :class:`Fusion`): semantic candidates join only above the floor, replies to
    keyword hits and messages from the days the query names count too, and a short query
    (at most two terms) lists the messages holding all of its terms first. ``vector``,
    when given, is the embedding of :func:`semantic_text`."""
    depth = max(fusion.depth, limit)
    model = _model_for(conn, encoder)
    seen = understand(query)
    parsed = seen.parsed
    # Messages that hold only the query's scaffolding words are keyword mode's filler;
    # here the vectors fill instead.
    keyword_rows = [r for r in _keyword_rows(conn, query, parsed, filters, depth) if r.matched]
    vec = _query_vector(encoder, query) if vector is None else vector
    semantic = vectors.vector_candidates(conn, model, vec, filters, depth)
    if fusion.floor is not None:
        chance = vectors.background(conn, model) @ np.asarray(vec, dtype=np.float32)
        semantic = above_floor(semantic, chance, fusion.floor)
    lists: list[tuple[float, list[int]]] = [
        (fusion.keyword_weight, [row.rowid for row in keyword_rows]),
        (fusion.vector_weight, [rowid for rowid, _ in semantic]),
    ]
    rows = {row.rowid: row for row in keyword_rows}
    if fusion.reply_weight and keyword_rows:
        answer = bestmatch.replies(conn, [row.rowid for row in keyword_rows])
        lists.append(
            (fusion.reply_weight, [answer[r.rowid] for r in keyword_rows if r.rowid in answer])
        )
    windows = _date_filters(conn, seen.dates, filters)
    if windows and fusion.date_weight:
        dated_rows = _dated_keyword_rows(conn, query, seen, windows, depth)
        rows.update({row.rowid: row for row in dated_rows if row.rowid not in rows})
        dated_vec: list[tuple[int, float]] = []
        for window in windows:
            dated_vec += vectors.vector_candidates(conn, model, vec, window, depth)
        dated_vec.sort(key=lambda pair: pair[1], reverse=True)
        lists.append((fusion.date_weight * fusion.keyword_weight, [r.rowid for r in dated_rows]))
        lists.append((fusion.date_weight * fusion.vector_weight, [r for r, _ in dated_vec[:depth]]))
    scores = rrf(lists, fusion.k)
    if 0 < len(parsed.optional) <= SHORT_QUERY_TERMS:
        # A short query means its words: messages holding all of them lead.
        whole = {row.rowid for row in keyword_rows if len(row.matched) == len(parsed.terms)}
        lead = max(scores.values(), default=0.0)
        for rowid in whole:
            scores[rowid] += lead
    ordered = sorted(scores, key=lambda rowid: scores[rowid], reverse=True)[:limit]
    rows.update(vectors.node_rows(conn, [rowid for rowid in ordered if rowid not in rows]))
    terms = parsed.highlight
    hits = [_hit(rows[r], scores[r], terms) for r in ordered if r in rows]
    return _with_context(conn, hits, context)


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
    context: bool = True,
) -> list[Hit]:
    """Message-level hits for ``query`` under ``filters``, best first, each with the
    turns around it unless ``context`` is False.

    ``semantic`` and ``hybrid`` need ``encoder``, the model that made the stored vectors."""
    if mode not in MODES:
        raise UsageError(f"Unknown search mode {mode!r}; choose one of {', '.join(MODES)}.")
    if limit < 1:
        raise UsageError("--limit must be at least 1.")
    if mode == "keyword":
        return keyword_search(conn, query, filters, limit, context=context)
    if encoder is None:
        raise UsageError(f"{mode} search needs the embedding model.")
    if not query.strip():
        return []
    if mode == "semantic":
        return semantic_search(conn, query, encoder, filters, limit, context=context)
    return hybrid_search(conn, query, encoder, filters, limit, fusion=fusion, context=context)


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
