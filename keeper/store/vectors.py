"""Chunks, their vectors and the sqlite-vec index used for semantic search.

``chunks`` keeps every chunk's float32 vector (little-endian bytes): the exact copy used
to rescore candidates and read by continuity summaries. ``vec_chunks_<model id>`` is a
sqlite-vec ``vec0`` table over the same chunks holding a *coarse* copy (binary-quantized
by default, chosen by ``python -m tests.perf vectors``) plus the filter columns as vec0
metadata. Search scans the binary codes with numpy (:class:`BitScan`, loaded once per
connection) with the filters as a mask, re-ranks the nearest by the float query against
their bits, and rescores the survivors exactly; conversation and model filters, or a
layout it does not recognise, use vec0's own filtered KNN. Either way filters apply inside
the scan and a filtered search never comes back short. Triggers delete a chunk's vec0 row
with the chunk, so forgetting a conversation or re-embedding a changed one never leaves a
stale vector behind.
"""

from __future__ import annotations

import math
import re
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

import apsw
import numpy as np

from keeper.store.connection import map_for_search
from keeper.store.filters import Filters
from keeper.store.reader import KeywordRow
from keeper.store.sql import scalar

# Coarse vector formats a vec0 index can hold: column type and how a float32 blob is
# turned into it on insert and at query time.
COARSE_FORMATS: dict[str, tuple[str, str]] = {
    "float": ("float", "?"),
    "int8": ("int8", "vec_quantize_int8(?, 'unit')"),
    "bit": ("bit", "vec_quantize_binary(?)"),
}
DEFAULT_COARSE = "bit"
# How many coarse candidates per wanted result are rescored exactly (binary codes need a
# deep list; measured on locomo-dev in tests/perf/bench_vectors.py).
OVERSAMPLE = {"float": 1, "int8": 2, "bit": 4}
MIN_COARSE = 100
# Binary codes rescored per wanted result when the numpy scan picks them (the scan's cost
# does not depend on it; rescoring does).
SCAN_OVERSAMPLE = 4
# ... out of this many times more chunks nearest by Hamming distance, re-ranked first by
# the float query against their bits.
SCAN_WIDEN = 16
MAX_K = 4096  # sqlite-vec's largest k
# Only this much of a message is read for embedding (the chunker embeds at most the first
# few dozen windows of a message): a 100 MB paste must not be loaded, twice, per batch.
EMBED_TEXT_CHARS = 262_144
NO_TIME = -1.0  # vec0 metadata cannot be NULL; a message without any date gets this

# What is embedded: visible user and assistant turns with text. Hidden scaffolding, tool
# calls, tool results (scraped pages) and reasoning are not.
EMBEDDABLE = (
    "n.kind = 'message' AND n.hidden = 0 AND n.role IN ('user', 'assistant') AND n.text != ''"
)


@dataclass(frozen=True, slots=True)
class EmbedModel:
    """A model that made (or makes) vectors in this database."""

    id: int
    name: str
    dims: int


@dataclass(slots=True)
class PendingNode:
    """One embeddable message that has no vectors yet, with the context its text gets."""

    rowid: int
    conversation_id: str
    title: str
    role: str
    text: str
    previous: str  # the parent turn's text ('' when none)
    project: str
    model: str
    create_time: float


def vec_table(model_id: int) -> str:
    """The name of a model's vec0 index."""
    return f"vec_chunks_{int(model_id)}"


