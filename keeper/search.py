"""Search the archive: keyword (FTS5, CJK-aware) now; vectors join in hybrid mode."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import apsw

from keeper.errors import UsageError
from keeper.snippet import make_snippet
from keeper.store import reader
from keeper.store.filters import Filters
from keeper.store.fts_text import parse_query

MODES = ("hybrid", "keyword", "semantic")
RRF_K = 60


@dataclass(slots=True)
class Hit:
    """One matching message."""

    conversation_id: str
    message_id: str
    node_id: str
    title: str
    role: str | None
    model: str | None
    create_time: float | None
    score: float
    snippet: str
    highlights: list[list[int]] = field(default_factory=list)
    rowid: int = 0

    def as_dict(self) -> dict:
        """The JSON shape of a hit (``keeper search --json``)."""
        data = asdict(self)
        data.pop("rowid")
        return data


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


def search(
    conn: apsw.Connection,
    query: str,
    filters: Filters = Filters(),
    *,
    mode: str = "keyword",
    limit: int = 20,
) -> list[Hit]:
    """Message-level hits for ``query`` under ``filters``, best first."""
    if mode not in MODES:
        raise UsageError(f"Unknown search mode {mode!r}; choose one of {', '.join(MODES)}.")
    if limit < 1:
        raise UsageError("--limit must be at least 1.")
    return keyword_search(conn, query, filters, limit)


def group_by_conversation(hits: list[Hit]) -> list[dict]:
    """Hits grouped by conversation, groups in order of their best hit."""
    groups: dict[str, dict] = {}
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
