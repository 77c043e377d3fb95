"""Queries for summaries, keywords, the persona card and profile edits.

Their tables come from migration step 3 (every connection is migrated when it opens)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import apsw
import numpy as np
import orjson

from keeper.store.filters import Filters
from keeper.store.sql import scalar
from keeper.text import ANALYSIS_CHARS

# Bump when the summary algorithm changes: older cached summaries are then recomputed.
SUMMARY_VERSION = 1


# A read-only connection (the MCP server's) cannot write its caches to the database, so
# they live in memory, shared by the process's read-only connections to the same file
# (every key names the content or archive fingerprint it was computed from).
_MEMORY: dict[str, dict[tuple[object, ...], object]] = {}


def _memory(conn: apsw.Connection) -> dict[tuple[object, ...], object] | None:
    """The in-memory cache for a read-only connection's database; None when writable."""
    if not conn.readonly("main"):
        return None
    return _MEMORY.setdefault(conn.db_filename("main"), {})


# -- summary cache ------------------------------------------------------------------------
def content_hash(conn: apsw.Connection, conversation_id: str) -> bytes | None:
    """The stored content hash of a conversation (changes whenever an import changes it)."""
    value = scalar(conn, "SELECT content_hash FROM conversations WHERE id = ?", (conversation_id,))
    return None if value is None else bytes(value)


def cached_summary(
    conn: apsw.Connection, conversation_id: str, digest: bytes
) -> dict[str, Any] | None:
    """The cached summary dict if it was made from this content and algorithm version."""
    memory = _memory(conn)
    key = ("summary", conversation_id, digest, SUMMARY_VERSION)
    if memory is not None and key in memory:
        return cast(dict[str, Any], memory[key])
    row = conn.execute(
        "SELECT data FROM summaries WHERE conversation_id = ? AND content_hash = ? AND version = ?",
        (conversation_id, digest, SUMMARY_VERSION),
    ).fetchone()
    return None if row is None else cast(dict[str, Any], orjson.loads(cast(bytes, row[0])))


def store_summary(
    conn: apsw.Connection, conversation_id: str, digest: bytes, data: dict[str, Any]
) -> None:
    """Cache ``data`` for this conversation content."""
    memory = _memory(conn)
    if memory is not None:
        memory[("summary", conversation_id, digest, SUMMARY_VERSION)] = data
        return
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
    memory = _memory(conn)
    if memory is not None and ("llm", conversation_id, endpoint, digest) in memory:
        return str(memory[("llm", conversation_id, endpoint, digest)])
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
    memory = _memory(conn)
    if memory is not None:
        memory[("llm", conversation_id, endpoint, digest)] = text
        return
    with conn:
        conn.execute(
            "REPLACE INTO llm_summaries VALUES (?, ?, ?, ?, ?)",
            (conversation_id, endpoint, digest, text, time.time()),
        )


# -- thread digests (keeper.pack.digest) ---------------------------------------------------
def content_hashes(conn: apsw.Connection, conversation_ids: Sequence[str]) -> dict[str, bytes]:
    """The stored content hash of each of these conversations (unknown ids are left out)."""
    rows = conn.execute(
        "SELECT id, content_hash FROM conversations WHERE id IN (SELECT value FROM json_each(?))",
        [orjson.dumps(list(conversation_ids)).decode()],
    )
    return {str(cid): bytes(digest) for cid, digest in rows}


def cached_digests(
    conn: apsw.Connection, hashes: dict[str, bytes], version: int
) -> dict[str, dict[str, Any]]:
    """The stored digest of each conversation in ``hashes`` (id -> content hash) that was
    made from that content by this algorithm ``version``."""
    memory = _memory(conn)
    found: dict[str, dict[str, Any]] = {}
    if memory is not None:
        for cid, digest in hashes.items():
            value = memory.get(("digest", cid, digest, version))
            if value is not None:
                found[cid] = cast(dict[str, Any], value)
    wanted = [cid for cid in hashes if cid not in found]
    if wanted:
        rows = conn.execute(
            "SELECT conversation_id, content_hash, data FROM thread_digests "
            "WHERE version = ? AND conversation_id IN (SELECT value FROM json_each(?))",
            [version, orjson.dumps(wanted).decode()],
        )
        for cid, digest, data in rows:
            if bytes(digest) == hashes[str(cid)]:
                found[str(cid)] = cast(dict[str, Any], orjson.loads(cast(bytes, data)))
    return found


def store_digests(
    conn: apsw.Connection, items: Sequence[tuple[str, bytes, dict[str, Any]]], version: int
) -> None:
    """Keep (conversation id, content hash, digest) for each item, in one transaction."""
    memory = _memory(conn)
    if memory is not None:
        for cid, digest, data in items:
            memory[("digest", cid, digest, version)] = data
        return
    now = time.time()
    with conn:
        conn.executemany(
            "REPLACE INTO thread_digests VALUES (?, ?, ?, ?, ?)",
            ((cid, digest, version, orjson.dumps(data), now) for cid, digest, data in items),
        )


