"""Summarize one conversation offline: abstract, keywords, timeline, chapters, cues."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import apsw
import numpy as np

from keeper import timefmt
from keeper.config import LlmEndpoint
from keeper.errors import UsageError
from keeper.model import Chapter, Conversation, Node, Quote, Summary, TimelineEntry
from keeper.store import continuity, reader
from keeper.summarize import chapters as chaptering
from keeper.summarize.keywords import corpus_df, distinctive
from keeper.summarize.salience import central_dense
from keeper.summarize.signals import decisions, last_state, open_questions
from keeper.summarize.terms import dense_tfidf, idf_from, terms
from keeper.text import ANALYSIS_CHARS, smoothed_idf
from keeper.tree import visible_turns as visible_turns  # re-exported: callers predate thread.py

ABSTRACT_TURNS = 5
CHAPTER_TURNS = 2
MAX_BLOCKS = 600  # segment at most this many blocks; longer threads are grouped first
VOCABULARY = 3000  # terms kept for centrality and segmentation (the heaviest in the thread)
DENSE_CELLS = 15_000_000  # at most ~60 MB of float32 for one thread's matrix


def summarize_conversation(
    conn: apsw.Connection,
    conversation_id: str,
    *,
    llm: LlmEndpoint | None = None,
    rows: list[Node] | None = None,
) -> Summary:
    """The cached summary if the conversation is unchanged, else a fresh one (then cached).

    With ``llm`` an abstract from that endpoint is added (cached per endpoint URL).
    ``rows``: the conversation's nodes, when the caller has read them already (as this
    function reads them: texts cut at ``ANALYSIS_CHARS`` by ``conversation_nodes``)."""
    conv = reader.get_conversation(conn, conversation_id)
    digest = continuity.content_hash(conn, conversation_id)
    if conv is None or digest is None:
        raise UsageError(f"No conversation with id {conversation_id!r}.")
    cached = continuity.cached_summary(conn, conv.id, digest)
    if cached is not None:
        summary = Summary.from_dict(cached)
    else:
        if rows is None:
            rows = reader.conversation_nodes(conn, conv.id, text_chars=ANALYSIS_CHARS)
        df, docs = corpus_df(conn)
        summary = build_summary(conv, rows, df, docs, vectors=continuity.chunk_vectors, conn=conn)
        continuity.store_summary(conn, conv.id, digest, summary.as_dict())
    if llm is not None:
        from keeper.summarize.llm import llm_abstract

        abstract = continuity.cached_llm_summary(conn, conv.id, llm.url, digest)
        if abstract is None:
            abstract = llm_abstract(
                llm, summary, visible_turns(reader.conversation_nodes(conn, conv.id))
            )
            continuity.store_llm_summary(conn, conv.id, llm.url, digest, abstract)
        summary = replace(summary, llm_abstract=abstract)
    return summary


def build_summary(
    conv: Conversation,
    rows: list[Node],
    df: dict[str, int],
    docs: int,
    *,
    vectors: object = None,
    conn: apsw.Connection | None = None,
) -> Summary:
    """Summarize from already-loaded rows (no cache). ``df``/``docs``: corpus statistics."""
    turns = visible_turns(rows)
    term_lists = [terms(t.text) for t in turns]
    vocabulary = set().union(*term_lists) if term_lists else set()
    idf = {t: smoothed_idf(df.get(t, 0), docs) for t in vocabulary}
    if not idf:
        idf = idf_from(term_lists)
    weights = [min(1.0, len(items) / 8.0) for items in term_lists]
    quote = _quoter(conv)
    columns = max(200, min(VOCABULARY, DENSE_CELLS // max(1, len(turns))))
    dense = dense_tfidf(term_lists, idf, columns)
    abstract_idx, method = _central(turns, dense, weights, ABSTRACT_TURNS, conn, vectors)
    return Summary(
        conversation_id=conv.id,
        title=conv.title,
        create_time=conv.create_time,
        update_time=conv.update_time,
        message_count=len(turns),
        models=_models(turns),
        abstract=[quote(turns[i]) for i in sorted(abstract_idx)],
        keywords=distinctive(term_lists, df, docs),
        timeline=timeline(turns, conv),
        chapters=_chapters(turns, term_lists, dense, weights, idf, quote),
        decisions=[quote(t) for t in decisions(turns)],
        open_questions=[quote(t) for t in open_questions(turns)],
        last_state=[quote(t) for t in last_state(turns)],
        method=method,
    )


def _central(
    turns: list[Node],
    dense: np.ndarray,
    weights: list[float],
    k: int,
    conn: apsw.Connection | None,
    vectors: object,
) -> tuple[list[int], str]:
    """Embedding centrality when every turn has a stored vector, else TF-IDF centrality."""
    if conn is not None and callable(vectors) and turns:
        found = vectors(conn, [t.rowid for t in turns])
        if found and all(t.rowid in found for t in turns):
            matrix = np.stack([found[t.rowid] for t in turns])
            return central_dense(matrix, weights, k), "embedding-centrality+mmr"
    return central_dense(dense, weights, k), "tfidf-centrality+mmr"


def _quoter(conv: Conversation) -> Callable[[Node], Quote]:
    def quote(node: Node) -> Quote:
        return Quote(
            node_id=node.node_id,
            message_id=node.message_id,
            role=node.role,
            create_time=node.create_time,
            text=node.text.strip(),
            conversation_id=conv.id,
            title=conv.title,
        )

    return quote


def _models(turns: list[Node]) -> list[str]:
    counts = Counter(t.model for t in turns if t.role == "assistant" and t.model)
    return [m for m, _ in counts.most_common()]


def timeline(turns: list[Node], conv: Conversation, limit: int = 12) -> list[TimelineEntry]:
    """Messages per day (per month when there are more than ``limit`` days), with models."""
    days: dict[str, list[Node]] = {}
    for turn in turns:
        days.setdefault(timefmt.day(turn.create_time or conv.create_time), []).append(turn)
    if len(days) > limit:
        months: dict[str, list[Node]] = {}
        for day, items in days.items():
            months.setdefault(day[:7], []).extend(items)
        days = months
    return [
        TimelineEntry(
            date=day,
            messages=len(items),
            models=_models(items),
            first_node=items[0].node_id,
        )
        for day, items in days.items()
    ]


def _chapters(
    turns: list[Node],
    term_lists: list[list[str]],
    rows: np.ndarray,
    weights: list[float],
    idf: dict[str, float],
    quote: Callable[[Node], Quote],
) -> list[Chapter]:
    if len(turns) < chaptering.MIN_TURNS:
        return []
    size = max(1, math.ceil(len(turns) / MAX_BLOCKS))
    blocks = np.add.reduceat(rows, np.arange(0, len(rows), size), axis=0)
    min_chapter = max(2, math.ceil(chaptering.MIN_CHAPTER / size))
    times = [t.create_time for t in turns]
    pauses = [
        (times[b] or 0.0) - (times[b - 1] or times[b] or 0.0) for b in range(size, len(turns), size)
    ]
    cuts = chaptering.boundaries(blocks, 2 * min_chapter, min_chapter, pauses)
    starts = [b * size for b in cuts]
    if len(starts) < 2:
        return []
    out = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(turns)
        local = central_dense(rows[start:end], weights[start:end], CHAPTER_TURNS)
        out.append(
            Chapter(
                title=_chapter_title(term_lists[start:end], idf),
                start_node=turns[start].node_id,
                end_node=turns[end - 1].node_id,
                turns=end - start,
                summary=[quote(turns[start + i]) for i in sorted(local)],
            )
        )
    return out


def _chapter_title(term_lists: list[list[str]], idf: dict[str, float]) -> str:
    tf: Counter[str] = Counter()
    for items in term_lists:
        tf.update(items)
    ranked = sorted(tf, key=lambda t: (-(1 + math.log(tf[t])) * idf.get(t, 1.0), t))
    return ", ".join(ranked[:3]) or "(no text)"
