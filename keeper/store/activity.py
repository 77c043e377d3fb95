"""Activity over time: messages per model per month, for the TUI's stats chart."""

from __future__ import annotations

import apsw


def messages_by_model_month(conn: apsw.Connection) -> list[tuple[str, str, int]]:
    """(month ``YYYY-MM``, model, messages) over dated messages; a user's message counts
    for its conversation's model, since only assistant messages name one."""
    rows = conn.execute(
        "SELECT strftime('%Y-%m', n.create_time, 'unixepoch', 'localtime'), "
        "coalesce(n.model, c.model, 'unknown'), count(*) FROM nodes n "
        "JOIN conversations c ON c.id = n.conversation_id "
        "WHERE n.kind = 'message' AND n.create_time IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return [(str(month), str(model), int(count)) for month, model, count in rows]