def create_vec_index(
    conn: apsw.Connection, table: str, dims: int, coarse: str = DEFAULT_COARSE
) -> None:
    """Create a vec0 index ``table`` (if missing) with the filter metadata columns."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
        raise ValueError(f"bad table name {table!r}")
    column_type, _ = COARSE_FORMATS[coarse]
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING vec0("
        f"chunk_id INTEGER PRIMARY KEY, embedding {column_type}[{int(dims)}], "
        "project TEXT PARTITION KEY, conv TEXT, role TEXT, model TEXT, t FLOAT)"
    )


def ensure_model(conn: apsw.Connection, name: str, dims: int) -> EmbedModel:
    """The stored model called ``name``, created with its vec0 index and triggers if new.

    A model name already stored with other dimensions is replaced (its vectors dropped)."""
    row = conn.execute("SELECT id, dims FROM embed_models WHERE name = ?", (name,)).fetchone()
    with conn:
        if row is not None and int(row[1]) != dims:
            _drop_model(conn, int(row[0]))
            row = None
        if row is None:
            conn.execute(
                "INSERT INTO embed_models (name, dims, created) VALUES (?, ?, ?)",
                (name, dims, time.time()),
            )
            model_id = int(conn.last_insert_rowid())
        else:
            model_id = int(row[0])
        table = vec_table(model_id)
        create_vec_index(conn, table, dims)
        conn.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_delete AFTER DELETE ON chunks "
            f"WHEN old.model_id = {model_id} BEGIN "
            f"DELETE FROM {table} WHERE chunk_id = old.id; END"
        )
    return EmbedModel(model_id, name, dims)


def activate(conn: apsw.Connection, model: EmbedModel) -> int:
    """Make ``model`` the one search uses; drop every other model's vectors (switching
    models re-embeds). Returns how many chunks of other models were dropped."""
    dropped = 0
    with conn:
        others = [
            int(r[0])
            for r in conn.execute("SELECT id FROM embed_models WHERE id != ?", (model.id,))
        ]
        for other in others:
            dropped += int(
                scalar(conn, "SELECT count(*) FROM chunks WHERE model_id = ?", (other,)) or 0
            )
            _drop_model(conn, other)
        conn.execute("UPDATE embed_models SET active = (id = ?)", (model.id,))
    return dropped


def _drop_model(conn: apsw.Connection, model_id: int) -> None:
    table = vec_table(model_id)
    conn.execute(f"DROP TRIGGER IF EXISTS {table}_delete")
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute("DELETE FROM chunks WHERE model_id = ?", (model_id,))
    conn.execute("DELETE FROM embedded_nodes WHERE model_id = ?", (model_id,))
    conn.execute("DELETE FROM embed_models WHERE id = ?", (model_id,))


def active_model(conn: apsw.Connection) -> EmbedModel | None:
    """The model whose vectors search uses, or None before anything was embedded."""
    row = conn.execute("SELECT id, name, dims FROM embed_models WHERE active = 1").fetchone()
    return EmbedModel(int(row[0]), str(row[1]), int(row[2])) if row else None


def count_embeddable(conn: apsw.Connection) -> int:
    """How many messages embedding covers."""
    return int(scalar(conn, f"SELECT count(*) FROM nodes n WHERE {EMBEDDABLE}") or 0)


def count_embedded(conn: apsw.Connection, model_id: int) -> tuple[int, int]:
    """``(messages, chunks)`` embedded by ``model_id``."""
    row = conn.execute(
        "SELECT count(*), coalesce(sum(chunk_count), 0) FROM embedded_nodes WHERE model_id = ?",
        (model_id,),
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


_PENDING_COLUMNS = (
    "SELECT n.rowid, n.conversation_id, c.title, n.role, "
    f"substr(n.text, 1, {EMBED_TEXT_CHARS}), "
    "coalesce((SELECT substr(p.text, 1, 1000) FROM nodes p "
    "  WHERE p.conversation_id = n.conversation_id "
    "  AND p.node_id = n.parent_id AND p.kind = 'message' AND p.hidden = 0), ''), "
    "coalesce(c.gizmo_id, ''), coalesce(n.model, ''), "
    f"coalesce(n.create_time, c.create_time, {NO_TIME}) "
    "FROM nodes n JOIN conversations c ON c.id = n.conversation_id "
    "LEFT JOIN embedded_nodes e ON e.node_rowid = n.rowid AND e.model_id = ? "
)


def pending_nodes(
    conn: apsw.Connection,
    model_id: int,
    *,
    after: int = 0,
    limit: int = 256,
    conversations: Sequence[str] | None = None,
) -> list[PendingNode]:
    """Embeddable messages without vectors from ``model_id``, by rowid after ``after``
    (only those of ``conversations`` when given)."""
    where = f"WHERE n.rowid > ? AND e.node_rowid IS NULL AND {EMBEDDABLE} "
    params: list[object] = [model_id, after]
    if conversations is not None:
        where += f"AND n.conversation_id IN ({', '.join('?' * len(conversations))}) "
        params.extend(conversations)
    sql = _PENDING_COLUMNS + where + "ORDER BY n.rowid LIMIT ?"
    return [PendingNode(*row) for row in conn.execute(sql, [*params, limit])]


# A conversation revisited on many days counts as this much more recent per doubling.
REVISIT_SECONDS = 30 * 86_400.0


def conversations_by_priority(conn: apsw.Connection) -> list[str]:
    """Conversation ids in the order embedding takes them: most recently active first,
    a conversation returned to on many different days moved up (``REVISIT_SECONDS`` per
    doubling of its active days), so semantic search helps where people look first."""
    rows = conn.execute(
        "SELECT c.id, coalesce(c.update_time, c.create_time, 0), coalesce(d.days, 1) "
        "FROM conversations c LEFT JOIN (SELECT conversation_id, "
        "  count(DISTINCT CAST(create_time / 86400 AS INTEGER)) AS days FROM nodes "
        "  WHERE kind = 'message' AND create_time IS NOT NULL GROUP BY conversation_id) d "
        "ON d.conversation_id = c.id"
    ).fetchall()
    priority = {
        str(cid): float(cast(float, when))
        + REVISIT_SECONDS * math.log2(max(int(cast(int, days)), 1))
        for cid, when, days in rows
    }
    return sorted(priority, key=lambda cid: priority[cid], reverse=True)


@dataclass(slots=True)
class ChunkVectors:
    """The vectors of one node's chunks, ready to write."""

    node: PendingNode
    vectors: np.ndarray  # (chunks, dims) float32, unit length


