"""What the database runs on, for `keeper doctor` (the SQL half of the health report)."""

from __future__ import annotations

from typing import Any

import apsw

from keeper.store import reader
from keeper.store.migrations import MIGRATIONS, schema_version
from keeper.store.sql import scalar


def fts5_enabled(conn: apsw.Connection) -> bool:
    """Whether this SQLite was compiled with FTS5."""
    row = conn.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')").fetchone()
    return bool(row and row[0])


def database_facts(conn: apsw.Connection) -> dict[str, Any]:
    """SQLite and apsw versions, sqlite-vec, FTS5, journal mode and the schema version."""
    return {
        "sqlite": apsw.sqlite_lib_version(),
        "apsw": apsw.apsw_version(),
        "sqlite_vec": scalar(conn, "SELECT vec_version()"),
        "fts5": fts5_enabled(conn),
        "journal_mode": scalar(conn, "PRAGMA journal_mode"),
        "schema_version": schema_version(conn),
        "schema_latest": len(MIGRATIONS),
    }


def counts(conn: apsw.Connection) -> dict[str, int]:
    """Row counts of the archive's tables."""
    return reader.counts(conn)
