"""Small query helpers shared by the store modules."""

from __future__ import annotations

from typing import Any

import apsw


def scalar(conn: apsw.Connection, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
    """The first column of the first row of ``sql``; StoreError-free: a missing row is None."""
    row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]