def write_vectors(conn: apsw.Connection, model: EmbedModel, items: Sequence[ChunkVectors]) -> int:
    """Store the chunks of ``items`` and mark their nodes embedded, in one transaction.

    A node that changed or was forgotten meanwhile (no longer embeddable) is skipped.
    Returns the number of chunks written."""
    table = vec_table(model.id)
    _, quantize = COARSE_FORMATS[_coarse_of(conn, table)]
    written = 0
    with conn:
        for item in items:
            node = item.node
            current = conn.execute(
                f"SELECT substr(n.text, 1, {EMBED_TEXT_CHARS}) FROM nodes n "
                f"WHERE n.rowid = ? AND {EMBEDDABLE}",
                (node.rowid,),
            ).fetchone()
            if current is None or current[0] != node.text:
                continue
            conn.execute("DELETE FROM chunks WHERE node_rowid = ?", (node.rowid,))
            for seq, vector in enumerate(item.vectors):
                blob = np.ascontiguousarray(vector, dtype="<f4").tobytes()
                conn.execute(
                    "INSERT INTO chunks (node_rowid, conversation_id, model_id, seq, embedding) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (node.rowid, node.conversation_id, model.id, seq, blob),
                )
                chunk_id = conn.last_insert_rowid()
                conn.execute(
                    f"INSERT INTO {table} (chunk_id, embedding, project, conv, role, model, t) "
                    f"VALUES (?, {quantize}, ?, ?, ?, ?, ?)",
                    (
                        chunk_id,
                        blob,
                        node.project,
                        node.conversation_id,
                        node.role,
                        node.model,
                        float(node.create_time),
                    ),
                )
                written += 1
            conn.execute(
                "INSERT OR REPLACE INTO embedded_nodes (node_rowid, conversation_id, model_id, "
                "chunk_count) VALUES (?, ?, ?, ?)",
                (node.rowid, node.conversation_id, model.id, len(item.vectors)),
            )
    return written


