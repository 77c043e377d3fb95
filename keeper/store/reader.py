"""Read queries: conversations, threads, stats, keyword candidates, raw round trip."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import apsw
import orjson

from keeper.model import Conversation, Node
from keeper.store.connection import map_for_search
from keeper.store.filters import Filters
from keeper.store.sql import scalar


@dataclass(slots=True)
class KeywordRow:
    """A message that matched a keyword query, with its BM25 score (higher is better)."""

    rowid: int
    conversation_id: str
    node_id: str
    message_id: str | None
    title: str
    role: str | None
    model: str | None
    create_time: float | None
    score: float
    text: str
    matched: tuple[str, ...] = ()  # the query terms it holds (best-match keyword search)


# Months in the local zone, as keeper.timefmt shows every date (SQLite's 'localtime' and
# Python's astimezone() both follow the C library's zone, $TZ included).
_LOCAL_MONTH = "strftime('%Y-%m', {}, 'unixepoch', 'localtime')"

_CONVERSATION_COLUMNS = (
    "c.id, c.title, c.create_time, c.update_time, c.model, c.gizmo_id, c.gizmo_type, "
    "c.is_archived, c.message_count, c.absent_since IS NOT NULL"
)
_SORTS = {
    "updated": "coalesce(c.update_time, c.create_time) DESC",
    "created": "c.create_time DESC",
    "title": "c.title COLLATE NOCASE",
    "messages": "c.message_count DESC",
}


def _conversation(row: tuple[Any, ...]) -> Conversation:
    return Conversation(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]), row[8], bool(row[9])
    )


def list_conversations(
    conn: apsw.Connection,
    filters: Filters = Filters(),
    *,
    archived: bool | None = None,
    sort: str = "updated",
    limit: int | None = None,
    title_like: str | None = None,
) -> list[Conversation]:
    """Conversations matching ``filters``, newest first unless ``sort`` says otherwise."""
    where, params = filters.conversation_clause()
    if archived is not None:
        where += " AND c.is_archived = ?"
        params.append(int(archived))
    if title_like:
        where += " AND c.title LIKE ? ESCAPE '\\'"
        escaped = title_like.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    sql = (
        f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE {where} "
        f"ORDER BY {_SORTS.get(sort, _SORTS['updated'])}"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_conversation(row) for row in conn.execute(sql, params)]


def get_conversation(conn: apsw.Connection, conversation_id: str) -> Conversation | None:
    """One conversation by exact id, or by a unique id prefix (at least 6 characters)."""
    row = conn.execute(
        f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?", (conversation_id,)
    ).fetchone()
    if row is None and len(conversation_id) >= 6:
        rows = conn.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE c.id >= ? AND c.id < ? "
            "LIMIT 2",
            (conversation_id, conversation_id + "\U0010ffff"),
        ).fetchall()
        row = rows[0] if len(rows) == 1 else None
    return _conversation(row) if row else None


_NODE_COLUMNS = (
    "rowid, node_id, parent_id, position, message_id, role, author_name, content_type, kind, "
    "hidden, on_path, in_latest, model, create_time, recipient, text"
)


def _node(r: tuple[Any, ...]) -> Node:
    return Node(
        rowid=r[0],
        node_id=r[1],
        parent_id=r[2],
        position=r[3],
        message_id=r[4],
        role=r[5],
        author_name=r[6],
        content_type=r[7],
        kind=r[8],
        hidden=bool(r[9]),
        on_path=bool(r[10]),
        in_latest=bool(r[11]),
        model=r[12],
        create_time=r[13],
        recipient=r[14],
        text=r[15],
    )


def conversations_by_prefix(
    conn: apsw.Connection, prefix: str, limit: int = 10
) -> list[Conversation]:
    """The conversation whose id is ``prefix`` exactly, else up to ``limit`` whose id starts
    with it (in id order), so a caller can tell unique, ambiguous and unknown apart."""
    exact = conn.execute(
        f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?", (prefix,)
    ).fetchone()
    if exact is not None:
        return [_conversation(exact)]
    if not prefix:
        return []
    rows = conn.execute(
        f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE c.id >= ? AND c.id < ? "
        "ORDER BY c.id LIMIT ?",
        (prefix, prefix + "\U0010ffff", limit),
    )
    return [_conversation(row) for row in rows]


def known_models(conn: apsw.Connection) -> list[str]:
    """Every model slug the archive's conversations or messages name."""
    rows = conn.execute(
        "SELECT model FROM conversations WHERE model IS NOT NULL UNION "
        "SELECT DISTINCT model FROM nodes WHERE model IS NOT NULL AND kind = 'message'"
    )
    return sorted(str(row[0]) for row in rows)


