"""Append-only schema migrations. Never edit a shipped step; add a new one.

``PRAGMA user_version`` records how many steps a database has applied.
"""

from __future__ import annotations

import apsw

# 3: continuity: the summary cache (keyed by conversations.content_hash and algorithm
#    version), cached LLM abstracts, corpus term document frequencies for keywords.
#    IF NOT EXISTS because an earlier keeper created these tables outside the migrations
#    (that path is gone; shipped steps are never edited).
STEP_3_CONTINUITY = """
    CREATE TABLE IF NOT EXISTS summaries (
        conversation_id TEXT PRIMARY KEY,
        content_hash    BLOB NOT NULL,
        version         INTEGER NOT NULL,
        data            BLOB NOT NULL,
        created         REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS llm_summaries (
        conversation_id TEXT NOT NULL,
        endpoint        TEXT NOT NULL,
        content_hash    BLOB NOT NULL,
        text            TEXT NOT NULL,
        created         REAL NOT NULL,
        PRIMARY KEY (conversation_id, endpoint)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS term_df (
        term            TEXT PRIMARY KEY,
        df              INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS continuity_meta (
        key             TEXT PRIMARY KEY,
        value           TEXT NOT NULL
    ) WITHOUT ROWID;
"""

# Each entry is one migration step, applied in order inside its own transaction.
MIGRATIONS: tuple[str, ...] = (
    # 1: the archive: conversations, every node with its raw JSON, keyword index, assets,
    #    profile items, import history.
    """
    CREATE TABLE conversations (
        id              TEXT PRIMARY KEY,
        title           TEXT NOT NULL DEFAULT '',
        create_time     REAL,
        update_time     REAL,
        model           TEXT,
        gizmo_id        TEXT,
        gizmo_type      TEXT,
        is_archived     INTEGER NOT NULL DEFAULT 0,
        current_node    TEXT,
        message_count   INTEGER NOT NULL DEFAULT 0,
        meta_json       BLOB NOT NULL,
        mapping_index   INTEGER NOT NULL DEFAULT -1,
        content_hash    BLOB NOT NULL,
        absent_since    INTEGER,
        first_import    INTEGER,
        last_import     INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX conversations_update ON conversations(update_time);
    CREATE INDEX conversations_gizmo ON conversations(gizmo_id);

    CREATE TABLE nodes (
        rowid           INTEGER PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        node_id         TEXT NOT NULL,
        parent_id       TEXT,
        position        INTEGER NOT NULL,
        message_id      TEXT,
        role            TEXT,
        author_name     TEXT,
        content_type    TEXT,
        kind            TEXT NOT NULL,
        hidden          INTEGER NOT NULL,
        on_path         INTEGER NOT NULL,
        in_latest       INTEGER NOT NULL DEFAULT 1,
        model           TEXT,
        create_time     REAL,
        status          TEXT,
        recipient       TEXT,
        channel         TEXT,
        text            TEXT NOT NULL DEFAULT '',
        raw             BLOB NOT NULL,
        UNIQUE (conversation_id, node_id)
    );
    CREATE INDEX nodes_time ON nodes(create_time);

    CREATE TABLE node_revisions (
        conversation_id TEXT NOT NULL,
        node_id         TEXT NOT NULL,
        raw             BLOB NOT NULL,
        import_id       INTEGER,
        PRIMARY KEY (conversation_id, node_id, raw)
    ) WITHOUT ROWID;

    CREATE TABLE conversation_revisions (
        conversation_id TEXT NOT NULL,
        meta_json       BLOB NOT NULL,
        import_id       INTEGER,
        PRIMARY KEY (conversation_id, meta_json)
    ) WITHOUT ROWID;

    CREATE TABLE record_hashes (
        hash            BLOB PRIMARY KEY,
        conversation_id TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE VIRTUAL TABLE message_fts USING fts5(
        body, content='', contentless_delete=1,
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE title_fts USING fts5(
        title, conversation_id UNINDEXED,
        tokenize='porter unicode61 remove_diacritics 2'
    );

    CREATE TABLE assets (
        sha256          TEXT PRIMARY KEY,
        size            INTEGER NOT NULL,
        mime            TEXT,
        path            TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE asset_refs (
        conversation_id TEXT NOT NULL,
        node_id         TEXT NOT NULL,
        pointer         TEXT NOT NULL,
        kind            TEXT NOT NULL,
        name            TEXT,
        mime            TEXT,
        sha256          TEXT REFERENCES assets(sha256),
        PRIMARY KEY (conversation_id, node_id, pointer)
    ) WITHOUT ROWID;

    CREATE TABLE profile_items (
        id              INTEGER PRIMARY KEY,
        kind            TEXT NOT NULL,
        text            TEXT NOT NULL,
        included        INTEGER NOT NULL DEFAULT 1,
        edited_text     TEXT,
        UNIQUE (kind, text)
    );
    CREATE TABLE profile_sources (
        item_id         INTEGER NOT NULL REFERENCES profile_items(id),
        conversation_id TEXT NOT NULL,
        node_id         TEXT NOT NULL,
        source          TEXT NOT NULL,
        item_time       REAL,
        PRIMARY KEY (item_id, conversation_id, node_id)
    ) WITHOUT ROWID;

    CREATE TABLE aux_files (
        name            TEXT NOT NULL,
        sha256          TEXT NOT NULL,
        raw             BLOB NOT NULL,
        import_id       INTEGER,
        PRIMARY KEY (name, sha256)
    ) WITHOUT ROWID;

    CREATE TABLE imports (
        id              INTEGER PRIMARY KEY,
        started         REAL NOT NULL,
        finished        REAL,
        sources         TEXT NOT NULL,
        exit_code       INTEGER,
        report          BLOB
    );
    """,
    # 2: embeddings: the models that made vectors, which nodes are embedded, and the chunks
    #    with their float32 vectors. The sqlite-vec index over a model's chunks
    #    (vec_chunks_<model id>) depends on the model's dimensions, so keeper.store.vectors
    #    creates it, and the triggers that keep it in step with ``chunks``, on first use.
    """
    CREATE TABLE embed_models (
        id              INTEGER PRIMARY KEY,
        name            TEXT NOT NULL UNIQUE,
        dims            INTEGER NOT NULL,
        active          INTEGER NOT NULL DEFAULT 0,
        created         REAL NOT NULL
    );
    CREATE TABLE embedded_nodes (
        node_rowid      INTEGER PRIMARY KEY,
        conversation_id TEXT NOT NULL,
        model_id        INTEGER NOT NULL,
        chunk_count     INTEGER NOT NULL
    );
    CREATE INDEX embedded_nodes_conversation ON embedded_nodes(conversation_id);
    CREATE TABLE chunks (
        id              INTEGER PRIMARY KEY,
        node_rowid      INTEGER NOT NULL,
        conversation_id TEXT NOT NULL,
        model_id        INTEGER NOT NULL,
        seq             INTEGER NOT NULL,
        embedding       BLOB NOT NULL
    );
    CREATE INDEX chunks_node ON chunks(node_rowid);
    CREATE INDEX chunks_conversation ON chunks(conversation_id);
    """,
    STEP_3_CONTINUITY,
    # 4: which export files each conversation was seen in, so one import can be taken back
    #    (``keeper forget --import``). Older imports are filled in where their one source
    #    is known (an import of several files cannot say which file held what).
    """
    CREATE TABLE conversation_sources (
        conversation_id TEXT NOT NULL,
        source          TEXT NOT NULL,
        import_id       INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, source, import_id)
    ) WITHOUT ROWID;
    CREATE INDEX conversation_sources_source ON conversation_sources(source);
    CREATE INDEX conversation_sources_import ON conversation_sources(import_id);
    INSERT OR IGNORE INTO conversation_sources
        SELECT c.id, json_extract(i.sources, '$[0]'), i.id FROM conversations c
        JOIN imports i ON i.id IN (c.first_import, c.last_import)
        WHERE json_valid(i.sources) AND json_array_length(i.sources) = 1;
    """,
    # 5: a node's children by index. The reply next to every search hit, the reader's
    #    branches and the MCP window around a message look a node's children up; without
    #    it each lookup scans the whole conversation (16 ms for 10 hits at 100k messages).
    "CREATE INDEX IF NOT EXISTS nodes_children ON nodes(conversation_id, parent_id);",
    # 6: what a context pack needs of each thread (its state card, the best sentence of
    #    every turn, its user turns), kept per conversation content and algorithm version
    #    like the summaries, so a pack over a large archive reads it instead of every
    #    thread's nodes (``keeper.pack.digest``).
    """
    CREATE TABLE thread_digests (
        conversation_id TEXT PRIMARY KEY,
        content_hash    BLOB NOT NULL,
        version         INTEGER NOT NULL,
        data            BLOB NOT NULL,
        created         REAL NOT NULL
    ) WITHOUT ROWID;
    """,
)


def schema_version(conn: apsw.Connection) -> int:
    """How many migration steps this database has applied."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: apsw.Connection, steps: tuple[str, ...] = MIGRATIONS) -> int:
    """Apply every step the database lacks; return the new version.

    Each step and its version bump commit together, so a crash leaves a clean version.
    """
    current = schema_version(conn)
    for version, sql in enumerate(steps[current:], start=current + 1):
        with conn:
            conn.execute(sql)
            conn.execute(f"PRAGMA user_version = {version}")
    return len(steps) if current < len(steps) else current