def invalidate_conversation(conn: apsw.Connection, conversation_id: str) -> None:
    """Drop a changed conversation's vectors so the next embedding run redoes it (its title,
    context or texts changed). Runs inside the caller's transaction."""
    conn.execute("DELETE FROM chunks WHERE conversation_id = ?", (conversation_id,))
    conn.execute("DELETE FROM embedded_nodes WHERE conversation_id = ?", (conversation_id,))


def _coarse_of(conn: apsw.Connection, table: str) -> str:
    sql = str(scalar(conn, "SELECT sql FROM sqlite_master WHERE name = ?", (table,)) or "")
    for name, (column_type, _) in COARSE_FORMATS.items():
        if f"embedding {column_type}[" in sql:
            return name
    return DEFAULT_COARSE


def _vec_constraints(filters: Filters) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if filters.project:
        clauses.append("project = ?")
        params.append(filters.project)
    if filters.conversation:
        clauses.append("conv = ?")
        params.append(filters.conversation)
    if filters.role:
        clauses.append("role = ?")
        params.append(filters.role)
    if filters.model:
        clauses.append("model = ?")
        params.append(filters.model)
    if filters.since is not None:
        clauses.append("t >= ?")
        params.append(float(filters.since))
    if filters.until is not None:
        clauses.append("t < ? AND t > ?")
        params.extend([float(filters.until), NO_TIME])
    return "".join(f" AND {c}" for c in clauses), params