def known_projects(conn: apsw.Connection) -> list[str]:
    """Every Project or custom GPT id (gizmo id) the archive's conversations belong to."""
    rows = conn.execute("SELECT DISTINCT gizmo_id FROM conversations WHERE gizmo_id IS NOT NULL")
    return sorted(str(row[0]) for row in rows)


def conversation_nodes(
    conn: apsw.Connection, conversation_id: str, *, text_chars: int | None = None
) -> list[Node]:
    """Every stored node of a conversation, in mapping order; with ``text_chars``, each
    text cut at that many characters inside SQLite (a 100 MB message is never read whole
    by what only analyses its start)."""
    columns = _NODE_COLUMNS
    if text_chars is not None:
        columns = columns.removesuffix("text") + f"substr(text, 1, {int(text_chars)})"
    rows = conn.execute(
        f"SELECT {columns} FROM nodes WHERE conversation_id = ? ORDER BY position, rowid",
        (conversation_id,),
    )
    return [_node(r) for r in rows]


def node(conn: apsw.Connection, conversation_id: str, node_id: str) -> Node | None:
    """One node of a conversation by its node id."""
    row = conn.execute(
        f"SELECT {_NODE_COLUMNS} FROM nodes WHERE conversation_id = ? AND node_id = ?",
        (conversation_id, node_id),
    ).fetchone()
    return _node(row) if row else None


def child_nodes(conn: apsw.Connection, conversation_id: str, parent_id: str) -> list[Node]:
    """The children of one node: the one on the visible thread first, then newest first."""
    rows = conn.execute(
        f"SELECT {_NODE_COLUMNS} FROM nodes WHERE conversation_id = ? AND parent_id = ? "
        "ORDER BY on_path DESC, create_time DESC, position",
        (conversation_id, parent_id),
    )
    return [_node(r) for r in rows]


def keyword_candidates(
    conn: apsw.Connection, match: str, filters: Filters, limit: int
) -> list[KeywordRow]:
    """Messages matching the FTS5 expression ``match``, best BM25 first, filters applied
    inside the query so a filtered search never comes back short."""
    map_for_search(conn)
    where, params = filters.node_clause()
    columns = (
        "SELECT n.rowid, n.conversation_id, n.node_id, n.message_id, c.title, n.role, n.model, "
        "coalesce(n.create_time, c.create_time), "
    )
    if _keeps_most_messages(filters):
        # Rank every match (cheap), then read rows best first and stop at ``limit``: most
        # matches pass, so few rows are read. The inner LIMIT is load-bearing: without it
        # SQLite flattens the subquery into the join and drops its ORDER BY, and the outer
        # LIMIT would keep arbitrary rows. CROSS JOIN keeps the join in rank order.
        sql = (
            f"{columns} -f.score, n.text FROM (SELECT rowid AS id, bm25(message_fts) AS score "
            "FROM message_fts WHERE message_fts MATCH ? ORDER BY score LIMIT -1) f "
            "CROSS JOIN nodes n ON n.rowid = f.id CROSS JOIN conversations c "
            f"ON c.id = n.conversation_id WHERE {where} LIMIT ?"
        )
    else:
        # A narrow filter passes few matches: filter every match first, rank the survivors.
        sql = (
            f"{columns} -bm25(message_fts), n.text "
            "FROM message_fts JOIN nodes n ON n.rowid = message_fts.rowid "
            "JOIN conversations c ON c.id = n.conversation_id "
            f"WHERE message_fts MATCH ? AND {where} ORDER BY bm25(message_fts) LIMIT ?"
        )
    return [KeywordRow(*row) for row in conn.execute(sql, [match, *params, limit])]


def _keeps_most_messages(filters: Filters) -> bool:
    """Whether ``filters`` is at most a role or hidden-message choice (no date, model,
    project or conversation), so most keyword matches pass it."""
    return (
        filters.since is None
        and filters.until is None
        and not filters.model
        and not filters.project
        and not filters.conversation
    )


def title_candidates(
    conn: apsw.Connection, match: str, filters: Filters, limit: int
) -> list[KeywordRow]:
    """Conversations whose title matches, as a hit on their first visible message."""
    where, params = filters.node_clause()
    sql = (
        "SELECT n.rowid, n.conversation_id, n.node_id, n.message_id, c.title, n.role, n.model, "
        "coalesce(n.create_time, c.create_time), t.score, n.text FROM "
        "(SELECT conversation_id AS cid, -bm25(title_fts) AS score FROM title_fts "
        " WHERE title_fts MATCH ? ORDER BY bm25(title_fts) LIMIT ?) t "
        "JOIN conversations c ON c.id = t.cid "
        "JOIN nodes n ON n.rowid = (SELECT m.rowid FROM nodes m WHERE m.conversation_id = t.cid "
        "  AND m.on_path = 1 AND m.kind = 'message' ORDER BY m.create_time, m.position LIMIT 1) "
        f"WHERE {where} ORDER BY t.score DESC"
    )
    return [KeywordRow(*row) for row in conn.execute(sql, [match, limit, *params])]