def undigested(conn: apsw.Connection, version: int) -> list[str]:
    """Conversations whose stored digest is missing or stale, most recently active first."""
    memory = _memory(conn)
    rows = conn.execute(
        "SELECT c.id, c.content_hash FROM conversations c LEFT JOIN thread_digests d "
        "ON d.conversation_id = c.id AND d.content_hash = c.content_hash AND d.version = ? "
        "WHERE d.conversation_id IS NULL "
        "ORDER BY coalesce(c.update_time, c.create_time) DESC, c.id",
        (version,),
    ).fetchall()
    return [
        str(cid)
        for cid, digest in rows
        if memory is None or ("digest", str(cid), cast(bytes, digest), version) not in memory
    ]


def titles(
    conn: apsw.Connection, conversation_ids: Sequence[str]
) -> dict[str, tuple[str, float | None]]:
    """(title, create time) of each of these conversations (unknown ids are left out)."""
    rows = conn.execute(
        "SELECT id, title, create_time FROM conversations "
        "WHERE id IN (SELECT value FROM json_each(?))",
        [orjson.dumps(list(conversation_ids)).decode()],
    )
    return {str(cid): (str(title or ""), created) for cid, title, created in rows}


def user_turns(conn: apsw.Connection, rowids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """(node id, message id, create time, text) of each node rowid (text: at most
    ``ANALYSIS_CHARS``, as everything summaries and packs read)."""
    rows = conn.execute(
        f"SELECT rowid, node_id, message_id, create_time, substr(text, 1, {ANALYSIS_CHARS}) "
        "FROM nodes "
        "WHERE rowid IN (SELECT value FROM json_each(?))",
        [orjson.dumps(list(rowids)).decode()],
    )
    return {int(r[0]): tuple(r[1:]) for r in rows}


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
    fingerprint = corpus_fingerprint(conn)
    memory = _memory(conn)
    if memory is not None and ("df", fingerprint) in memory:
        return cast(tuple[dict[str, int], int], memory[("df", fingerprint)])
    stored = scalar(conn, "SELECT value FROM continuity_meta WHERE key = 'df_fingerprint'")
    if stored != fingerprint:
        return None
    docs = int(scalar(conn, "SELECT value FROM continuity_meta WHERE key = 'df_docs'") or 0)
    found = {str(t): int(d) for t, d in conn.execute("SELECT term, df FROM term_df")}, docs
    if memory is not None:
        memory[("df", fingerprint)] = found  # reading the table back costs more than a pack
    return found


def store_term_df(conn: apsw.Connection, df: dict[str, int], docs: int) -> None:
    """Replace the cached document frequencies."""
    fingerprint = corpus_fingerprint(conn)
    memory = _memory(conn)
    if memory is not None:
        memory[("df", fingerprint)] = (df, docs)
        return
    with conn:
        conn.execute("DELETE FROM term_df")
        conn.executemany("INSERT INTO term_df VALUES (?, ?)", df.items())
        conn.executemany(
            "REPLACE INTO continuity_meta VALUES (?, ?)",
            (("df_fingerprint", fingerprint), ("df_docs", str(docs))),
        )


def cached_value(conn: apsw.Connection, key: str) -> dict[str, Any] | None:
    """A JSON value cached under ``key`` while the archive is unchanged, else None."""
    memory = _memory(conn)
    if memory is not None:
        found = memory.get(("value", key, corpus_fingerprint(conn)))
        if found is not None:
            return cast(dict[str, Any], found)
    raw = scalar(conn, "SELECT value FROM continuity_meta WHERE key = ?", (key,))
    if raw is None:
        return None
    stored = orjson.loads(str(raw))
    if stored.get("fingerprint") != corpus_fingerprint(conn):
        return None
    return cast(dict[str, Any], stored["value"])


def store_value(conn: apsw.Connection, key: str, value: dict[str, Any]) -> None:
    """Cache ``value`` under ``key`` until the archive changes."""
    memory = _memory(conn)
    if memory is not None:
        memory[("value", key, corpus_fingerprint(conn))] = value
        return
    payload = orjson.dumps({"fingerprint": corpus_fingerprint(conn), "value": value}).decode()
    with conn:
        conn.execute("REPLACE INTO continuity_meta VALUES (?, ?)", (key, payload))


def visible_texts(conn: apsw.Connection) -> Iterator[tuple[str, str]]:
    """(conversation id, text) of every visible user/assistant message, grouped by id
    (at most ``ANALYSIS_CHARS`` of each)."""
    yield from conn.execute(
        f"SELECT conversation_id, substr(text, 1, {ANALYSIS_CHARS}) FROM nodes "
        "WHERE kind = 'message' AND hidden = 0 "
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
    conn: apsw.Connection,
    model: str | None,
    *,
    exclude: bool = False,
    limit: int = 20_000,
    conversations: Sequence[str] | None = None,
    spread: int | None = None,
) -> list[tuple[Any, ...]]:
    """(conversation id, title, user node, user message id, user text, user time,
    reply node, reply message id, reply text, reply time) for visible replies by ``model``
    (by every other model with ``exclude``; any model when ``model`` is None) on visible
    threads (replies the user regenerated away do not define the voice), each with the
    user message it answered when that directly precedes it (texts: at most
    ``ANALYSIS_CHARS``). Newest ``limit`` replies,
    only from ``conversations`` when given; with ``spread``, at most that many replies
    evenly spaced over all that match instead."""
    if model is None:
        clause, params = "1", []
    else:
        clause = "coalesce(a.model, '') != ?" if exclude else "a.model = ?"
        params = [model]
    if conversations is not None:
        wanted = list(conversations) or [""]
        clause += " AND a.conversation_id IN (SELECT value FROM json_each(?))"
        params.append(orjson.dumps(wanted).decode())
    where = (
        "a.role = 'assistant' AND a.kind = 'message' AND a.hidden = 0 AND a.on_path = 1 "
        f"AND {clause} AND a.text != ''"
    )
    if spread is not None:
        matching = [
            int(r[0])
            for r in conn.execute(
                f"SELECT a.rowid FROM nodes a WHERE {where} ORDER BY a.rowid", params
            )
        ]
        if len(matching) > spread:
            step = len(matching) / spread
            chosen = [matching[int(i * step)] for i in range(spread)]
            where += " AND a.rowid IN (SELECT value FROM json_each(?))"
            params = [*params, orjson.dumps(chosen).decode()]
    rows = conn.execute(
        "SELECT a.conversation_id, c.title, u.node_id, u.message_id, "
        f"substr(u.text, 1, {ANALYSIS_CHARS}), u.create_time, a.node_id, a.message_id, "
        f"substr(a.text, 1, {ANALYSIS_CHARS}), coalesce(a.create_time, c.create_time) "
        "FROM nodes a JOIN conversations c ON c.id = a.conversation_id "
        "LEFT JOIN nodes u ON u.conversation_id = a.conversation_id AND u.node_id = a.parent_id "
        "AND u.role = 'user' AND u.kind = 'message' "
        f"WHERE {where} ORDER BY a.rowid DESC LIMIT ?",
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


def engagement_sql(where: str) -> str:
    """The query behind :func:`conversation_engagement` for a conversation clause."""
    # CROSS JOIN keeps conversations the outer loop, so the scope's clause (a model's
    # EXISTS over the thread's nodes) runs once per conversation; scanning nodes first ran
    # it once per message: 39 s for a model pack at 100k messages, now 0.14 s.
    return (
        "SELECT c.id, min(n.create_time), max(n.create_time), "
        "sum(n.role = 'user'), sum(CASE WHEN n.role = 'user' THEN length(n.text) ELSE 0 END), "
        "sum(n.role = 'assistant'), count(DISTINCT CAST(n.create_time / 86400 AS INTEGER)) "
        "FROM conversations c CROSS JOIN nodes n ON n.conversation_id = c.id "
        "AND n.kind = 'message' AND n.hidden = 0 AND n.on_path = 1 "
        "AND n.role IN ('user', 'assistant') "
        f"WHERE {where} GROUP BY c.id"
    )


def conversation_engagement(conn: apsw.Connection, filters: Filters) -> list[tuple[Any, ...]]:
    """Per conversation in scope: (id, first message time, last message time, user turns,
    user characters, assistant turns, distinct days with a message) over visible messages
    (kept in memory on a read-only connection while the archive is unchanged)."""
    memory = _memory(conn)
    key = ("engagement", repr(filters), corpus_fingerprint(conn))
    if memory is not None and key in memory:
        return cast(list[tuple[Any, ...]], memory[key])
    where, params = filters.conversation_clause()
    rows = conn.execute(engagement_sql(where), params).fetchall()
    if memory is not None:
        memory[key] = rows  # a read-only server ranks the same scopes again and again
    return rows


def node_raw(conn: apsw.Connection, conversation_id: str, node_id: str) -> dict[str, Any] | None:
    """The raw JSON of one stored node, or None."""
    blob = scalar(
        conn,
        "SELECT raw FROM nodes WHERE conversation_id = ? AND node_id = ?",
        (conversation_id, node_id),
    )
    if blob is None:
        return None
    value = orjson.loads(blob)
    return value if isinstance(value, dict) else None


def node_texts(conn: apsw.Connection, rowids: Iterable[int]) -> dict[int, str]:
    """The stored text of each node rowid (at most ``ANALYSIS_CHARS``)."""
    wanted = list(rowids)
    if not wanted:
        return {}
    rows = conn.execute(
        f"SELECT rowid, substr(text, 1, {ANALYSIS_CHARS}) FROM nodes "
        "WHERE rowid IN (SELECT value FROM json_each(?))",
        [orjson.dumps(wanted).decode()],
    )
    return {int(r[0]): str(r[1]) for r in rows}


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