class BitScan:
    """A process-local copy of a binary vec0 index (codes, chunk ids and the project, role
    and time filter columns) scanned with numpy: Hamming distance over every chunk with the
    filters as a mask, so the cost is one pass over ``chunks * 48`` bytes whatever the
    filters, where sqlite-vec's own scan costs grow with k and with metadata filters
    (measured in tests/perf/bench_vectors.py). Loaded from the vec0 shadow tables
    (sqlite-vec 0.1.x layout), checked against the public table on a sample, and reloaded
    when the index changes; any mismatch means vec0's own KNN is used instead."""

    def __init__(self, conn: apsw.Connection, table: str) -> None:
        # One plain read per shadow table (joining them makes SQLite scan, minutes at 1M).
        parts: list[dict[int, bytes]] = [
            {
                int(cast(int, row[0])): cast(bytes, row[1])
                for row in conn.execute(f"SELECT rowid, {column} FROM {table}_{name}")
            }
            for name, column in (
                ("vector_chunks00", "vectors"),
                ("metadatachunks01", "data"),  # role
                ("metadatachunks03", "data"),  # t
            )
        ]
        blocks = [
            (chunk, partition, validity, rowids, *(part[chunk] for part in parts))
            for chunk, partition, validity, rowids in conn.execute(
                f"SELECT chunk_id, partition00, validity, rowids FROM {table}_chunks "
                "ORDER BY chunk_id"
            )
        ]
        self.projects: dict[str, int] = {}
        if not blocks:
            self.ids = np.zeros(0, np.int64)
            self.width = 0
            self.codes = np.zeros((0, 0), np.uint64)
            self.part = np.zeros(0, np.int32)
            self.roles: list[str | None] = []
            self.role = np.zeros(0, np.int32)
            self.t = np.zeros(0, np.float64)
            return
        size = len(cast(bytes, blocks[0][3])) // 8
        valid = np.unpackbits(
            np.frombuffer(b"".join(cast(bytes, b[2]) for b in blocks), np.uint8),
            bitorder="little",
        ).astype(bool)
        self.ids = np.frombuffer(b"".join(cast(bytes, b[3]) for b in blocks), "<i8")[valid]
        raw = np.frombuffer(b"".join(cast(bytes, b[4]) for b in blocks), np.uint8)
        codes = raw.reshape(len(valid), -1)[valid]
        self.width = codes.shape[1]  # bytes per code
        words = -(-self.width // 8)
        if words * 8 != self.width:  # pad to whole 64-bit words (zeros XOR to zero)
            codes = np.pad(codes, ((0, 0), (0, words * 8 - self.width)))
        self.codes = np.ascontiguousarray(codes.view("<u8").T)  # (words, chunks)
        partitions = [self.projects.setdefault(str(b[1] or ""), len(self.projects)) for b in blocks]
        self.part = np.repeat(np.array(partitions, np.int32), size)[valid]
        roles = np.frombuffer(b"".join(cast(bytes, b[5]) for b in blocks), np.uint8)
        roles = roles.reshape(len(valid), 16)[valid]
        # A text metadata cell is its length (4 bytes) and first 12 bytes: the roles become
        # small integer codes so a role filter is one integer compare per chunk.
        cells, codes_of_roles = np.unique(
            np.ascontiguousarray(roles).view("V16").ravel(), return_inverse=True
        )
        self.roles = [_role_name(bytes(cell)) for cell in cells]
        self.role = codes_of_roles.astype(np.int32).ravel()
        self.t = np.frombuffer(b"".join(cast(bytes, b[6]) for b in blocks), "<f8")[valid]
        self._check(conn, table)

    def _check(self, conn: apsw.Connection, table: str) -> None:
        count = int(scalar(conn, f"SELECT count(*) FROM {table}_rowids") or 0)
        if count != len(self.ids) or self.codes.shape[0] * 64 > 65_535:
            raise ValueError("vec0 layout not understood")
        names = {code: name for name, code in self.projects.items()}
        for i in np.unique(np.linspace(0, len(self.ids) - 1, 16).astype(np.int64)):
            row = conn.execute(
                f"SELECT embedding, coalesce(project, ''), role, t FROM {table} WHERE chunk_id = ?",
                (int(self.ids[i]),),
            ).fetchone()
            role = self.roles[int(self.role[i])]
            if (
                row is None
                or bytes(row[0]) != self.codes[:, i].astype("<u8").tobytes()[: self.width]
                or row[1] != names[int(self.part[i])]
                or row[2] != role
                or float(row[3]) != float(self.t[i])
            ):
                raise ValueError("vec0 layout not understood")

    @staticmethod
    def handles(filters: Filters) -> bool:
        """Whether the scan can apply these filters (conversation, model and a role longer
        than vec0 keeps inline need vec0)."""
        role_fits = not filters.role or len(filters.role.encode()) <= 12
        return not filters.conversation and not filters.model and role_fits

    def nearest(
        self, query: np.ndarray, filters: Filters, count: int, *, widen: int = SCAN_WIDEN
    ) -> np.ndarray:
        """Chunk ids of the ``count`` nearest matching chunks (every one if fewer match):
        the ``count * widen`` nearest by Hamming distance to the query's code, re-ranked by
        the float query against their sign bits (asymmetric distance, closer to cosine)."""
        if not len(self.ids):
            return self.ids
        vec = np.asarray(query, dtype=np.float32)
        q = np.zeros(self.codes.shape[0] * 8, np.uint8)
        q[: self.width] = np.packbits(vec > 0, bitorder="little")[: self.width]
        q = q.view("<u8")
        far = np.uint16(65_535)
        dist = np.zeros(len(self.ids), np.uint16)
        word = np.empty(len(self.ids), np.uint64)
        bits = np.empty(len(self.ids), np.uint8)
        for j in range(len(q)):
            np.bitwise_xor(self.codes[j], q[j], out=word)
            np.bitwise_count(word, out=bits)
            np.add(dist, bits, out=dist)
        mask: np.ndarray | None = None

        def narrow(keep: np.ndarray) -> None:
            nonlocal mask
            mask = keep if mask is None else mask & keep

        if filters.project:
            narrow(self.part == self.projects.get(filters.project, -1))
        if filters.role:
            code = self.roles.index(filters.role) if filters.role in self.roles else -1
            narrow(self.role == code)
        if filters.since is not None:
            narrow(self.t >= float(filters.since))
        if filters.until is not None:
            narrow((self.t < float(filters.until)) & (self.t > NO_TIME))
        if mask is not None:
            np.putmask(dist, ~mask, far)
        cut = np.cumsum(np.bincount(dist, minlength=65_536)[:-1])
        if not len(cut) or cut[-1] == 0:
            return self.ids[:0]
        threshold = int(np.searchsorted(cut, min(count * widen, int(cut[-1]))))
        picked = np.flatnonzero(dist <= threshold)
        if len(picked) > count:
            # estimate = sum of the query over each candidate's set bits, a byte at a time
            # from a table of all 256 byte values' partial sums per byte position
            padded = np.zeros(len(q) * 64, np.float32)
            padded[: len(vec)] = vec
            table = _BYTE_BITS @ padded.reshape(-1, 8).T  # (256, bytes)
            codes = np.ascontiguousarray(self.codes[:, picked].T).view(np.uint8)
            offsets = np.arange(codes.shape[1], dtype=np.intp)
            estimate = table.T.ravel()[codes + offsets * 256].sum(axis=1)
            picked = picked[np.argpartition(-estimate, count - 1)[:count]]
        return self.ids[picked]


def _role_name(cell: bytes) -> str | None:
    """A role from a vec0 text metadata cell; None when longer than the 12 bytes kept."""
    length = int.from_bytes(cell[:4], "little")
    return cell[4 : 4 + length].decode() if length <= 12 else None


_BYTE_BITS = np.unpackbits(
    np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little"
).astype(np.float32)

# One scan per (connection, index), with the index fingerprint it was loaded at.
_SCANS: weakref.WeakKeyDictionary[apsw.Connection, dict[str, tuple[object, BitScan | None]]] = (
    weakref.WeakKeyDictionary()
)


def bit_scan(conn: apsw.Connection, table: str) -> BitScan | None:
    """The current :class:`BitScan` of a binary index, or None where it cannot be used."""
    per_conn = _SCANS.setdefault(conn, {})
    version = (int(scalar(conn, "PRAGMA data_version") or 0), conn.total_changes())
    cached = per_conn.get(table)
    if cached is not None and cached[0][0] == version:  # type: ignore[index]
        return cached[1]
    fingerprint = conn.execute(f"SELECT count(*), max(rowid) FROM {table}_rowids").fetchone()
    if cached is not None and cached[0][1] == fingerprint:  # type: ignore[index]
        per_conn[table] = ((version, fingerprint), cached[1])
        return cached[1]
    scan: BitScan | None
    try:
        scan = BitScan(conn, table)
    except (apsw.SQLError, ValueError, IndexError, KeyError):
        scan = None
    per_conn[table] = ((version, fingerprint), scan)
    return scan


def vector_candidates(
    conn: apsw.Connection,
    model: EmbedModel,
    query: np.ndarray,
    filters: Filters,
    limit: int,
    *,
    table: str | None = None,
    oversample: int | None = None,
    use_scan: bool = True,
) -> list[tuple[int, float]]:
    """``(node rowid, cosine)`` of the ``limit`` messages nearest ``query``, best first.

    Coarse candidates come from the index with the filters applied inside the scan (the
    numpy :class:`BitScan` for a binary index, else vec0's KNN); their exact float32
    vectors rescore them; a message scores as its best chunk."""
    map_for_search(conn)
    table = table or vec_table(model.id)
    coarse = _coarse_of(conn, table)
    _, quantize = COARSE_FORMATS[coarse]
    blob = np.ascontiguousarray(query, dtype="<f4").tobytes()
    scan = bit_scan(conn, table) if use_scan and coarse == "bit" else None
    ids: list[int]
    if scan is not None and BitScan.handles(filters):
        factor = SCAN_OVERSAMPLE if oversample is None else oversample
        ids = scan.nearest(query, filters, max(limit * factor, MIN_COARSE)).tolist()
    else:
        factor = OVERSAMPLE[coarse] if oversample is None else oversample
        k = min(max(limit * factor, MIN_COARSE if factor > 1 else limit), MAX_K)
        where, params = _vec_constraints(filters)
        ids = [
            int(row[0])
            for row in conn.execute(
                f"SELECT chunk_id FROM {table} WHERE embedding MATCH {quantize} AND k = ?{where}",
                [blob, k, *params],
            )
        ]
    if not ids:
        return []
    best: dict[int, float] = {}
    vec = np.asarray(query, dtype=np.float32)
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        rows = conn.execute(
            f"SELECT node_rowid, embedding FROM chunks WHERE id IN ({', '.join('?' * len(part))})",
            part,
        ).fetchall()
        if not rows:
            continue
        matrix = np.frombuffer(b"".join(cast(bytes, r[1]) for r in rows), dtype="<f4").reshape(
            len(rows), -1
        )
        scores = matrix @ vec
        for (node_rowid, _), score in zip(rows, scores, strict=True):
            node = int(cast(int, node_rowid))
            if float(score) > best.get(node, -2.0):
                best[node] = float(score)
    ranked = sorted(best.items(), key=lambda pair: pair[1], reverse=True)
    return ranked[:limit]


def node_rows(conn: apsw.Connection, rowids: Iterable[int]) -> dict[int, KeywordRow]:
    """Hit rows (as keyword rows, score 0) for node rowids."""
    wanted = list(rowids)
    out: dict[int, KeywordRow] = {}
    for start in range(0, len(wanted), 900):
        part = wanted[start : start + 900]
        sql = (
            "SELECT n.rowid, n.conversation_id, n.node_id, n.message_id, c.title, n.role, "
            "n.model, coalesce(n.create_time, c.create_time), 0.0, n.text "
            "FROM nodes n JOIN conversations c ON c.id = n.conversation_id "
            f"WHERE n.rowid IN ({', '.join('?' * len(part))})"
        )
        for row in conn.execute(sql, part):
            out[int(row[0])] = KeywordRow(*row)
    return out


BACKGROUND_SIZE = 512
_BACKGROUNDS: weakref.WeakKeyDictionary[apsw.Connection, dict[int, np.ndarray]] = (
    weakref.WeakKeyDictionary()
)


def background(conn: apsw.Connection, model: EmbedModel) -> np.ndarray:
    """Up to ``BACKGROUND_SIZE`` stored chunk vectors spread evenly over the archive, read
    once per connection: what an unrelated message scores against a query, so semantic
    candidates can be judged against chance for any model (cosine scales differ)."""
    cached = _BACKGROUNDS.setdefault(conn, {}).get(model.id)
    if cached is not None:
        return cached
    row = conn.execute(
        "SELECT min(id), max(id) FROM chunks WHERE model_id = ?", (model.id,)
    ).fetchone()
    low, high = row if row else (None, None)
    if low is None or high is None:
        return np.zeros((0, model.dims), np.float32)
    wanted = sorted({int(i) for i in np.linspace(int(low), int(high), BACKGROUND_SIZE)})
    blobs: list[bytes] = []
    for start in range(0, len(wanted), 900):
        part = wanted[start : start + 900]
        blobs += [
            cast(bytes, row[0])
            for row in conn.execute(
                f"SELECT embedding FROM chunks WHERE model_id = ? AND id IN "
                f"({', '.join('?' * len(part))})",
                [model.id, *part],
            )
        ]
    matrix = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), model.dims)
    if len(blobs) >= 32:  # a tiny archive gives no stable picture: judge again later
        _BACKGROUNDS[conn][model.id] = matrix
    return matrix


_CJK_CHAR = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def cjk_message_share(conn: apsw.Connection, sample: int = 4000) -> float:
    """The share of embeddable messages (about ``sample`` of them, spread over the archive)
    that hold Chinese, Japanese or Korean text; 0.0 for an empty archive."""
    top = int(scalar(conn, "SELECT max(rowid) FROM nodes") or 0)
    step = max(1, top // sample)
    rows = conn.execute(
        f"SELECT substr(n.text, 1, 400) FROM nodes n WHERE n.rowid % ? = 0 AND {EMBEDDABLE}",
        (step,),
    ).fetchall()
    if not rows:
        return 0.0
    return sum(1 for (text,) in rows if _CJK_CHAR.search(str(text))) / len(rows)
