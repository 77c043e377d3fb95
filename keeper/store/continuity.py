"""Queries for summaries, keywords, the persona card and profile edits.

Their tables come from migration step 3 (every connection is migrated when it opens)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any, cast

import apsw
import numpy as np
import orjson

from keeper.store.filters import Filters
from keeper.store.sql import scalar

# Bump when the summary algorithm changes: older cached summaries are then recomputed.
SUMMARY_VERSION = 1


# -- summary cache ------------------------------------------------------------------------
def content_hash(conn: apsw.Connection, conversation_id: str) -> bytes | None:
    """The stored content hash of a conversation (changes whenever an import changes it)."""
    value = scalar(conn, "SELECT content_hash FROM conversations WHERE id = ?", (conversation_id,))
    return None if value is None else bytes(value)


def cached_summary(
    conn: apsw.Connection, conversation_id: str, digest: bytes
) -> dict[str, Any] | None:
    """The cached summary dict if it was made from this content and algorithm version."""
    row = conn.execute(
        "SELECT data FROM summaries WHERE conversation_id = ? AND content_hash = ? AND version = ?",
        (conversation_id, digest, SUMMARY_VERSION),
    ).fetchone()
    return None if row is None else cast(dict[str, Any], orjson.loads(cast(bytes, row[0])))


def store_summary(
    conn: apsw.Connection, conversation_id: str, digest: bytes, data: dict[str, Any]
) -> None:
    """Cache ``data`` for this conversation content."""
    with conn:
        conn.execute(
            "REPLACE INTO summaries (conversation_id, content_hash, version, data, created) "
            "VALUES (?, ?, ?, ?, ?)",
            (conversation_id, digest, SUMMARY_VERSION, orjson.dumps(data), time.time()),
        )


def cached_llm_summary(
    conn: apsw.Connection, conversation_id: str, endpoint: str, digest: bytes
) -> str | None:
    """An LLM abstract made from this content by this endpoint, if cached."""
    value = scalar(
        conn,
        "SELECT text FROM llm_summaries WHERE conversation_id = ? AND endpoint = ? "
        "AND content_hash = ?",
        (conversation_id, endpoint, digest),
    )
    return None if value is None else str(value)


def store_llm_summary(
    conn: apsw.Connection, conversation_id: str, endpoint: str, digest: bytes, text: str
) -> None:
    """Cache an LLM abstract."""
    with conn:
        conn.execute(
            "REPLACE INTO llm_summaries VALUES (?, ?, ?, ?, ?)",
            (conversation_id, endpoint, digest, text, time.time()),
        )


# -- corpus statistics ----------------------------------------------------------------------
def corpus_fingerprint(conn: apsw.Connection) -> str:
    """Changes whenever conversations are added, changed or forgotten."""
    row = conn.execute(
        "SELECT count(*), total(message_count), coalesce(max(last_import), 0), "
        "(SELECT coalesce(max(id), 0) FROM imports) FROM conversations"
    ).fetchone()
    return ":".join(str(v) for v in (SUMMARY_VERSION, *(row or ())))


def term_df(conn: apsw.Connection) -> tuple[dict[str, int], int] | None:
    """Cached conversation-level document frequencies and the document count, if current."""
    stored = scalar(conn, "SELECT value FROM continuity_meta WHERE key = 'df_fingerprint'")
    if stored != corpus_fingerprint(conn):
        return None
    docs = int(scalar(conn, "SELECT value FROM continuity_meta WHERE key = 'df_docs'") or 0)
    return {str(t): int(d) for t, d in conn.execute("SELECT term, df FROM term_df")}, docs


def store_term_df(conn: apsw.Connection, df: dict[str, int], docs: int) -> None:
    """Replace the cached document frequencies."""
    fingerprint = corpus_fingerprint(conn)
    with conn:
        conn.execute("DELETE FROM term_df")
        conn.executemany("INSERT INTO term_df VALUES (?, ?)", df.items())
        conn.executemany(
            "REPLACE INTO continuity_meta VALUES (?, ?)",
            (("df_fingerprint", fingerprint), ("df_docs", str(docs))),
        )


def cached_value(conn: apsw.Connection, key: str) -> dict[str, Any] | None:
    """A JSON value cached under ``key`` while the archive is unchanged, else None."""
    raw = scalar(conn, "SELECT value FROM continuity_meta WHERE key = ?", (key,))
    if raw is None:
        return None
    stored = orjson.loads(str(raw))
    if stored.get("fingerprint") != corpus_fingerprint(conn):
        return None
    return cast(dict[str, Any], stored["value"])


def store_value(conn: apsw.Connection, key: str, value: dict[str, Any]) -> None:
    """Cache ``value`` under ``key`` until the archive changes."""
    payload = orjson.dumps({"fingerprint": corpus_fingerprint(conn), "value": value}).decode()
    with conn:
        conn.execute("REPLACE INTO continuity_meta VALUES (?, ?)", (key, payload))


def visible_texts(conn: apsw.Connection) -> Iterator[tuple[str, str]]:
    """(conversation id, text) of every visible user/assistant message, grouped by id."""
    yield from conn.execute(
        "SELECT conversation_id, text FROM nodes WHERE kind = 'message' AND hidden = 0 "
        "AND on_path = 1 AND text != '' ORDER BY conversation_id"
    )


# -- persona ------------------------------------------------------------------------------
def assistant_model_counts(conn: apsw.Connection) -> list[tuple[str, int]]:
    """Assistant message counts by model, most used first."""
    return [
        (str(m), int(n))
        for m, n in conn.execute(
            "SELECT model, count(*) FROM nodes WHERE kind = 'message' AND role = 'assistant' "
            "AND model IS NOT NULL GROUP BY model ORDER BY 2 DESC, 1"
        )
    ]


def exchanges(
    conn: apsw.Connection, model: str | None, *, exclude: bool = False, limit: int = 20_000
) -> list[tuple[Any, ...]]:
    """(conversation id, title, user node, user message id, user text, user time,
    reply node, reply message id, reply text, reply time) for visible replies by ``model``
    (by every other model with ``exclude``; any model when ``model`` is None) on visible
    threads (replies the user regenerated away do not define the voice), each with the
    user message it answered when that directly precedes it. Newest ``limit`` replies."""
    if model is None:
        clause, params = "1", []
    else:
        clause = "coalesce(a.model, '') != ?" if exclude else "a.model = ?"
        params = [model]
    rows = conn.execute(
        "SELECT a.conversation_id, c.title, u.node_id, u.message_id, u.text, u.create_time, "
        "a.node_id, a.message_id, a.text, coalesce(a.create_time, c.create_time) "
        "FROM nodes a JOIN conversations c ON c.id = a.conversation_id "
        "LEFT JOIN nodes u ON u.conversation_id = a.conversation_id AND u.node_id = a.parent_id "
        "AND u.role = 'user' AND u.kind = 'message' "
        f"WHERE a.role = 'assistant' AND a.kind = 'message' AND a.hidden = 0 AND a.on_path = 1 "
        f"AND {clause} "
        "AND a.text != '' ORDER BY a.rowid DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    rows.reverse()
    return rows


# -- profile --------------------------------------------------------------------------------
def set_profile_item(
    conn: apsw.Connection,
    item_id: int,
    *,
    included: bool | None = None,
    edited_text: str | None = None,
) -> bool:
    """Include/exclude or edit one profile item; False if there is no such item.

    ``edited_text=""`` removes an edit (the original text is always kept)."""
    if scalar(conn, "SELECT 1 FROM profile_items WHERE id = ?", (item_id,)) is None:
        return False
    with conn:
        if included is not None:
            conn.execute(
                "UPDATE profile_items SET included = ? WHERE id = ?", (int(included), item_id)
            )
        if edited_text is not None:
            conn.execute(
                "UPDATE profile_items SET edited_text = ? WHERE id = ?",
                (edited_text or None, item_id),
            )
    return True


def profile_item_times(conn: apsw.Connection) -> dict[int, tuple[float | None, float | None]]:
    """(first, last) dated source per profile item, falling back to the conversation date."""
    return {
        int(i): (first, last)
        for i, first, last in conn.execute(
            "SELECT s.item_id, min(coalesce(s.item_time, c.create_time)), "
            "max(coalesce(s.item_time, c.update_time, c.create_time)) FROM profile_sources s "
            "LEFT JOIN conversations c ON c.id = s.conversation_id GROUP BY s.item_id"
        )
    }


# -- packs --------------------------------------------------------------------------------
def ranked_conversations(conn: apsw.Connection, filters: Filters) -> list[str]:
    """Conversation ids in scope, most important first: visible messages (log-scaled)
    weighted by recency. Used when a pack has no explicit conversation list."""
    where, params = filters.conversation_clause()
    rows = conn.execute(
        "SELECT c.id, c.message_count, coalesce(c.update_time, c.create_time, 0) "
        f"FROM conversations c WHERE {where}",
        params,
    ).fetchall()
    if not rows:
        return []
    newest = max(float(r[2] or 0.0) for r in rows) or 1.0
    year = 365 * 86400.0

    def score(row: tuple[Any, ...]) -> float:
        age_years = max(0.0, (newest - float(row[2] or 0.0)) / year)
        return float(np.log1p(int(row[1]))) / (1.0 + 0.5 * age_years)

    return [str(r[0]) for r in sorted(rows, key=score, reverse=True)]


def chunk_vectors(conn: apsw.Connection, node_rowids: Iterable[int]) -> dict[int, np.ndarray]:
    """Mean chunk embedding per node rowid, when the search index (migration 2) has them."""
    table = scalar(conn, "SELECT name FROM sqlite_master WHERE name = 'chunks' AND type = 'table'")
    if table is None:
        return {}
    columns = {str(r[1]) for r in conn.execute("PRAGMA table_info(chunks)")}
    if not {"node_rowid", "embedding"} <= columns:
        return {}
    wanted = list(node_rowids)
    out: dict[int, list[np.ndarray]] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        marks = ", ".join("?" * len(part))
        for rowid, blob in conn.execute(
            f"SELECT node_rowid, embedding FROM chunks WHERE node_rowid IN ({marks})", part
        ):
            if blob:
                out.setdefault(int(rowid), []).append(np.frombuffer(blob, dtype=np.float32))
    return {k: np.mean(v, axis=0) for k, v in out.items()}
