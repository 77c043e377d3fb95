"""Write parsed conversations into the database, merging with what is already there.

Merging rules (design decision 4): conversations are keyed by id; a snapshot at least
as new as the stored one replaces conversation fields and node contents (the replaced
raw JSON goes to a revisions table, so nothing is lost); an older snapshot only adds
nodes the database lacks. Nodes absent from the newest snapshot are kept, marked
``in_latest = 0``.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import apsw
import orjson

from keeper.model import ImportStatus
from keeper.parse.content_types import STRUCTURAL
from keeper.parse.conversation import ParsedConversation, ParsedNode
from keeper.parse.profile import ProfileItem
from keeper.store.fts_text import index_text
from keeper.store.sql import scalar
from keeper.store.vectors import invalidate_conversation

NEW, UPDATED, UNCHANGED = ImportStatus.NEW, ImportStatus.UPDATED, ImportStatus.UNCHANGED

_NODE_COLUMNS = (
    "rowid, conversation_id, node_id, parent_id, position, message_id, role, author_name, "
    "content_type, kind, hidden, on_path, in_latest, model, create_time, status, recipient, "
    "channel, text, raw"
)
_INSERT_NODE = f"INSERT INTO nodes ({_NODE_COLUMNS}) VALUES ({', '.join('?' * 20)})"
_REPLACE_NODE = f"REPLACE INTO nodes ({_NODE_COLUMNS}) VALUES ({', '.join('?' * 20)})"
_SPACES = re.compile(r"\s+")


@dataclass(slots=True)
class WriteResult:
    """What writing one conversation did."""

    status: str  # NEW | UPDATED | UNCHANGED
    nodes_added: int = 0
    nodes_changed: int = 0


def _is_newer(incoming: float | None, stored: float | None) -> bool:
    """A snapshot replaces the stored one unless it is strictly older (ties: latest import).
    A snapshot without a time never replaces one that has a time: it cannot show that it is
    newer, and an old export must never roll a conversation back."""
    if stored is None:
        return True
    if incoming is None:
        return False
    return incoming >= stored


def _indexed(node: ParsedNode) -> bool:
    return node.kind != STRUCTURAL and bool(node.text)


class ArchiveWriter:
    """Writes one import's conversations. The caller owns transactions (``batch``)."""

    def __init__(self, conn: apsw.Connection, import_id: int) -> None:
        self.conn = conn
        self.import_id = import_id
        row = conn.execute("SELECT coalesce(max(rowid), 0) FROM nodes").fetchone()
        self._next_rowid = int(row[0]) + 1 if row else 1
        # A database still on an older schema (migrations add this table) records no sources;
        # migrating fills them in for single-file imports.
        self._sources = (
            scalar(conn, "SELECT 1 FROM sqlite_master WHERE name = 'conversation_sources'") == 1
        )

    # -- transactions -------------------------------------------------------------
    def begin(self) -> None:
        """Start a write transaction (IMMEDIATE, so a concurrent writer waits here)."""
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Commit the current transaction."""
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        """Abandon the current transaction."""
        if not self.conn.getautocommit():
            self.conn.execute("ROLLBACK")

    # -- fast path ----------------------------------------------------------------
    def known_record(self, payload_hash: bytes) -> str | None:
        """The conversation id of a byte-identical record imported before, if any."""
        row = self.conn.execute(
            "SELECT conversation_id FROM record_hashes WHERE hash = ?", (payload_hash,)
        ).fetchone()
        return str(row[0]) if row else None

    def remember_record(self, payload_hash: bytes, conversation_id: str) -> None:
        """Remember that these exact bytes were merged into ``conversation_id``."""
        self.conn.execute(
            "INSERT OR IGNORE INTO record_hashes (hash, conversation_id) VALUES (?, ?)",
            (payload_hash, conversation_id),
        )

    # -- conversations --------------------------------------------------------------
    def write(self, conv: ParsedConversation) -> WriteResult:
        """Insert or merge one conversation; returns what changed."""
        stored = self.conn.execute(
            "SELECT update_time, content_hash, meta_json FROM conversations WHERE id = ?",
            (conv.id,),
        ).fetchone()
        if stored is None:
            self._insert_conversation(conv)
            self._insert_nodes(conv, conv.nodes, in_latest=True)
            self._write_profile(conv.id, conv.profile)
            self._write_title(conv, replace=False)
            return WriteResult(NEW, nodes_added=len(conv.nodes))
        stored_update, stored_hash, stored_meta = stored
        if bytes(stored_hash) == conv.content_hash:
            return WriteResult(UNCHANGED)
        newer = _is_newer(conv.update_time, stored_update)
        added, changed = self._merge_nodes(conv, newer)
        meta_changed = bytes(stored_meta) != conv.meta_json
        if newer:
            if meta_changed:
                self.conn.execute(
                    "INSERT OR IGNORE INTO conversation_revisions VALUES (?, ?, ?)",
                    (conv.id, stored_meta, self.import_id),
                )
            self._update_conversation(conv)
            self._write_title(conv)
        elif meta_changed:
            self.conn.execute(
                "INSERT OR IGNORE INTO conversation_revisions VALUES (?, ?, ?)",
                (conv.id, conv.meta_json, self.import_id),
            )
        self._write_profile(conv.id, conv.profile)
        if added or changed or (newer and meta_changed):
            # Titles, texts and neighbouring turns all feed the embedded text: re-embed.
            invalidate_conversation(self.conn, conv.id)
            return WriteResult(UPDATED, added, changed)
        return WriteResult(UNCHANGED)

    def _conversation_row(self, conv: ParsedConversation) -> tuple[Any, ...]:
        return (
            conv.title,
            conv.create_time,
            conv.update_time,
            conv.model,
            conv.gizmo_id,
            conv.gizmo_type,
            int(conv.is_archived),
            conv.current_node,
            conv.message_count,
            conv.meta_json,
            conv.mapping_index,
            conv.content_hash,
        )

    def _insert_conversation(self, conv: ParsedConversation) -> None:
        self.conn.execute(
            "INSERT INTO conversations (title, create_time, update_time, model, gizmo_id, "
            "gizmo_type, is_archived, current_node, message_count, meta_json, mapping_index, "
            "content_hash, id, first_import, last_import) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*self._conversation_row(conv), conv.id, self.import_id, self.import_id),
        )

    def _update_conversation(self, conv: ParsedConversation) -> None:
        self.conn.execute(
            "UPDATE conversations SET title = ?, create_time = ?, update_time = ?, model = ?, "
            "gizmo_id = ?, gizmo_type = ?, is_archived = ?, current_node = ?, "
            "message_count = ?, meta_json = ?, mapping_index = ?, content_hash = ?, "
            "last_import = ?, absent_since = NULL WHERE id = ?",
            (*self._conversation_row(conv), self.import_id, conv.id),
        )

    def _write_title(self, conv: ParsedConversation, *, replace: bool = True) -> None:
        if replace:
            # conversation_id is UNINDEXED, so this scans title_fts: only for updates.
            self.conn.execute("DELETE FROM title_fts WHERE conversation_id = ?", (conv.id,))
        if conv.title:
            self.conn.execute(
                "INSERT INTO title_fts (title, conversation_id) VALUES (?, ?)",
                (index_text(conv.title), conv.id),
            )

    # -- nodes ----------------------------------------------------------------------
    def _node_row(
        self, rowid: int, conv_id: str, node: ParsedNode, *, in_latest: bool
    ) -> tuple[Any, ...]:
        return (
            rowid,
            conv_id,
            node.node_id,
            node.parent_id,
            node.position,
            node.message_id,
            node.role,
            node.author_name,
            node.content_type,
            node.kind,
            int(node.hidden),
            int(node.on_path and in_latest),
            int(in_latest),
            node.model,
            node.create_time,
            node.status,
            node.recipient,
            node.channel,
            node.text,
            node.raw,
        )

    def _insert_nodes(
        self, conv: ParsedConversation, nodes: Iterable[ParsedNode], *, in_latest: bool
    ) -> int:
        rows = []
        fts = []
        rowid = self._next_rowid
        for node in nodes:
            rows.append(self._node_row(rowid, conv.id, node, in_latest=in_latest))
            if _indexed(node):
                fts.append((rowid, index_text(node.text)))
            rowid += 1
        self._next_rowid = rowid
        if rows:
            self.conn.executemany(_INSERT_NODE, rows)
        if fts:
            self.conn.executemany("INSERT INTO message_fts (rowid, body) VALUES (?, ?)", fts)
        return len(rows)

    def _merge_nodes(self, conv: ParsedConversation, newer: bool) -> tuple[int, int]:
        stored = {
            node_id: (rowid, bytes(raw))
            for rowid, node_id, raw in self.conn.execute(
                "SELECT rowid, node_id, raw FROM nodes WHERE conversation_id = ?", (conv.id,)
            )
        }
        fresh = [node for node in conv.nodes if node.node_id not in stored]
        changed = 0
        replace_rows = []
        for node in conv.nodes:
            if node.node_id not in stored:
                continue
            rowid, raw = stored[node.node_id]
            differs = raw != node.raw
            if differs:
                changed += 1
                kept = raw if newer else node.raw
                self.conn.execute(
                    "INSERT OR IGNORE INTO node_revisions VALUES (?, ?, ?, ?)",
                    (conv.id, node.node_id, kept, self.import_id),
                )
            if newer:
                replace_rows.append((rowid, node, differs))
        if newer:
            self._replace_nodes(conv, replace_rows)
            incoming = {node.node_id for node in conv.nodes}
            stale = [(rowid,) for node_id, (rowid, _) in stored.items() if node_id not in incoming]
            self.conn.executemany(
                "UPDATE nodes SET in_latest = 0, on_path = 0 WHERE rowid = ?", stale
            )
        added = self._insert_nodes(conv, fresh, in_latest=newer)
        return added, changed

    def _replace_nodes(
        self, conv: ParsedConversation, rows: list[tuple[int, ParsedNode, bool]]
    ) -> None:
        for rowid, node, differs in rows:
            self.conn.execute(_REPLACE_NODE, self._node_row(rowid, conv.id, node, in_latest=True))
            if differs:
                self.conn.execute("DELETE FROM message_fts WHERE rowid = ?", (rowid,))
                if _indexed(node):
                    self.conn.execute(
                        "INSERT INTO message_fts (rowid, body) VALUES (?, ?)",
                        (rowid, index_text(node.text)),
                    )

    # -- profile, assets, aux files -------------------------------------------------------
    def _write_profile(self, conv_id: str, items: list[ProfileItem]) -> None:
        for item in items:
            text = _SPACES.sub(" ", item.text).strip()
            if not text:
                continue
            self.conn.execute(
                "INSERT OR IGNORE INTO profile_items (kind, text) VALUES (?, ?)", (item.kind, text)
            )
            item_id = scalar(
                self.conn,
                "SELECT id FROM profile_items WHERE kind = ? AND text = ?",
                (item.kind, text),
            )
            self.conn.execute(
                "INSERT OR IGNORE INTO profile_sources VALUES (?, ?, ?, ?, ?)",
                (item_id, conv_id, item.node_id, item.source, item.item_time),
            )

    def add_asset(self, sha256: str, size: int, mime: str | None, path: str) -> None:
        """Record a copied, content-addressed asset file."""
        self.conn.execute(
            "INSERT OR IGNORE INTO assets (sha256, size, mime, path) VALUES (?, ?, ?, ?)",
            (sha256, size, mime, path),
        )

    def add_asset_ref(
        self,
        conv_id: str,
        node_id: str,
        pointer: str,
        kind: str,
        name: str | None,
        mime: str | None,
        sha256: str | None,
    ) -> None:
        """Link a node to an asset pointer; a later import may fill in a missing file."""
        self.conn.execute(
            "INSERT INTO asset_refs VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET sha256 = coalesce(excluded.sha256, sha256), "
            "name = coalesce(excluded.name, name), mime = coalesce(excluded.mime, mime)",
            (conv_id, node_id, pointer, kind, name, mime, sha256),
        )

    def conversations_lacking_files(self) -> set[str]:
        """Ids of conversations that reference a file keeper has no copy of."""
        rows = self.conn.execute(
            "SELECT DISTINCT conversation_id FROM asset_refs WHERE sha256 IS NULL"
        )
        return {str(row[0]) for row in rows}

    def refs_lacking_files(
        self, conversation_id: str
    ) -> list[tuple[str, str, str, str | None, str | None]]:
        """(node id, pointer, kind, name, mime) of each file the conversation lacks."""
        rows = self.conn.execute(
            "SELECT node_id, pointer, kind, name, mime FROM asset_refs "
            "WHERE conversation_id = ? AND sha256 IS NULL",
            (conversation_id,),
        )
        return [(str(r[0]), str(r[1]), str(r[2]), r[3], r[4]) for r in rows]

    def add_aux_file(self, name: str, raw: bytes) -> None:
        """Keep an auxiliary export file (user.json, message_feedback.json, ...) raw."""
        digest = hashlib.sha256(raw).hexdigest()
        self.conn.execute(
            "INSERT OR IGNORE INTO aux_files VALUES (?, ?, ?, ?)",
            (name, digest, raw, self.import_id),
        )

    # -- import bookkeeping -----------------------------------------------------------
    def note_source(self, conversation_id: str, source: str) -> None:
        """Remember that the export file ``source`` holds ``conversation_id``."""
        if not self._sources:
            return
        self.conn.execute(
            "INSERT OR IGNORE INTO conversation_sources VALUES (?, ?, ?)",
            (conversation_id, source, self.import_id),
        )

    def mark_absent(self, seen: set[str], newest_update: float) -> int:
        """Mark conversations a complete, newer export no longer contains. Returns the count.

        An export older than what the archive already holds (some stored conversation was
        updated after this export's newest one) marks nothing: it predates the others, so
        what it lacks says nothing about them (older exports also left out whole kinds of
        conversations, such as Projects)."""
        newest_stored = scalar(self.conn, "SELECT max(update_time) FROM conversations")
        if newest_stored is not None and float(cast(float, newest_stored)) > newest_update:
            return 0
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS seen_ids (id TEXT PRIMARY KEY)")
        self.conn.execute("DELETE FROM seen_ids")
        self.conn.executemany("INSERT OR IGNORE INTO seen_ids VALUES (?)", ((i,) for i in seen))
        self.conn.execute(
            "UPDATE conversations SET absent_since = NULL "
            "WHERE absent_since IS NOT NULL AND id IN (SELECT id FROM seen_ids)"
        )
        self.conn.execute(
            "UPDATE conversations SET absent_since = ? WHERE absent_since IS NULL "
            "AND id NOT IN (SELECT id FROM seen_ids) "
            "AND (update_time IS NULL OR update_time <= ?)",
            (self.import_id, newest_update),
        )
        return int(self.conn.changes())


def start_import(conn: apsw.Connection, sources: list[str]) -> int:
    """Record the start of an import; returns its id."""
    conn.execute(
        "INSERT INTO imports (started, sources) VALUES (?, ?)",
        (time.time(), orjson.dumps(sources).decode()),
    )
    return int(conn.last_insert_rowid())


def finish_import(
    conn: apsw.Connection, import_id: int, exit_code: int, report: dict[str, Any]
) -> None:
    """Store an import's report."""
    conn.execute(
        "UPDATE imports SET finished = ?, exit_code = ?, report = ? WHERE id = ?",
        (time.time(), exit_code, orjson.dumps(report), import_id),
    )