def stats(conn: apsw.Connection) -> dict[str, Any]:
    """Conversations and messages by model and by month, plus totals."""

    def pairs(sql: str) -> list[list[Any]]:
        return [list(row) for row in conn.execute(sql)]

    return {
        "conversations": scalar(conn, "SELECT count(*) FROM conversations"),
        "messages": scalar(conn, "SELECT count(*) FROM nodes WHERE kind = 'message'"),
        "nodes": scalar(conn, "SELECT count(*) FROM nodes"),
        "conversations_by_model": pairs(
            "SELECT coalesce(model, 'unknown'), count(*) FROM conversations "
            "GROUP BY 1 ORDER BY 2 DESC"
        ),
        "messages_by_model": pairs(
            "SELECT coalesce(model, 'unknown'), count(*) FROM nodes WHERE kind = 'message' "
            "GROUP BY 1 ORDER BY 2 DESC"
        ),
        "conversations_by_month": pairs(
            f"SELECT coalesce({_LOCAL_MONTH.format('create_time')}, 'unknown'), count(*) "
            "FROM conversations GROUP BY 1 ORDER BY 1"
        ),
        "messages_by_month": pairs(
            f"SELECT coalesce({_LOCAL_MONTH.format('n.create_time')}, 'unknown'), count(*) "
            "FROM nodes n WHERE kind = 'message' GROUP BY 1 ORDER BY 1"
        ),
    }


def export_raw_conversations(
    conn: apsw.Connection, filters: Filters = Filters()
) -> Iterator[dict[str, Any]]:
    """Each conversation as the newest ChatGPT snapshot that was imported (the round trip)."""
    where, params = filters.conversation_clause()
    conversations = conn.execute(
        f"SELECT c.id, c.meta_json, c.mapping_index FROM conversations c WHERE {where} "
        "ORDER BY c.create_time, c.id",
        params,
    ).fetchall()
    for conv_id, meta_json, position in conversations:
        meta = orjson.loads(cast(str | bytes, meta_json))
        mapping_index = int(cast(int, position))
        if mapping_index < 0:
            yield meta
            continue
        mapping = {
            node_id: orjson.loads(raw)
            for node_id, raw in conn.execute(
                "SELECT node_id, raw FROM nodes WHERE conversation_id = ? AND in_latest = 1 "
                "ORDER BY position, rowid",
                (conv_id,),
            )
        }
        items = list(meta.items())
        items.insert(mapping_index, ("mapping", mapping))
        yield dict(items)


def profile_items(conn: apsw.Connection) -> list[dict[str, Any]]:
    """Custom instructions and memories with their earliest source, oldest first."""
    rows = conn.execute(
        "SELECT p.id, p.kind, p.text, p.included, p.edited_text, s.conversation_id, s.node_id, "
        "s.source, s.item_time, c.title, s.n FROM profile_items p JOIN ("
        "  SELECT item_id, conversation_id, node_id, source, item_time, "
        "  count(*) OVER (PARTITION BY item_id) AS n, row_number() OVER (PARTITION BY item_id "
        "  ORDER BY item_time IS NULL, item_time, conversation_id) AS rank FROM profile_sources"
        ") s ON s.item_id = p.id AND s.rank = 1 "
        "LEFT JOIN conversations c ON c.id = s.conversation_id ORDER BY s.item_time, p.id"
    )
    keys = (
        "id",
        "kind",
        "text",
        "included",
        "edited_text",
        "conversation_id",
        "node_id",
        "source",
        "time",
        "conversation_title",
        "occurrences",
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]


def asset_refs(conn: apsw.Connection, conversation_id: str) -> list[dict[str, Any]]:
    """The files a conversation references, with where keeper copied them (None: missing)."""
    rows = conn.execute(
        "SELECT r.node_id, r.pointer, r.kind, r.name, coalesce(r.mime, a.mime), a.path, a.size "
        "FROM asset_refs r LEFT JOIN assets a ON a.sha256 = r.sha256 "
        "WHERE r.conversation_id = ?",
        (conversation_id,),
    )
    keys = ("node_id", "pointer", "kind", "name", "mime", "path", "size")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def counts(conn: apsw.Connection) -> dict[str, int]:
    """Row counts for doctor and status lines."""
    return {
        table: scalar(conn, f"SELECT count(*) FROM {table}")
        for table in ("conversations", "nodes", "profile_items", "assets", "imports")
    }
