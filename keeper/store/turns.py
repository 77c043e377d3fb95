"""The turns next to a hit: the message it replies to and the reply it got."""

from __future__ import annotations

import apsw

CONTEXT_CHARS = 300


def neighbours(conn: apsw.Connection, rowids: list[int]) -> dict[int, dict[str, dict]]:
    """For each node rowid: ``{"before": turn, "after": turn}`` (either may be missing),
    each turn ``{"message_id", "role", "text"}`` with its text clipped: the visible message
    it answers (its parent) and the one that answers it (its child on the active path)."""
    out: dict[int, dict[str, dict]] = {rowid: {} for rowid in rowids}
    for start in range(0, len(rowids), 400):
        part = rowids[start : start + 400]
        marks = ", ".join("?" * len(part))
        for side, join in (
            ("before", "t.node_id = h.parent_id"),
            ("after", "t.parent_id = h.node_id AND t.on_path = 1"),
        ):
            sql = (
                "SELECT h.rowid, coalesce(t.message_id, t.node_id), t.role, "
                f"substr(t.text, 1, {CONTEXT_CHARS + 1}) FROM nodes h JOIN nodes t "
                f"ON t.conversation_id = h.conversation_id AND {join} "
                f"WHERE h.rowid IN ({marks}) AND t.kind = 'message' AND t.hidden = 0 "
                "AND t.text != ''"
            )
            for rowid, message_id, role, text in conn.execute(sql, part):
                flat = " ".join(str(text).split())
                if len(flat) > CONTEXT_CHARS:
                    flat = flat[:CONTEXT_CHARS].rstrip() + "…"
                out[int(rowid)].setdefault(
                    side, {"message_id": message_id, "role": role, "text": flat}
                )
    return out
