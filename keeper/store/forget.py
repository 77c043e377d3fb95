"""Forget one conversation: the only code in keeper that deletes what the user imported.

Everything derived from the conversation goes in one transaction: its nodes, their
keyword-index rows, node and conversation revisions, the record hashes that would make a
re-import skip it, its title index row, profile items only it supported, its asset links
and the assets no other conversation uses, and rows of any later table (embeddings,
summaries) keyed by its id or by its nodes' rowids, the entries about it in stored import
reports and auxiliary export files (feedback, comparisons, share links), and caches
computed over the whole archive (which may quote it). Then :func:`scrub` makes sure the
words do not linger in the database files: the keyword indexes are merged (a deleted
FTS row otherwise stays in its segment until a merge), the database is rebuilt with
VACUUM (free space inside pages still holds old versions of updated rows) and the
write-ahead log is emptied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import cast

import apsw
import orjson

from keeper.store.connection import BUSY_TIMEOUT_MS
from keeper.store.sql import scalar

SCRUB_BUSY_MS = 2_000

# Caches computed over the whole archive (term statistics, persona cards) that may hold its
# words; they are rebuilt on demand once emptied.
_CORPUS_CACHES = ("term_df", "continuity_meta")
# Tables this module clears explicitly; any other table with one of the key columns
# below is cleared generically.
_HANDLED = frozenset(
    {
        "conversations",
        "nodes",
        "node_revisions",
        "conversation_revisions",
        "record_hashes",
        "title_fts",
        "message_fts",
        "asset_refs",
        "assets",
        "profile_items",
        "profile_sources",
        "imports",
        "aux_files",
        "conversation_sources",
        *_CORPUS_CACHES,
    }
)
# Columns that tie a row of a later table to a conversation or to one of its nodes.
_CONVERSATION_COLUMNS = ("conversation_id",)
_NODE_COLUMNS = ("node_rowid", "message_rowid")


@dataclass
class ForgetResult:
    """What forgetting one conversation removed."""

    conversation_id: str
    nodes: int = 0
    asset_files: list[str] = field(default_factory=list)  # relative to the assets folder
    profile_items: int = 0
    other_rows: dict[str, int] = field(default_factory=dict)


def forget_conversation(
    conn: apsw.Connection, conversation_id: str, *, optimize: bool = True
) -> ForgetResult:
    """Delete ``conversation_id`` and everything derived from it, in one transaction.

    Returns what was removed; the caller deletes the returned asset files (after the
    commit, so a crash never leaves rows pointing at missing files). Raises KeyError when
    there is no such conversation. ``optimize=False`` leaves rewriting the keyword indexes
    to one :func:`optimize_indexes` after forgetting many.
    """
    result = ForgetResult(conversation_id)
    secure = scalar(conn, "PRAGMA secure_delete")
    conn.execute("PRAGMA secure_delete = ON")
    try:
        with _Immediate(conn):
            if scalar(conn, "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)) is None:
                raise KeyError(conversation_id)
            _collect_rowids(conn, conversation_id)
            result.other_rows = _forget_in_later_tables(conn, conversation_id)
            result.nodes = _forget_nodes(conn, conversation_id)
            result.profile_items = _forget_profile(conn, conversation_id)
            result.asset_files = _forget_assets(conn, conversation_id)
            _forget_in_reports(conn, conversation_id)
            _forget_in_aux_files(conn, conversation_id)
            for cache in _CORPUS_CACHES:
                if _table_exists(conn, cache):
                    conn.execute(f"DELETE FROM {cache}")
            for table in (
                "node_revisions",
                "conversation_revisions",
                "record_hashes",
                "title_fts",
                "conversation_sources",
            ):
                conn.execute(f"DELETE FROM {table} WHERE conversation_id = ?", (conversation_id,))
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            if optimize:
                _optimize(conn)
            conn.execute("DROP TABLE temp.forget_rowids")
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(secure or 0)}")
    return result


def _optimize(conn: apsw.Connection) -> None:
    # Rewrite the keyword indexes so the forgotten words leave their b-trees.
    for fts in ("message_fts", "title_fts"):
        conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")


def optimize_indexes(conn: apsw.Connection) -> None:
    """Rewrite the keyword indexes (after forgetting with ``optimize=False``)."""
    with _Immediate(conn):
        _optimize(conn)


def import_sources(conn: apsw.Connection) -> list[tuple[str, int, int]]:
    """Each export file conversations came from: (file, latest import id, conversations)."""
    rows = conn.execute(
        "SELECT source, max(import_id), count(DISTINCT conversation_id) FROM conversation_sources "
        "GROUP BY source ORDER BY max(import_id), source"
    )
    return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]


def only_from(conn: apsw.Connection, sources: list[str]) -> list[str]:
    """Ids of the conversations that every known source of lies in ``sources``: what
    taking back those export files removes (a conversation another export also holds
    stays)."""
    marks = ", ".join("?" * len(sources))
    rows = conn.execute(
        f"SELECT DISTINCT s.conversation_id FROM conversation_sources s "
        f"JOIN conversations c ON c.id = s.conversation_id WHERE s.source IN ({marks}) "
        f"AND NOT EXISTS (SELECT 1 FROM conversation_sources o WHERE "
        f"o.conversation_id = s.conversation_id AND o.source NOT IN ({marks})) "
        "ORDER BY c.create_time, c.id",
        [*sources, *sources],
    )
    return [str(row[0]) for row in rows]


def sources_of_import(conn: apsw.Connection, import_id: int) -> list[str]:
    """The export files import ``import_id`` read conversations from."""
    rows = conn.execute(
        "SELECT DISTINCT source FROM conversation_sources WHERE import_id = ?", (import_id,)
    )
    return [str(row[0]) for row in rows]


def scrub(conn: apsw.Connection) -> bool:
    """Rebuild the database (VACUUM) and empty the write-ahead log, so deleted text is gone
    from the files too. Returns False when another keeper process kept it from finishing
    (the deletion itself is already committed; running it again later completes it)."""
    # A reader that stays (an open TUI) would block for the whole busy timeout; give up
    # sooner and say so.
    conn.set_busy_timeout(SCRUB_BUSY_MS)
    try:
        conn.execute("VACUUM")
        row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except apsw.BusyError:
        return False
    finally:
        conn.set_busy_timeout(BUSY_TIMEOUT_MS)
    return row is not None and not row[0]


class _Immediate:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""

    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _collect_rowids(conn: apsw.Connection, conversation_id: str) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS forget_rowids (rowid INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.forget_rowids")
    conn.execute(
        "INSERT INTO temp.forget_rowids SELECT rowid FROM nodes WHERE conversation_id = ?",
        (conversation_id,),
    )


def _forget_nodes(conn: apsw.Connection, conversation_id: str) -> int:
    # message_fts is contentless (contentless_delete=1): rows are deleted by rowid.
    conn.execute("DELETE FROM message_fts WHERE rowid IN (SELECT rowid FROM temp.forget_rowids)")
    conn.execute("DELETE FROM nodes WHERE conversation_id = ?", (conversation_id,))
    return int(conn.changes())


def _forget_profile(conn: apsw.Connection, conversation_id: str) -> int:
    items = [
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT item_id FROM profile_sources WHERE conversation_id = ?",
            (conversation_id,),
        )
    ]
    conn.execute("DELETE FROM profile_sources WHERE conversation_id = ?", (conversation_id,))
    removed = 0
    for item_id in items:
        conn.execute(
            "DELETE FROM profile_items WHERE id = ? "
            "AND NOT EXISTS (SELECT 1 FROM profile_sources WHERE item_id = ?)",
            (item_id, item_id),
        )
        removed += int(conn.changes())
    return removed


def _forget_assets(conn: apsw.Connection, conversation_id: str) -> list[str]:
    shas = [
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT sha256 FROM asset_refs WHERE conversation_id = ? "
            "AND sha256 IS NOT NULL",
            (conversation_id,),
        )
    ]
    conn.execute("DELETE FROM asset_refs WHERE conversation_id = ?", (conversation_id,))
    files = []
    for sha in shas:
        if scalar(conn, "SELECT 1 FROM asset_refs WHERE sha256 = ? LIMIT 1", (sha,)) is not None:
            continue  # another conversation still shows this file
        path = scalar(conn, "SELECT path FROM assets WHERE sha256 = ?", (sha,))
        conn.execute("DELETE FROM assets WHERE sha256 = ?", (sha,))
        if path:
            files.append(str(path))
    return files


def _table_exists(conn: apsw.Connection, name: str) -> bool:
    return (
        scalar(conn, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) == 1
    )


def _mentions(value: object, conversation_id: str) -> bool:
    """True when a JSON value refers to the conversation (ids also appear without dashes)."""
    text = orjson.dumps(value).decode()
    return conversation_id in text or conversation_id.replace("-", "") in text


def _forget_in_reports(conn: apsw.Connection, conversation_id: str) -> None:
    """Drop the conversation's entries (anomalies, failures, missing files) from import reports."""
    rows = conn.execute("SELECT id, report FROM imports WHERE report IS NOT NULL").fetchall()
    for import_id, raw in rows:
        try:
            report = orjson.loads(raw if isinstance(raw, str) else bytes(cast(bytes, raw)))
        except orjson.JSONDecodeError:
            continue  # not a report keeper wrote; leave it untouched
        if not isinstance(report, dict) or not _mentions(report, conversation_id):
            continue
        lists = [
            (report.get("anomalies"), "list"),
            (report, "failed"),
            (report.get("assets"), "missing_list"),
        ]
        for holder, key in lists:
            if isinstance(holder, dict) and isinstance(holder.get(key), list):
                holder[key] = [
                    e
                    for e in holder[key]
                    if not (isinstance(e, dict) and e.get("conversation_id") == conversation_id)
                ]
        conn.execute(
            "UPDATE imports SET report = ? WHERE id = ?", (orjson.dumps(report), import_id)
        )


