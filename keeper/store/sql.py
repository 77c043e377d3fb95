"""Small query helpers shared by the store modules."""

from __future__ import annotations

from typing import Any

import apsw


def scalar(conn: apsw.Connection, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
    """The first column of the first row of ``sql``; StoreError-free: a missing row is None."""
    row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]


def ensure_vocab(conn: apsw.Connection) -> str:
    """The connection's temporary fts5vocab table over the keyword index (created once;
    a read-only connection creates it before it turns ``query_only`` on)."""
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.message_fts_terms "
        "USING fts5vocab(main, message_fts, row)"
    )
    return "temp.message_fts_terms"