def _forget_in_aux_files(conn: apsw.Connection, conversation_id: str) -> None:
    """Remove the elements about the conversation from auxiliary files that are JSON arrays
    (message_feedback.json, model_comparisons.json, shared_conversations.json, ...)."""
    rows = conn.execute("SELECT name, sha256, raw, import_id FROM aux_files").fetchall()
    for name, sha, stored, import_id in rows:
        raw = bytes(cast(bytes, stored))
        if (
            conversation_id.encode() not in raw
            and conversation_id.replace("-", "").encode() not in raw
        ):
            continue
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(value, list):
            continue
        kept = [element for element in value if not _mentions(element, conversation_id)]
        data = orjson.dumps(kept)
        conn.execute("DELETE FROM aux_files WHERE name = ? AND sha256 = ?", (name, sha))
        conn.execute(
            "INSERT OR IGNORE INTO aux_files VALUES (?, ?, ?, ?)",
            (name, hashlib.sha256(data).hexdigest(), data, import_id),
        )


def _forget_in_later_tables(conn: apsw.Connection, conversation_id: str) -> dict[str, int]:
    """Clear rows of tables added by later migrations (embeddings, summaries, ...)."""
    removed: dict[str, int] = {}
    for table, columns in _later_tables(conn):
        count = 0
        for column in columns:
            if column in _CONVERSATION_COLUMNS:
                conn.execute(f'DELETE FROM "{table}" WHERE "{column}" = ?', (conversation_id,))
            else:
                conn.execute(
                    f'DELETE FROM "{table}" WHERE "{column}" IN '
                    "(SELECT rowid FROM temp.forget_rowids)"
                )
            count += int(conn.changes())
        if count:
            removed[table] = count
    return removed


def _later_tables(conn: apsw.Connection) -> list[tuple[str, list[str]]]:
    """Tables and virtual tables outside the first schema with a conversation or node key."""
    names = [
        str(row[0])
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    shadow_prefixes = tuple(
        f"{name}_"
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
        )
    )
    found = []
    for name in names:
        if name in _HANDLED or name.startswith(shadow_prefixes):
            continue
        columns = [str(row[1]) for row in conn.execute(f'PRAGMA table_info("{name}")')]
        keys = [c for c in columns if c in _CONVERSATION_COLUMNS or c in _NODE_COLUMNS]
        if keys:
            found.append((name, keys))
    return found
